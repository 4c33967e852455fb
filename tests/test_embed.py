"""The GPU embedding path (sentence-transformers, length-sorted device batches, tokenisation in worker threads
ahead of the device) run on the CPU through the same code: same vectors as sentence-transformers' own encode, in
input order. No GPU is needed; on one, the same code runs in fp16 (measured by eval/bench_index.py --gpu)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.backends.embed_torch import SentenceTransformerEmbedder
from rag.backends.embedder import embed_all
from rag.settings import Settings


@pytest.mark.slow
def test_the_gpu_pipeline_gives_sentence_transformers_vectors_on_cpu(cache_dir: str) -> None:
    s = Settings(cache_dir=cache_dir, embed_batch=4, embed_batch_gpu=4, embed_workers=3)
    emb = SentenceTransformerEmbedder(s, device="cpu")
    assert emb.device == "cpu" and not emb.gpu and emb.sub_batch == 4 and emb.batch_size == 32
    texts = [
        f"Cable {i}: " + " ".join(["the ambassador met the minister about sanctions"] * (1 + i % 9)) for i in range(37)
    ]
    texts[5] = "x"  # very short and very long texts in one call: several device batches, several workers
    got = embed_all(emb, texts, 2)
    want = emb.model.encode(texts, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    cos = np.sum(got * want, axis=1)
    assert got.shape == (37, 384) and float(cos.min()) > 0.999  # same vectors, each in its own row
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    one = emb.embed_batch([texts[7]])
    assert float(one[0] @ want[7]) > 0.999
