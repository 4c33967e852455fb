"""Second-stage ranking of the fused candidates: cheap, field-aware evidence that a passage answers *this*
question, computed on the few dozen passages fusion ranked highest (well under a millisecond each).

Score = a weighted sum (weights are Settings fields `rerank_*`, fitted by eval/tune_rerank.py on eval/sets/) of:
- fused: the reciprocal-rank-fusion score, relative to the best candidate's;
- bm25: the BM25 score relative to the best candidate's;
- dense: the passage's cosine minus the best cosine (how far it is from the closest passage);
- cover: the IDF-weighted share of the question's words the passage carries;
- near: the same share inside the best window of `rerank_window` words (the words close together, as in an answer);
- kind: the passage carries what the question asks for (a new figure for "how many", a date for "when", a reason
  for "why", new names for "who"/"where"/"list");
- header: the passage is a cable's header (¶0) but the question does not ask for metadata.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..records import Passage
from ..settings import Settings
from ..text.words import names, numbers, tokenize
from .query import Query

_DATE = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+\d{1,2}\b|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec)[a-z]*\b|\b(?:19|20)\d{2}\b",
    re.I,
)
_REASON = re.compile(
    r"\b(?:because|since|due to|reasons?|in order to|so that|as a result|grounds|motivat\w*|stemm\w* from|"
    r"to avoid|to prevent|for fear|out of concern|given that|owing to)\b",
    re.I,
)
_METADATA = frozenset({"header", "signature"})


@dataclass(frozen=True)
class Features:
    """One row per candidate; columns in the order of `NAMES`."""

    matrix: np.ndarray

    NAMES = ("fused", "bm25", "dense", "cover", "near", "kind", "header")


def _weights(s: Settings) -> np.ndarray:
    return np.array(
        [s.rerank_fused, s.rerank_bm25, s.rerank_dense, s.rerank_cover, s.rerank_near, s.rerank_kind, s.rerank_header]
    )


def carries_answer_kind(q: Query, text: str) -> bool:
    """Does the passage hold the kind of thing the question asks for (beyond what the question already says)?"""
    if q.asks == "number":
        return bool(numbers(text) - numbers(q.text))
    if q.asks == "when":
        return any(m.group(0) not in q.text for m in _DATE.finditer(text))
    if q.asks == "why":
        return _REASON.search(text) is not None
    if q.asks in ("who", "where", "list"):
        return len(names(text) - names(q.text)) >= 2
    return False


def _cover(weights: dict[str, float], words: Sequence[str], window: int) -> tuple[float, float]:
    """(share of the question's weight present, best share inside any `window` consecutive words)."""
    total = sum(weights.values())
    if not total:
        return 0.0, 0.0
    present = set(words)
    cover = sum(w for t, w in weights.items() if t in present) / total
    near = 0.0
    for i, t in enumerate(words):
        if t in weights:
            near = max(near, sum(weights[x] for x in set(words[i : i + window]) if x in weights))
    return cover, near / total


class Reranker:
    def __init__(self, idf: Callable[[str], float], settings: Settings) -> None:
        self.idf = idf
        self.settings = settings

    def features(
        self, q: Query, passages: Sequence[Passage], fused: np.ndarray, bm25: np.ndarray, dense: np.ndarray
    ) -> Features:
        """`fused`, `bm25` (non-finite where BM25 found nothing) and `dense` are aligned with `passages`."""
        weights = {t: self.idf(t) for t in dict.fromkeys(tokenize(q.text))}
        bm = np.where(np.isfinite(bm25), bm25, 0.0)
        rows = []
        for p in passages:
            cover, near = _cover(weights, tokenize(p.text), self.settings.rerank_window)
            header = p.num == 0 and q.asks not in _METADATA
            rows.append((cover, near, float(carries_answer_kind(q, p.text)), float(header)))
        extra = np.array(rows, dtype=np.float64).reshape(len(passages), 4)
        base = np.column_stack(
            [
                fused / (fused.max() or 1.0),
                bm / (bm.max() or 1.0),
                dense - (dense.max() if len(dense) else 0.0),
            ]
        )
        return Features(np.hstack([base, extra]))

    def order(
        self, q: Query, passages: Sequence[Passage], fused: np.ndarray, bm25: np.ndarray, dense: np.ndarray
    ) -> list[int]:
        """Positions of `passages`, best first."""
        if not len(passages):
            return []
        scores = self.features(q, passages, fused, bm25, dense).matrix @ _weights(self.settings)
        return [int(i) for i in np.argsort(-scores, kind="stable")]
