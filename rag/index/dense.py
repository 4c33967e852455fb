"""Dense search of one segment, behind one interface: exact inner product over the memory-mapped vectors (a BLAS
matrix-vector product and `argpartition`: no copy of the vectors, and it works on a segment still being embedded),
or FAISS IVF with 8-bit scalar quantisation for a large, complete segment, with `nprobe` chosen at build time for a
recall target. Filters reach FAISS as an ID-selector bitmap; a very selective filter is scored exactly instead.

Vectors live in vec/<first row>.npy files, one per ingest chunk, written once (a killed ingest loses at most the
chunk it was embedding)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

EXACT_FILTERED = 20_000  # a filter allowing at most this many rows of an IVF segment is scored exactly


def write_chunk(folder: Path, start: int, vectors: np.ndarray) -> Path:
    """vec/<start>.npy, durable and complete or absent (written aside, fsynced, renamed)."""
    vec = folder / "vec"
    vec.mkdir(parents=True, exist_ok=True)
    tmp = vec / f".{start:012d}.npy"
    with open(tmp, "wb") as f:
        np.save(f, np.ascontiguousarray(vectors, dtype=np.float32))
        f.flush()
        os.fsync(f.fileno())
    final = vec / f"{start:012d}.npy"
    os.replace(tmp, final)
    return final


def chunk_files(folder: Path) -> list[tuple[int, Path]]:
    vec = folder / "vec"
    return sorted((int(p.stem), p) for p in vec.glob("[0-9]*.npy")) if vec.is_dir() else []


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest finite scores, best first, ties in position order (a partition, then a sort of
    the candidates: deterministic, so a merged index ranks exactly as its segments did)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):
        kth = -np.partition(-scores, k - 1)[k - 1]
        cand = np.flatnonzero(scores >= kth)
    else:
        cand = np.arange(len(scores))
    cand = cand[np.isfinite(scores[cand])]
    return cand[np.lexsort((cand, -scores[cand]))][:k].astype(np.int64)


class Vectors:
    """The first `n` rows of a segment's vectors, chunk by chunk, memory-mapped."""

    def __init__(self, folder: Path, n: int, dim: int) -> None:
        self.dim = dim
        self.starts: list[int] = []
        self.chunks: list[np.ndarray] = []
        self.paths: list[Path] = []
        for start, path in chunk_files(folder):
            if start >= n:
                break
            arr = np.asarray(np.load(path, mmap_mode="r"))  # a plain view: BLAS on np.memmap is several times slower
            self.starts.append(start)
            self.chunks.append(arr[: n - start])
            self.paths.append(path)
        self.n = sum(len(c) for c in self.chunks)

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        return iter(zip(self.starts, self.chunks, strict=True))

    def read(self) -> Iterator[tuple[int, np.ndarray]]:
        """Chunk by chunk, each read into memory and released after use: a full pass (building an IVF index,
        exact neighbours) keeps one chunk resident, where the memory maps would end up holding every page."""
        for start, c, path in zip(self.starts, self.chunks, self.paths, strict=True):
            yield start, np.load(path)[: len(c)]

    def scores(self, q: np.ndarray) -> np.ndarray:
        out = np.empty(self.n, dtype=np.float32)
        for start, c in self:
            out[start : start + len(c)] = c @ q
        return out

    def gather(self, rows: np.ndarray) -> np.ndarray:
        """Rows (ascending) to a (len, dim) array."""
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        which = np.searchsorted(np.array(self.starts), rows, side="right") - 1
        for ci in np.unique(which):
            sel = which == ci
            out[sel] = self.chunks[ci][rows[sel] - self.starts[ci]]
        return out


def nlist_for(n: int) -> int:
    return int(min(65536, max(16, round(math.sqrt(n)))))


