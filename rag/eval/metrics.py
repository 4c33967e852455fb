"""Scoring against gold: retrieval (recall@k, full recall, MRR) and answers (containment, token F1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..ids import ParagraphRef
from ..text.words import NUMBER_WORDS, normalize
from .gold import GoldItem


@dataclass(frozen=True)
class RetrievalScore:
    recall_at: dict[int, float]
    full_recall_10: float
    mrr_10: float
    first_rank: int | None


def score_retrieval(item: GoldItem, ranked: Sequence[ParagraphRef], ks: Sequence[int] = (1, 5, 10)) -> RetrievalScore:
    first = next((i + 1 for i, r in enumerate(ranked[:10]) if item.support_index(r) is not None), None)
    recall = {k: float(any(item.support_index(r) is not None for r in ranked[:k])) for k in ks}
    covered = {item.support_index(r) for r in ranked[:10]} - {None}
    full = float(len(covered) == len(item.support))
    return RetrievalScore(recall, full, 1.0 / first if first else 0.0, first)


def _canon_numbers(text: str) -> str:
    """Number words as digits and plural -s dropped, so "35-minute" matches "35 minutes"."""
    words = (NUMBER_WORDS.get(w, w) for w in normalize(text).split())
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def contains_answer(response: str, item: GoldItem) -> bool:
    """Normalised gold answer (or an alias) contained in the response; long answers by key-token coverage."""
    if item.answer is None:
        return False
    resp = _canon_numbers(response)
    for cand in (item.answer, *item.aliases):
        c = _canon_numbers(cand)
        if c and c in resp:
            return True
    return token_recall(response, item) >= 0.75


def token_recall(response: str, item: GoldItem) -> float:
    """Share of the answer's content tokens found in the response (best over answer and aliases)."""
    if item.answer is None:
        return 0.0
    resp = set(_canon_numbers(response).split())
    best = 0.0
    stop = {"and", "or", "of", "in", "on", "to", "for", "with", "by", "was", "is", "he", "she", "it"}
    for cand in (item.answer, *item.aliases):
        toks = [t for t in _canon_numbers(cand).split() if t not in stop]
        if toks:
            best = max(best, sum(t in resp for t in toks) / len(toks))
    return best


@dataclass(frozen=True)
class CitationScore:
    """Citations of one answer against the gold support paragraphs."""

    cited: int  # citations the answer carries
    on_gold: int  # of those, citations of a gold support paragraph
    any_gold: bool  # at least one gold paragraph cited


def score_citations(item: GoldItem, cited: Sequence[ParagraphRef]) -> CitationScore:
    on_gold = sum(item.support_index(r) is not None for r in cited)
    return CitationScore(len(cited), on_gold, on_gold > 0)
