"""BM25 (bm25s) over the passages: the lexical half of hybrid retrieval, and word rarity (IDF) for the checker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..text.words import tokenize


class Lexical:
    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever
        self._df = np.diff(np.asarray(retriever.scores["indptr"]))
        self._n = int(retriever.scores["num_docs"])

    @classmethod
    def build(cls, texts: list[str]) -> Lexical:
        import bm25s

        r = bm25s.BM25()
        r.index([tokenize(t) or ["\x00empty"] for t in texts], show_progress=False)
        return cls(r)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0))

    def idf(self, token: str) -> float:
        """Inverse document frequency over the passages; unseen words count as the rarest."""
        i = self.retriever.vocab_dict.get(token)
        df = int(self._df[i]) if i is not None and i < len(self._df) else 0
        return float(np.log((self._n + 1) / (df + 0.5)))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        vocab = self.retriever.vocab_dict
        toks = [t for t in query_tokens if t in vocab]
        if not toks:
            return np.zeros(self._n, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(toks), dtype=np.float32)
