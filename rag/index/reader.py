"""A loaded, read-only index version: its segments searched as one corpus through one interface.

Loading checks the manifest's own hash and every file's size and modification time (a file whose mtime differs is
re-hashed); `cables verify` hashes everything. If the live version fails, the newest older version that verifies is
loaded instead and the index says so (`note`, and a warning)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..backends.weights import resolve_embedder
from ..errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from ..records import Cable, CableLink
from ..settings import Settings
from .columns import FilterLike
from .dense import top_k
from .lexical import LexicalSet
from .manifest import FORMAT_VERSION, Manifest, all_versions, check_files, current_name, read_format
from .segment import Segment
from .views import CableMetaView, DenseView, Stores


class IndexFallbackWarning(UserWarning):
    """The live index version failed verification; an older one was loaded."""


class Index:
    def __init__(self, folder: Path, manifest: Manifest, settings: Settings, note: str = "") -> None:
        self.folder = folder
        self.manifest = manifest
        self.note = note
        self.segments: list[Segment] = []
        offset = 0
        for info in manifest.segments:
            seg = Segment(folder, info, offset, manifest.dim, settings.ivf_nprobe, settings.ivf_parallel)
            self.segments.append(seg)
            offset += info.passages
        self.rows = offset  # global row numbers run over all segments, superseded rows included
        self.offsets = np.array([s.offset for s in self.segments], dtype=np.int64)
        self.lexical = LexicalSet([s.lex for s in self.segments], sum(i.tokens for i in manifest.segments))
        self.store = Stores(self.segments, self.offsets, manifest)
        self.dense = DenseView(self.segments, self.offsets)
        self.cable_meta = CableMetaView(self.segments, manifest.cable_count)

    @property
    def version(self) -> str:
        return self.folder.name

    def cable(self, cable_id: str) -> Cable | None:
        return self.store.cable(cable_id)

    def cites(self, cable_id: str) -> list[CableLink]:
        """The cables `cable_id` references (REF), each saying whether this index holds it."""
        return self.store.cites(cable_id)

    def cited_by(self, cable_id: str) -> list[CableLink]:
        """The indexed cables that reference `cable_id`, across segments, superseded copies left out."""
        return self.store.cited_by(cable_id)

    def origins(self) -> list[str]:
        return sorted({o for s in self.segments for o in s.cols.origins if o})

    def classifications(self) -> list[str]:
        return sorted({c for s in self.segments for c in s.cols.classifications if c})

    def allowed(self, f: FilterLike | None) -> list[np.ndarray | None]:
        """Per segment, the rows a search may return (None: every row)."""
        return [s.allowed(f) for s in self.segments]

    def count_cables(self, f: FilterLike | None) -> int:
        """Live cables passing the filter (every live cable when there is none)."""
        if not f:
            return sum(int(s.cable_live.sum()) for s in self.segments)
        return sum(int((s.cols.cable_mask(f, s.store) & s.cable_live).sum()) for s in self.segments)

    def search_dense(
        self, q: np.ndarray, k: int, allowed: list[np.ndarray | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (cosine, global row) over every segment's embedded rows, best first."""
        allowed = allowed if allowed is not None else self.allowed(None)
        scores, rows = [], []
        for seg, mask in zip(self.segments, allowed, strict=True):
            if mask is not None and not mask.any():
                continue
            s, r = seg.dense.search(q, k, mask)
            scores.append(s)
            rows.append(r + seg.offset)
        return _merge(scores, rows, k)

    def search_lexical(
        self, tokens: list[str], k: int, allowed: list[np.ndarray | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (BM25 > 0, global row), best first, one IDF over all segments."""
        allowed = allowed if allowed is not None else self.allowed(None)
        scores, rows = [], []
        for seg, mask, s in zip(self.segments, allowed, self.lexical.segment_scores(tokens), strict=True):
            if s is None:
                continue
            if mask is not None:
                s[~mask] = 0.0
            s[s <= 0] = -np.inf
            top = top_k(s, k)
            scores.append(s[top])
            rows.append(top + seg.offset)
        return _merge(scores, rows, k)

    @classmethod
    def load(
        cls, settings: Settings, verify: bool = True, expect_embedder: str | None = None, full: bool = False
    ) -> Index:
        root = Path(settings.index_dir)
        cur = current_name(root)
        candidates = [root / "versions" / cur] if cur else []
        candidates += [v for v in all_versions(root) if v.name != cur]
        if not candidates:
            raise IndexMissingError(f"no index at {root}: build one with `cables ingest PATH...`")
        want = expect_embedder or resolve_embedder(settings.embedder)[0]
        failed: list[str] = []
        for folder in candidates:
            try:
                manifest = _open_manifest(folder, want)
                if verify:
                    problems = check_files(folder, manifest.files, full)
                    if problems:
                        raise IndexCorruptError("; ".join(problems[:3]))
                note = ""
                if failed:
                    note = (
                        f"the live index version {cur} failed verification ({failed[0]}); loaded the newest earlier "
                        f"version that verifies, {folder.name}. Re-run the last ingest (or `cables ingest --rebuild`)"
                    )
                    warnings.warn(note, IndexFallbackWarning, stacklevel=2)
                return cls(folder, manifest, settings, note)
            except IndexCorruptError as e:
                failed.append(str(e))
        raise IndexCorruptError(
            f"{failed[0]}; no earlier version verifies either: rebuild with `cables ingest --rebuild PATH...`"
        )


def _open_manifest(folder: Path, embedder: str) -> Manifest:
    if not folder.is_dir():
        raise IndexCorruptError(f"{folder} is missing")
    fmt = read_format(folder / "manifest.json")
    if fmt and fmt != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {folder} has format {fmt}, this version reads {FORMAT_VERSION}: rebuild with "
            "`cables ingest --rebuild PATH...`"
        )
    manifest = Manifest.read(folder / "manifest.json")
    if manifest.embedder != embedder:
        raise IndexMismatchError(
            f"index at {folder} was built with embedder {manifest.embedder} (dim {manifest.dim}) but this run uses "
            f"{embedder}: set CABLES_EMBEDDER to the index's embedder, or rebuild with "
            "`cables ingest --rebuild PATH...`"
        )
    return manifest


def _merge(scores: list[np.ndarray], rows: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    if not scores:
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    s, r = np.concatenate(scores), np.concatenate(rows)
    keep = np.isfinite(s)
    s, r = s[keep], r[keep]
    top = np.lexsort((r, -s))[:k]  # ties in global row order, as one segment would rank them
    return s[top], r[top]
