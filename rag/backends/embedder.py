"""Embedders behind one core method, `embed_batch(texts) -> float32 array, L2-normalised`. Ordering by length
(less padding), batching and progress are built once, here, on top of it (`embed_all`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str  # recorded in the index manifest
    dim: int

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """One batch, as given, to unit-length float32 vectors."""
        ...

    def lengths(self, texts: Sequence[str]) -> list[int]:
        """Sort keys for batching (token or character counts)."""
        ...


def embed_all(
    embedder: Embedder, texts: Sequence[str], batch: int, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Every text, longest first in batches of `batch` (or of the embedder's own `batch_size` when larger: the GPU
    path pipelines within a call), back in input order."""
    batch = max(batch, int(getattr(embedder, "batch_size", 0) or 0))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    lengths = embedder.lengths(texts) if len(texts) > 1 else [0] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: lengths[i], reverse=True)
    for s in range(0, len(order), batch):
        idx = order[s : s + batch]
        out[idx] = embedder.embed_batch([texts[i] for i in idx])
        if progress:
            progress(len(idx))
    return out


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    return embedder.embed_batch([text])[0]
