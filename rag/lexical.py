"""BM25 (bm25s) over the passages: the lexical half of hybrid retrieval."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "was",
        "were",
        "be",
        "been",
        "being",
        "are",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "not",
        "no",
        "do",
        "did",
        "does",
        "done",
        "have",
        "has",
        "had",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "why",
        "how",
        "than",
        "then",
        "there",
        "here",
        "also",
        "into",
        "about",
        "over",
        "after",
        "before",
        "would",
        "could",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "can",
        "said",
        "says",
        "say",
        "told",
        "tell",
        "according",
    ]
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")


def _stem(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def tokenize(text: str) -> list[str]:
    out: list[str] = []
    for m in _WORD.finditer(text):
        w = m.group(0).lower()
        if w.endswith("'s"):
            w = w[:-2]
        parts = w.split("-") if "-" in w else [w]
        if len(parts) > 1:
            parts.append(w.replace("-", ""))
        for p in parts:
            if p and p not in STOP:
                out.append(_stem(p))
    return out


class Lexical:
    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever

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
        if not hasattr(self, "_df"):
            self._df = np.diff(np.asarray(self.retriever.scores["indptr"]))
            self._n = int(self.retriever.scores["num_docs"])
        i = self.retriever.vocab_dict.get(token)
        df = int(self._df[i]) if i is not None and i < len(self._df) else 0
        return float(np.log((self._n + 1) / (df + 0.5)))

    def coverage(self, query: str, text: str) -> float:
        """IDF-weighted share of the query's words that occur in `text`."""
        q = set(tokenize(query))
        if not q:
            return 0.0
        t = set(tokenize(text))
        w = {x: self.idf(x) for x in q}
        total = sum(w.values())
        return sum(v for x, v in w.items() if x in t) / total if total else 0.0

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        vocab = self.retriever.vocab_dict
        toks = [t for t in query_tokens if t in vocab]
        if not toks:
            return np.zeros(int(self.retriever.scores["num_docs"]), dtype=np.float32)
        return np.asarray(self.retriever.get_scores(toks), dtype=np.float32)
