"""FAISS: exact inner product for small corpora, IVF with 8-bit scalar quantisation for large ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .settings import Settings

EXACT_LIMIT = 200_000


class Dense:
    def __init__(self, index: Any, kind: str) -> None:
        self.index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, settings: Settings) -> Dense:
        import faiss

        n, d = vectors.shape
        choice = settings.dense_index
        if choice == "flat" or (choice == "auto" and n <= EXACT_LIMIT) or n < 1000:
            flat = faiss.IndexFlatIP(d)
            flat.add(vectors)
            return cls(flat, "flat")
        nlist = int(4 * np.sqrt(n))
        index = faiss.index_factory(d, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
        index.train(sample)
        for s in range(0, n, 100_000):
            index.add(vectors[s : s + 100_000])
        faiss.extract_index_ivf(index).nprobe = 32
        return cls(index, f"ivf{nlist}-sq8")

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str) -> Dense:
        import faiss

        flags = faiss.IO_FLAG_MMAP if kind != "flat" else 0
        index = faiss.read_index(str(path), flags)
        if kind != "flat":
            faiss.extract_index_ivf(index).nprobe = 32
        return cls(index, kind)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, rows = self.index.search(query.reshape(1, -1).astype(np.float32), k)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep]
