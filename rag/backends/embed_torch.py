"""sentence-transformers on torch: a CUDA GPU in fp16, or the CPU, through the same code.

The GPU path: texts sorted by length and cut into large device batches (`embed_batch_gpu`), tokenised ahead in
parallel worker threads (one tokenizer copy each: the Rust tokenizer releases the GIL, and a shared one refuses
concurrent calls) while the device runs the batch before, inputs copied from pinned memory without blocking. One
thread tokenising was 83% of the time on an H100 (2,615 passages/s); the device alone does ~14k/s.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..errors import ModelError
from ..settings import Settings
from .guard import check_allowed
from .weights import resolve_embedder


class SentenceTransformerEmbedder:
    def __init__(self, settings: Settings, device: str | None = None) -> None:
        self.name, self.path = resolve_embedder(settings.embedder)
        check_allowed(f"the embedder {self.name}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelError("embedding needs `sentence-transformers` and `torch`") from e
        want = device or settings.embed_device
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if want == "auto" else want
        if self.device == "cpu" and settings.n_threads:
            torch.set_num_threads(settings.n_threads)
        try:
            self.model: Any = SentenceTransformer(str(self.path), device=self.device)
        except Exception as e:  # noqa: BLE001 - any loader failure becomes one readable error
            raise ModelError(f"could not load embedder from {self.path}: {e}") from e
        self.gpu = self.device.startswith("cuda")
        if self.gpu:
            self.model.half()
        self.model.eval()
        self.dim = int(self.model.get_embedding_dimension() or 0)
        self.max_len = int(self.model.max_seq_length or 256)
        self.sub_batch = settings.embed_batch_gpu if self.gpu else settings.embed_batch
        self.batch_size = self.sub_batch * 8  # embed_all hands over this many at once: the pipeline's depth
        self.workers = settings.embed_workers or min(8, os.cpu_count() or 1)
        self._local = threading.local()

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def _tokenize(self, texts: list[str]) -> dict[str, Any]:
        tok = getattr(self._local, "tok", None)
        if tok is None:
            tok = self._local.tok = copy.deepcopy(self.model.tokenizer)
        feats = tok(texts, padding=True, truncation=True, max_length=self.max_len, return_tensors="pt")
        return {k: v.pin_memory() for k, v in feats.items()} if self.gpu else dict(feats)

    def _forward(self, feats: dict[str, Any]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            on_device = {k: v.to(self.device, non_blocking=True) for k, v in feats.items()}
            out = self.model(on_device)["sentence_embedding"]
            out = torch.nn.functional.normalize(out.float(), dim=1)
            return out.cpu().numpy().astype(np.float32)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Longest first in device batches; batch i+1.. tokenised by the workers while batch i runs."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        groups = [order[s : s + self.sub_batch] for s in range(0, len(order), self.sub_batch)]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(groups) <= 1:
            for idx in groups:
                out[idx] = self._forward(self._tokenize([texts[i] for i in idx]))
            return out
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(self._tokenize, [texts[i] for i in idx]) for idx in groups]
            for idx, fut in zip(groups, futures, strict=True):
                out[idx] = self._forward(fut.result())
        return out
