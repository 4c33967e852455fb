"""The segments of a loaded version seen as one: passages by global row, cables by ID (the newest segment holding
a cable has its live copy), metadata as a mapping, exact dense scores of given rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, ValuesView
from typing import Any

import numpy as np

from ..records import Cable, CableLink, CableMeta, Passage
from .manifest import Manifest
from .segment import Segment


def _split(rows: Iterable[int], offsets: np.ndarray) -> dict[int, list[int]]:
    """Global rows grouped by segment position."""
    arr = np.fromiter(rows, dtype=np.int64)
    which = np.searchsorted(offsets, arr, side="right") - 1
    out: dict[int, list[int]] = {}
    for w, r in zip(which.tolist(), arr.tolist(), strict=True):
        out.setdefault(w, []).append(r)
    return out


def _live_cables(seg: Segment) -> Iterator[CableMeta]:
    for i, (_, meta) in enumerate(seg.store.cable_rows()):
        if seg.cable_live[i]:
            yield meta


class Stores:
    def __init__(self, segments: list[Segment], offsets: np.ndarray, manifest: Manifest) -> None:
        self.segments = segments
        self.offsets = offsets
        self.manifest = manifest

    def segment_of(self, cable_id: str) -> Segment | None:
        """The newest segment holding the cable: the one with its live copy."""
        for seg in reversed(self.segments):
            if seg.store.fingerprint(cable_id) is not None:
                return seg
        return None

    def fingerprint(self, cable_id: str) -> str | None:
        seg = self.segment_of(cable_id)
        return seg.store.fingerprint(cable_id) if seg else None

    def cable(self, cable_id: str) -> Cable | None:
        seg = self.segment_of(cable_id)
        return seg.store.cable(cable_id) if seg else None

    def cites(self, cable_id: str) -> list[CableLink]:
        """The cables the live copy of `cable_id` references, in REF order, each saying whether it is indexed."""
        seg = self.segment_of(cable_id)
        refs = seg.store.cites(cable_id) if seg else []
        return [CableLink(cid, letter, self.segment_of(cid) is not None) for letter, cid in refs]

    def cited_by(self, cable_id: str) -> list[CableLink]:
        """The indexed cables whose live copy references `cable_id` (a superseded copy's REF line does not count),
        by ID; `letter` is how each letters it."""
        out: dict[str, CableLink] = {}
        for seg in self.segments:
            found = seg.store.cited_by([cable_id])
            if not found:
                continue
            live = seg.cable_live[seg.cols.cable_index([rowid for rowid, _ in found])]
            for (_, cid), ok in zip(found, live.tolist(), strict=True):
                if ok:
                    letter = next((lt for lt, ref in seg.store.cites(cid) if ref == cable_id), "")
                    out[cid] = CableLink(cid, letter)
        return [out[c] for c in sorted(out)]

    def passages(self, rows: Iterable[int]) -> dict[int, Passage]:
        out: dict[int, Passage] = {}
        for w, group in _split(rows, self.offsets).items():
            seg = self.segments[w]
            for local, p in seg.store.passages([r - seg.offset for r in group]).items():
                out[local + seg.offset] = p
        return out

    def rows_of_cable(self, cable_id: str) -> list[int]:
        seg = self.segment_of(cable_id)
        if seg is None:
            return []
        rows = seg.store.rows_of_cable(cable_id)
        return [r + seg.offset for r in rows if seg.live is None or seg.live[r]]

    def passage_rows(self) -> Iterator[tuple[int, Passage, str]]:
        """(global row, passage, hash) of every live passage."""
        for seg in self.segments:
            for row, p, h in seg.store.passage_rows():
                if seg.live is None or seg.live[row]:
                    yield row + seg.offset, p, h

    def cable_ids(self) -> list[str]:
        return sorted(m.id for seg in self.segments for m in _live_cables(seg))

    def cable_meta(self) -> Iterator[CableMeta]:
        for seg in self.segments:
            yield from _live_cables(seg)

    def count_passages(self) -> int:
        return self.manifest.passage_count

    def count_cables(self) -> int:
        return self.manifest.cable_count


class _LiveValues(ValuesView):
    def __iter__(self) -> Iterator[CableMeta]:
        for seg in self._mapping.segments:  # type: ignore[attr-defined]
            yield from _live_cables(seg)


class CableMetaView(Mapping[str, CableMeta]):
    """cable ID -> metadata of its live copy; looked up in the stores, never held in memory whole."""

    def __init__(self, segments: list[Segment], count: int) -> None:
        self.segments = segments
        self.count = count

    def __getitem__(self, cable_id: str) -> CableMeta:
        for seg in reversed(self.segments):
            m = seg.store.cable_meta(cable_id)
            if m is not None:
                return m
        raise KeyError(cable_id)

    def __iter__(self) -> Iterator[str]:
        for m in self.values():
            yield m.id

    def __len__(self) -> int:
        return self.count

    def values(self) -> _LiveValues:
        return _LiveValues(self)


class DenseView:
    """Exact scores of given global rows (NaN where a row has no vector yet), and how much is embedded."""

    def __init__(self, segments: list[Segment], offsets: np.ndarray) -> None:
        self.segments = segments
        self.offsets = offsets

    @property
    def size(self) -> int:
        return sum(s.dense.n for s in self.segments)

    @property
    def kind(self) -> str:
        return "+".join(dict.fromkeys(s.dense.kind for s in self.segments)) or "exact"

    def score(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.full(len(rows), np.nan, dtype=np.float32)
        if not len(rows):
            return out
        which = np.searchsorted(self.offsets, rows, side="right") - 1
        for w in np.unique(which):
            sel = which == w
            seg = self.segments[w]
            out[sel] = seg.dense.score(q, rows[sel] - seg.offset)
        return out

    def vectors(self) -> Any:
        """Every embedded vector in global row order (for tests and benchmarks: this copies)."""
        parts = [np.asarray(c) for s in self.segments for _, c in s.dense.vectors]
        return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
