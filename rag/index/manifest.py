"""An index version's manifest (format, embedder, counts, checksums) and the version folder layout.

Layout: <index_dir>/CURRENT names the live version folder under <index_dir>/versions/; each version holds
store.sqlite (cables, paragraphs, passages), vectors.npy, dense.faiss, bm25/ and manifest.json. Writers build a new
version folder and switch CURRENT with one rename (rag/ingest/build.py); readers load CURRENT (rag/index/reader.py).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import IndexCorruptError

FORMAT_VERSION = 2  # 2: cables.refs holds Reference records as JSON


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embedder: str
    dim: int
    normalized: bool
    with_context: bool
    window_tokens: int
    window_overlap: int
    passage_count: int
    cable_count: int
    corpus_fingerprint: str
    built_at: str
    build_seconds: float
    dense_kind: str
    libraries: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError) as e:
            raise IndexCorruptError(f"{path}: unreadable manifest ({e}); rebuild with `cables ingest --rebuild`") from e


def version_files(folder: Path) -> Iterator[Path]:
    """Every file of a version folder that the manifest checksums (all but the manifest itself)."""
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            yield p


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_version(root: Path) -> Path | None:
    cur = root / "CURRENT"
    if not cur.exists():
        return None
    name = cur.read_text().strip()
    path = root / "versions" / name
    return path if path.is_dir() else None


def libraries() -> dict[str, str]:
    out = {"cables": __version__, "python": sys.version.split()[0]}
    for mod in ("faiss", "bm25s", "numpy", "onnxruntime", "sentence_transformers", "torch"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = str(getattr(m, "__version__", "?"))
    return out
