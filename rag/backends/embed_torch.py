"""sentence-transformers on torch: CPU, or CUDA in fp16 with larger batches when a GPU is present."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ModelError
from ..settings import Settings
from .guard import check_allowed
from .weights import resolve_embedder


class SentenceTransformerEmbedder:
    def __init__(self, settings: Settings) -> None:
        self.name, self.path = resolve_embedder(settings.embedder)
        check_allowed(f"the embedder {self.name}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelError("embedding needs `sentence-transformers` and `torch`") from e
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cpu" and settings.n_threads:
            torch.set_num_threads(settings.n_threads)
        try:
            self.model: Any = SentenceTransformer(str(self.path), device=self.device)
        except Exception as e:  # noqa: BLE001 - any loader failure becomes one readable error
            raise ModelError(f"could not load embedder from {self.path}: {e}") from e
        if self.device == "cuda":
            self.model.half()
        self.dim = int(self.model.get_embedding_dimension() or 0)

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self.model.encode(
            list(texts),
            batch_size=len(texts),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)
