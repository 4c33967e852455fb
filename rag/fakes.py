"""Test doubles shipped with the library (as pydantic-ai does): a deterministic embedder and a scripted LLM.

Fast and dependency-free; for unit tests and for benchmarks that measure everything but the model (labelled as
such). Never the only proof: the real components are tested too."""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from .backends.llm import Message

_WORDS = re.compile(r"[a-z0-9]{3,}")


class FakeEmbedder:
    """Deterministic bag-of-hashed-words vectors: fast, and texts sharing words get similar vectors."""

    name = "fake-hash-embedder"
    dim = 64

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                h = int(hashlib.md5(w.strip('.,;:"()').encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
        return out


class StandInEmbedder:
    """The fast deterministic stand-in for benchmarks that measure everything but the model (and say so): 384
    dimensions like the real embedder; each lower-cased word hashed with CRC32 to one of 4,096 fixed random
    directions, summed (a sparse product) and normalised, so texts sharing words get similar vectors. Identical in
    every process (no salted hashes)."""

    name = "stand-in-hash-384"
    dim = 384

    def __init__(self, buckets: int = 4096, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.table = (rng.standard_normal((buckets, self.dim)) / np.sqrt(self.dim)).astype(np.float32)
        self.buckets = buckets

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix  # scipy comes with sentence-transformers

        cols: list[int] = []
        ptr = [0]
        for t in texts:
            cols.extend(zlib.crc32(w.encode()) % self.buckets for w in _WORDS.findall(t.lower()))
            ptr.append(len(cols))
        counts = csr_matrix((np.ones(len(cols), dtype=np.float32), cols, ptr), shape=(len(texts), self.buckets))
        out = np.asarray(counts @ self.table, dtype=np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


class FakeLLM:
    """Replays a scripted answer word by word (a string, or a function of the user prompt); records the prompts."""

    name = "fake-llm"

    def __init__(self, reply: str | Callable[[str], str]) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        prompt = messages[-1].content
        self.prompts.append(prompt)
        text = self.reply(prompt) if callable(self.reply) else self.reply
        for w in text.split(" "):
            yield w + " "
