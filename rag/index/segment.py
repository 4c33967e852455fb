"""One segment of a loaded version: its store, metadata columns, BM25 postings and vectors, opened eagerly (file
handles and memory maps stay valid after a newer version's clean-up removes the folder), and which of its rows
and cables newer segments superseded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError
from .columns import Columns, FilterLike
from .dense import DenseSegment
from .lexical import LexicalSegment
from .manifest import SegmentInfo
from .store import Store


def dead_file(version: Path, segment: str) -> Path:
    return version / f"dead-{segment}.npz"


def read_dead(version: Path, segment: str) -> tuple[np.ndarray, np.ndarray]:
    """(superseded local rows, superseded cable indices) of a segment in a version, both sorted."""
    p = dead_file(version, segment)
    if not p.exists():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    with np.load(p) as z:
        return z["rows"].astype(np.int64), z["cables"].astype(np.int64)


def write_dead(version: Path, segment: str, rows: np.ndarray, cables: np.ndarray) -> None:
    with open(dead_file(version, segment), "wb") as f:
        np.savez(f, rows=np.unique(rows).astype(np.int64), cables=np.unique(cables).astype(np.int64))


class Segment:
    def __init__(
        self, version: Path, info: SegmentInfo, offset: int, dim: int, nprobe: int = 0, parallel: bool = True
    ) -> None:
        folder = version / info.name
        self.name = info.name
        self.info = info
        self.offset = offset
        try:
            self.store = Store(folder / "store.sqlite", readonly=True)
            self.cols = Columns.load(folder / "cols")
            self.lex = LexicalSegment(folder / "bm25")
            self.dense = DenseSegment(folder, info.embedded, dim, info.dense_kind, nprobe or info.nprobe, parallel)
        except (OSError, ValueError, RuntimeError) as e:  # a damaged file that passed the cheap check
            raise IndexCorruptError(f"{folder}: cannot open the segment ({e})") from e
        dead_rows, dead_cables = read_dead(version, info.name)
        self.dead_rows = dead_rows
        self.live = None if not len(dead_rows) else np.ones(info.passages, dtype=bool)
        if self.live is not None:
            self.live[dead_rows] = False
        self.cable_live = np.ones(self.cols.n_cables, dtype=bool)
        self.cable_live[dead_cables] = False

    @property
    def n(self) -> int:
        return self.info.passages

    def allowed(self, f: FilterLike | None) -> np.ndarray | None:
        """Rows a search may return: live and passing the filter (None: all of them)."""
        if not f:
            return self.live
        mask = self.cols.row_mask(f, self.store)
        return mask if self.live is None else mask & self.live

    def live_cable_rows(self) -> np.ndarray:
        """Positions (cable indices) of the cables this segment still holds live."""
        return np.flatnonzero(self.cable_live)

    def close(self) -> None:
        self.store.close()
