"""FAISS behind one search interface: exact inner product for small corpora, IVF with 8-bit scalar quantisation
for large ones; filtered search through an ID selector. Nothing else searches the vectors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..settings import Settings


class Dense:
    def __init__(self, index: Any, kind: str, nprobe: int, vectors: np.ndarray | None = None) -> None:
        self.index = index
        self.kind = kind
        self.vectors = vectors  # the exact float32 rows (memory-mapped): exact filtered search and hit scores
        if kind != "flat":
            import faiss

            faiss.extract_index_ivf(index).nprobe = nprobe
        self.nprobe = nprobe

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, settings: Settings) -> Dense:
        import faiss

        n, d = vectors.shape
        choice = settings.dense_index
        if choice == "flat" or (choice == "auto" and n <= settings.exact_limit) or n < 1000:
            flat = faiss.IndexFlatIP(d)
            flat.add(vectors)
            return cls(flat, "flat", settings.ivf_nprobe)
        nlist = int(4 * np.sqrt(n))
        index = faiss.index_factory(d, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
        index.train(sample)
        for s in range(0, n, 100_000):
            index.add(vectors[s : s + 100_000])
        return cls(index, f"ivf{nlist}-sq8", settings.ivf_nprobe)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, folder: Path, kind: str, nprobe: int) -> Dense:
        import faiss

        flags = faiss.IO_FLAG_MMAP if kind != "flat" else 0
        vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        return cls(faiss.read_index(str(folder / "dense.faiss"), flags), kind, nprobe, vectors)

    def score(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products of the query with the given rows (a few: the hits, or a filtered subset)."""
        if self.vectors is None or not len(rows):
            return np.zeros(len(rows), dtype=np.float32)
        order = np.argsort(rows)
        out = np.empty(len(rows), dtype=np.float32)
        out[order] = np.asarray(self.vectors[rows[order]]) @ query.astype(np.float32)
        return out

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rows) by inner product, best first; only rows where `allowed` is True when given."""
        import faiss

        q = query.reshape(1, -1).astype(np.float32)
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if allowed is not None and self.kind != "flat" and self.vectors is not None:
            # IVF probes a few lists: a selective filter could leave it with nothing; score the allowed rows exactly
            rows = np.flatnonzero(allowed)
            scores = self.score(query, rows)
            top = np.argsort(-scores, kind="stable")[:k]
            return scores[top], rows[top]
        if allowed is None:
            scores, rows = self.index.search(q, k)
        else:
            bits = np.packbits(allowed.astype(np.uint8), bitorder="little")
            sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))
            params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]  # faiss wraps kwargs
            scores, rows = self.index.search(q, k, params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep]
