"""Versions from segments: the publisher (previous segments with what the new one supersedes, plus the new one),
and merging segments into one (the live rows of each, copied with their vectors: nothing is re-embedded).

Merging goes through the same staging as an ingest, so a killed merge resumes too."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

from ...backends.embedder import Embedder
from ...errors import CablesError, IndexMissingError
from ...index.manifest import Manifest, current_version
from ...index.reader import Index
from ...index.segment import Segment, read_dead
from ...settings import Settings
from .embedding import embed_stage, finish_dense, segment_info
from .publish import SegmentSource, VersionMeta, cable_hash, publish, with_dead, write_lock
from .staging import Staging, _Pending


class Publisher:
    """Publishes `prev`'s segments (minus `replaced`) plus the staged one, which goes where the newest replaced
    segment was (at the end when nothing is replaced)."""

    def __init__(self, root: Path, prev: Index | None, st: Staging, meta: VersionMeta, replaced: tuple[str, ...] = ()):
        self.root, self.prev, self.st, self.meta, self.replaced = root, prev, st, meta, replaced
        # a resumed ingest may find its own segment in the live version (published while it was embedding)
        self.segments = [s for s in prev.segments if s.name != st.name] if prev is not None else []
        # where the previous segments' files are linked from: prev's folder, then each version this one published
        # (prev's folder may be cleaned up while a long ingest publishes version after version)
        self.base = prev.folder if prev is not None else root
        self._kills: dict[str, tuple[list[int], list[int], int]] | None = None

    def _live_copy(self, cable_id: str) -> Segment | None:
        for seg in reversed(self.segments):
            if seg.store.fingerprint(cable_id) is not None:
                return seg
        return None

    def kills(self) -> dict[str, tuple[list[int], list[int], int]]:
        """Per previous segment: the rows and cables the staged segment supersedes (those still live there), and
        the XOR of the superseded cables' hashes."""
        if self._kills is None:
            self._kills = {}
            for cid, _ in self.st.store.fingerprints() if not self.replaced else ():
                seg = self._live_copy(cid)
                if seg is None:
                    continue
                idx = seg.cols.cable_index(seg.store.rowids([cid]))
                if not seg.cable_live[idx].all():
                    continue  # superseded already (by this same segment, published before a crash)
                rows, cables, x = self._kills.get(seg.name, ([], [], 0))
                rows += seg.store.rows_of_cable(cid)
                cables += idx.tolist()
                self._kills[seg.name] = (rows, cables, x ^ cable_hash(cid, seg.store.fingerprint(cid) or ""))
        return self._kills

    def _source(self, seg: Segment) -> SegmentSource:
        assert self.prev is not None
        rows, cables = read_dead(self.prev.folder, seg.name)
        k_rows, k_cables, k_xor = self.kills().get(seg.name, ([], [], 0))
        rows = np.union1d(rows, np.array(k_rows, dtype=np.int64))
        cables = np.union1d(cables, np.array(k_cables, dtype=np.int64))
        xor = (int(seg.info.dead_xor, 16) if seg.info.dead_xor else 0) ^ k_xor
        prefix = seg.name + "/"
        files = {r[len(prefix) :]: rec for r, rec in self.prev.manifest.files.items() if r.startswith(prefix)}
        return SegmentSource(with_dead(seg.info, rows, cables, xor), self.base / seg.name, files, rows, cables)

    def publish(self, embedded: int) -> str:
        dead = np.array(self.st.dead_rows(), dtype=np.int64)
        staged = SegmentSource(
            with_dead(segment_info(self.st, embedded), dead, np.zeros(0, dtype=np.int64), 0),
            self.st.seg,
            self.st.records(),
            dead,
            np.zeros(0, dtype=np.int64),
        )
        sources = [self._source(s) for s in self.segments]
        at = max([i for i, s in enumerate(sources) if s.info.name in self.replaced], default=len(sources) - 1) + 1
        sources.insert(at, staged)
        name = publish(self.root, [s for s in sources if s.info.name not in self.replaced], self.meta)
        self.base = self.root / "versions" / name
        return name


def _copy_segment(st: Staging, seg: Segment) -> None:
    """Stage the live cables of one segment with their passages; every vector is reused from the segment."""
    from ...index.lexical import LexicalBuilder

    builder = LexicalBuilder(st.seg / "bm25", st.vocab())
    builder.drop_chunks_from(st.rows)
    pending = _Pending(st.rows)
    for i, (_, meta) in enumerate(seg.store.cable_rows()):
        if not seg.cable_live[i] or st.store.fingerprint(meta.id) is not None:
            continue
        cable = seg.store.cable(meta.id)
        assert cable is not None
        st.store.put_cable(cable)
        rows = [r for r in seg.store.rows_of_cable(meta.id) if seg.live is None or seg.live[r]]
        for i, r in enumerate(rows):
            pending.reuse.append((pending.start + len(pending.rows) + i, seg.name, r))
        passages = seg.store.passages(rows)
        hashes = dict(seg.store.hashes_of_cable(meta.id))
        pending.rows += [(passages[r], hashes[r]) for r in rows]
        if len(pending.rows) >= st.settings.ingest_chunk:
            st.flush(pending, builder)
    st.flush(pending, builder)


def _merge_locked(settings: Settings, embedder_name: str, names: list[str], progress: bool) -> str:
    root = Path(settings.index_dir)
    prev = Index.load(settings, verify=True, expect_embedder=embedder_name)
    chosen = [s for s in prev.segments if s.name in names]
    if any(not s.info.complete for s in chosen):
        raise CablesError("a segment is still being embedded: finish that ingest (run it again) before merging")
    key = "merge-" + hashlib.sha256("\n".join([prev.version, *names]).encode()).hexdigest()[:12]
    st = Staging(root, key, settings, embedder_name)
    try:
        from .staging import Counts

        if not st.lexical_done:
            for seg in chosen:
                _copy_segment(st, seg)
            st.finish_lexical(Counts())
        meta = VersionMeta(embedder_name, prev.manifest.dim, settings, time.time())
        embed_stage(st, None, prev.manifest.dim, prev, progress, lambda _: None)
        finish_dense(st, prev.manifest.dim)
        name = Publisher(root, prev, st, meta, tuple(names)).publish(st.rows)
        st.discard()
        return name
    finally:
        st.close()


def merge_if_needed(settings: Settings, embedder_name: str, embedder: Embedder | None, progress: bool) -> str | None:
    """More than `max_segments` segments: merge all but the largest (the small ones: quick). Caller holds the lock."""
    del embedder  # merging never embeds
    prev = Index.load(settings, verify=False, expect_embedder=embedder_name)
    if len(prev.segments) <= max(settings.max_segments, 1) or not prev.manifest.complete:
        return None
    largest = max(prev.segments, key=lambda s: s.info.passages)
    return _merge_locked(settings, embedder_name, [s.name for s in prev.segments if s is not largest], progress)


def merge(settings: Settings, progress: bool = True) -> str | None:
    """`cables ingest --merge`: every segment into one (IVF rebuilt when large). None when there is one already."""
    root = Path(settings.index_dir)
    with write_lock(root):
        live = current_version(root)
        if live is None:
            raise IndexMissingError(f"no index at {root}: build one with `cables ingest PATH...`")
        embedder_name = Manifest.read(live / "manifest.json").embedder  # merging never embeds: any embedder's index
        prev = Index.load(settings, verify=True, expect_embedder=embedder_name)
        if len(prev.segments) <= 1:
            return None
        return _merge_locked(settings, embedder_name, [s.name for s in prev.segments], progress)
