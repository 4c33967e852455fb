"""An index version's manifest and the on-disk layout.

    <index_dir>/CURRENT                        the live version's name (replaced by one atomic rename)
    <index_dir>/versions/<version>/manifest.json, manifest.sha256
    <index_dir>/versions/<version>/<segment>/  one folder per segment (hard links: unchanged segments are shared
                                               between versions, never copied; their files are never modified)
    <index_dir>/versions/<version>/dead-<segment>.npz   rows and cables of that segment superseded by newer ones
    <index_dir>/staging/<key>/                 an ingest in progress (resumable), never read by readers

A segment holds store.sqlite (cables, paragraphs, passages), bm25/ (postings), cols/ (metadata columns), vec/
(float32 vector chunks, one file per ingest chunk) and, when large and complete, dense.faiss (IVF). Every file is
recorded with its size, modification time and SHA-256: loading compares size and mtime (and re-hashes a file whose
mtime differs); `cables verify` hashes everything. Writers: rag/ingest/build/. Readers: rag/index/reader.py.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import IndexCorruptError
from ..hashing import sha256_file

FORMAT_VERSION = 3  # 2: segments; 3: cables.refs holds Reference records as JSON


@dataclass(frozen=True)
class FileRecord:
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileRecord:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, sha256_file(path))


@dataclass(frozen=True)
class SegmentInfo:
    """One segment as a version sees it: its own facts, and what newer segments superseded in it."""

    name: str
    passages: int  # rows, superseded ones included
    cables: int  # cables stored
    embedded: int  # rows with a vector (== passages once embedding is complete)
    tokens: int  # BM25 token count over all rows (for the global average passage length)
    cable_xor: str  # XOR of the hashes of (id, fingerprint) of its cables: corpus fingerprint, incrementally
    dense_kind: str = "exact"  # exact | ivf<nlist>-sq8
    nprobe: int = 0  # IVF lists probed, chosen for the recall target at build time
    ivf_recall: float = 1.0  # recall@10 against exact search measured at that nprobe
    dead: int = 0  # rows superseded (this version)
    dead_cables: int = 0
    dead_xor: str = ""  # XOR of the hashes of the superseded cables

    @property
    def live_passages(self) -> int:
        return self.passages - self.dead

    @property
    def complete(self) -> bool:
        return self.embedded >= self.passages


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embedder: str
    dim: int
    normalized: bool
    with_context: bool
    window_tokens: int
    window_overlap: int
    passage_count: int  # live passages
    cable_count: int  # live cables
    embedded: int  # live passages with a vector; dense search covers these, BM25 covers all
    corpus_fingerprint: str
    built_at: str
    build_seconds: float
    dense_kind: str
    segments: tuple[SegmentInfo, ...] = ()
    libraries: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileRecord] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(s.complete for s in self.segments)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest, checked against its recorded hash (manifest.sha256 next to it)."""
        try:
            raw = path.read_bytes()
            want = path.with_suffix(".sha256").read_text().strip()
        except OSError as e:
            raise IndexCorruptError(f"{path}: unreadable manifest ({e})") from e
        if sha256_bytes(raw) != want:
            raise IndexCorruptError(f"{path} fails its checksum (corrupted or edited)")
        try:
            data = json.loads(raw)
            data["segments"] = tuple(SegmentInfo(**s) for s in data.get("segments", ()))
            data["files"] = {k: FileRecord(**v) for k, v in data["files"].items()}
            return cls(**data)
        except (ValueError, TypeError, KeyError) as e:
            raise IndexCorruptError(f"{path}: unreadable manifest ({e})") from e


def read_format(path: Path) -> int:
    """The format number of any manifest, old formats included (0 when unreadable)."""
    try:
        return int(json.loads(path.read_text()).get("format_version", 0))
    except (OSError, ValueError, AttributeError):
        return 0


def sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def write_manifest(folder: Path, manifest: Manifest) -> None:
    raw = manifest.to_json().encode()
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.sha256").write_text(sha256_bytes(raw))


def check_files(folder: Path, files: dict[str, FileRecord], full: bool) -> list[str]:
    """Problems with a version's files: missing, wrong size, or (when `full`, or when the mtime differs) wrong hash."""
    problems: list[str] = []
    for rel, rec in files.items():
        p = folder / rel
        try:
            st = p.stat()
        except OSError:
            problems.append(f"{p} is missing")
            continue
        if st.st_size != rec.size:
            problems.append(f"{p} has {st.st_size} bytes, the manifest says {rec.size} (truncated or changed)")
        elif (full or st.st_mtime_ns != rec.mtime_ns) and sha256_file(p) != rec.sha256:
            problems.append(f"{p} fails its checksum (corrupted)")
    return problems


def walk_files(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            yield p


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fsync_path(path)


def fsync_tree(folder: Path) -> None:
    """Every file, then every folder bottom-up, then the folder itself: durable before it is switched in."""
    dirs = [folder]
    for p in sorted(folder.rglob("*")):
        if p.is_dir():
            dirs.append(p)
        elif p.is_file():
            fsync_path(p)
    for d in sorted(dirs, key=lambda d: len(d.parts), reverse=True):
        fsync_path(d)


def current_name(root: Path) -> str | None:
    try:
        return (root / "CURRENT").read_text().strip() or None
    except OSError:
        return None


def current_version(root: Path) -> Path | None:
    name = current_name(root)
    path = root / "versions" / name if name else None
    return path if path is not None and path.is_dir() else None


def all_versions(root: Path) -> list[Path]:
    """Published version folders, newest first (names start with their UTC build time)."""
    versions = root / "versions"
    if not versions.is_dir():
        return []
    found = [p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(found, key=lambda p: p.name, reverse=True)


def libraries() -> dict[str, str]:
    import faiss  # the index format's own libraries, always recorded
    import numpy

    out = {"cables": __version__, "python": sys.version.split()[0], "faiss": faiss.__version__}
    out["numpy"] = numpy.__version__
    for mod in ("onnxruntime", "sentence_transformers", "torch"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = str(getattr(m, "__version__", "?"))
    return out