def build_ivf(vectors: Vectors, seed: int = 0) -> Any:
    """IVF<sqrt n>,SQ8 trained on a sample (50 rows per list), vectors added chunk by chunk."""
    import faiss

    nlist = nlist_for(vectors.n)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(vectors.n, size=min(vectors.n, nlist * 50), replace=False))
    index = faiss.index_factory(vectors.dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    index.train(vectors.gather(sample))
    for _, c in vectors.read():
        index.add(c)
    return index


def exact_neighbours(vectors: Vectors, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k rows for each query (chunked: memory bounded by one chunk's scores)."""
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_r = np.zeros((len(queries), 0), dtype=np.int64)
    for start, c in vectors.read():
        s = queries @ c.T
        kk = min(k, s.shape[1])
        part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        best_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], axis=1)
        best_r = np.concatenate([best_r, part + start], axis=1)
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s, best_r = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_r, keep, 1)
    return best_r


def calibrate_nprobe(index: Any, vectors: Vectors, target: float, queries: int = 200) -> tuple[int, float]:
    """The smallest nprobe (powers of two) whose recall@10 against exact search reaches `target`, measured with
    sampled passage vectors as queries (each query's own row left out). Returns (nprobe, recall)."""
    import faiss

    rng = np.random.default_rng(1)
    rows = np.sort(rng.choice(vectors.n, size=min(queries, vectors.n), replace=False))
    q = vectors.gather(rows)
    truth = exact_neighbours(vectors, q, 11)
    ivf = faiss.extract_index_ivf(index)
    nprobe, recall = 1, 0.0
    while True:
        ivf.nprobe = nprobe
        _, found = index.search(q, 11)
        hits = 0
        for i, r in enumerate(rows):
            want = [x for x in truth[i] if x != r][:10]
            got = {x for x in found[i] if x != r}
            hits += len(got.intersection(want))
        recall = hits / (10 * len(rows))
        if recall >= target or nprobe >= ivf.nlist:
            return nprobe, recall
        nprobe = min(ivf.nlist, nprobe * 2)


class DenseSegment:
    def __init__(self, folder: Path, embedded: int, dim: int, kind: str, nprobe: int, parallel: bool = True) -> None:
        import faiss

        self.vectors = Vectors(folder, embedded, dim)
        self.kind = kind
        self.ivf = faiss.read_index(str(folder / "dense.faiss"), faiss.IO_FLAG_MMAP) if kind.startswith("ivf") else None
        if self.ivf is not None and parallel:  # one query's probed lists scanned by every core, not one
            faiss.extract_index_ivf(self.ivf).parallel_mode = 1
        self.nprobe = nprobe

    @property
    def n(self) -> int:
        return self.vectors.n

    def search(self, q: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, local rows) by inner product, best first, among rows where `allowed` is True."""
        q = np.ascontiguousarray(q, dtype=np.float32)
        mask = allowed[: self.n] if allowed is not None else None
        if self.ivf is None or (mask is not None and np.count_nonzero(mask) <= EXACT_FILTERED):
            if mask is not None and np.count_nonzero(mask) <= EXACT_FILTERED:
                rows = np.flatnonzero(mask)
                s = self.vectors.gather(rows) @ q
                top = top_k(s, k)
                return s[top], rows[top]
            s = self.vectors.scores(q)
            if mask is not None:
                s[~mask] = -np.inf
            top = top_k(s, k)
            return s[top], top.astype(np.int64)
        return self._ivf_search(q, k, mask)

    def _ivf_search(self, q: np.ndarray, k: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        assert self.ivf is not None
        params = faiss.SearchParametersIVF()
        nprobe = self.nprobe
        bits = None
        if mask is not None:
            share = np.count_nonzero(mask) / max(len(mask), 1)
            nprobe = int(min(faiss.extract_index_ivf(self.ivf).nlist, math.ceil(nprobe / max(share, 1e-9))))
            bits = np.packbits(mask.astype(np.uint8), bitorder="little")
            params.sel = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
        params.nprobe = nprobe
        scores, rows = self.ivf.search(q.reshape(1, -1), min(k, self.n), params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep].astype(np.int64)

    def score(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact inner products with the given local rows; NaN for rows not embedded yet."""
        out = np.full(len(rows), np.nan, dtype=np.float32)
        have = rows < self.n
        if have.any():
            order = np.argsort(rows[have])
            idx = np.flatnonzero(have)[order]
            out[idx] = self.vectors.gather(rows[have][order]) @ q.astype(np.float32)
        return out
