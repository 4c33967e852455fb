"""A segment's metadata as numpy columns, so that filters cost array operations, not Python loops over rows.

Per passage row: the cable it belongs to (an index into the segment's cables, in store rowid order). Per cable: its
rowid, creation time as bytes (prefix comparisons, as `Filters.matches` does on strings), origin and classification
codes into small vocabularies, and its TAGS (one entry per tag: owner cable and tag code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .store import Store

FILES = ("row_cable", "cable_rowid", "cable_created", "cable_origin", "cable_class", "tag_owner", "tag_code")


class FilterLike(Protocol):
    """What a filter asks for (rag.retrieve.query.Filters has these fields)."""

    @property
    def origins(self) -> tuple[str, ...]: ...
    @property
    def date_from(self) -> str: ...
    @property
    def date_to(self) -> str: ...
    @property
    def classifications(self) -> tuple[str, ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def cable_ids(self) -> tuple[str, ...]: ...
    @property
    def references(self) -> tuple[str, ...]: ...
    @property
    def signers(self) -> tuple[str, ...]: ...


def build_columns(store: Store, folder: Path) -> None:
    """Write the columns of a finished segment store (two streaming passes over it)."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, dict[str, int]] = {"origins": {}, "classifications": {}, "tags": {}}
    rowid, created, origin, klass, tag_owner, tag_code = [], [], [], [], [], []
    index: dict[str, int] = {}
    for i, (rid, m) in enumerate(store.cable_rows()):
        index[m.id] = i
        rowid.append(rid)
        created.append(m.created.encode()[:16])
        origin.append(vocab["origins"].setdefault(m.origin, len(vocab["origins"])))
        klass.append(vocab["classifications"].setdefault(m.classification, len(vocab["classifications"])))
        for t in m.tags:
            tag_owner.append(i)
            tag_code.append(vocab["tags"].setdefault(t, len(vocab["tags"])))
    row_cable = np.fromiter((index[c] for c in store.passage_cables()), dtype=np.int32)
    arrays: dict[str, np.ndarray] = {
        "row_cable": row_cable,
        "cable_rowid": np.array(rowid, dtype=np.int64),
        "cable_created": np.array(created, dtype="S16"),
        "cable_origin": np.array(origin, dtype=np.int32),
        "cable_class": np.array(klass, dtype=np.int32),
        "tag_owner": np.array(tag_owner, dtype=np.int32),
        "tag_code": np.array(tag_code, dtype=np.int32),
    }
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", arr)
    (folder / "vocab.json").write_text(json.dumps({k: list(v) for k, v in vocab.items()}))


@dataclass(frozen=True)
class Columns:
    row_cable: np.ndarray
    cable_rowid: np.ndarray
    cable_created: np.ndarray
    cable_origin: np.ndarray
    cable_class: np.ndarray
    tag_owner: np.ndarray
    tag_code: np.ndarray
    origins: tuple[str, ...]
    classifications: tuple[str, ...]
    tags: tuple[str, ...]

    @classmethod
    def load(cls, folder: Path) -> Columns:
        arrays = {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r")) for name in FILES}
        vocab = json.loads((folder / "vocab.json").read_text())
        return cls(**arrays, origins=tuple(vocab["origins"]), classifications=tuple(vocab["classifications"]),
                   tags=tuple(vocab["tags"]))  # fmt: skip

    @property
    def n_cables(self) -> int:
        return len(self.cable_rowid)

    def cable_index(self, rowids: list[int]) -> np.ndarray:
        return np.searchsorted(self.cable_rowid, np.array(rowids, dtype=np.int64))

    def _having(self, rowids: list[int]) -> np.ndarray:
        has = np.zeros(self.n_cables, dtype=bool)
        has[self.cable_index(rowids)] = True
        return has

    def cable_mask(self, f: FilterLike, store: Store) -> np.ndarray:
        """Which cables pass the filter: exactly the semantics of `Filters.matches`, over arrays."""
        ok = np.ones(self.n_cables, dtype=bool)
        if f.cable_ids:
            ok &= self._having(store.rowids(list(f.cable_ids)))
        if f.references:  # from the store's refs table (and its index on the referenced ID)
            ok &= self._having([rowid for rowid, _ in store.cited_by(list(f.references))])
        if f.signers:
            ok &= self._having(store.signed_by(list(f.signers)))
        if f.origins:
            codes = [i for i, o in enumerate(self.origins) if any(w.lower() in o.lower() for w in f.origins)]
            ok &= np.isin(self.cable_origin, codes)
        for bound, keep_if_less in ((f.date_from, False), (f.date_to, True)):
            if bound:
                b = bound.encode()
                prefix = np.asarray(self.cable_created).astype(f"S{len(b)}")
                ok &= (prefix <= b) if keep_if_less else (prefix >= b)
        if f.classifications:
            codes = [
                i for i, c in enumerate(self.classifications) if any(w.upper() in c.upper() for w in f.classifications)
            ]
            ok &= np.isin(self.cable_class, codes)
        if f.tags:
            wanted = {t.upper() for t in f.tags}
            codes = [i for i, t in enumerate(self.tags) if t in wanted]
            has = np.zeros(self.n_cables, dtype=bool)
            has[np.asarray(self.tag_owner)[np.isin(self.tag_code, codes)]] = True
            ok &= has
        return ok

    def row_mask(self, f: FilterLike, store: Store) -> np.ndarray:
        return self.cable_mask(f, store)[np.asarray(self.row_cable)]
