"""Scoring against gold, as strictly as a reader would: retrieval (recall@k, full recall, MRR), answers (strict and
lenient credit on the answer with its citation labels removed, whole words only, the gold's figures required) and
citations (recall per support entry, precision per answer)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..ids import ParagraphRef
from ..text.words import NUMBER_WORDS, normalize
from .gold import GoldItem

KS = (1, 3, 5, 10)
LENIENT_SHARE = 0.75  # share of the gold's content words a lenient match needs
_STOP = frozenset(
    "and or of in on to for with by was is he she it the a an at from as that".split()  # noqa: SIM905
)
_LABELS = (
    re.compile(r"\[[^\]]*(?:¶|\bunverified\b)[^\]]*\]", re.I),  # [09X ¶3; 10Y ¶1], [unverified]
    re.compile(r"\(\s*\d{2}[A-Z]{2,30}\d{1,7}[^)]*\)"),  # (09X ¶3)
    re.compile(r"\b\d{2}[A-Z]{2,30}\d{1,7}(?:\s*¶+\s*\d{1,4}[a-z]?(?:\s*[-,]\s*\d{1,4}[a-z]?)*)?"),  # 09X ¶3
    re.compile(r"¶+\s*\d{1,4}[a-z]?(?:\s*[-,]\s*\d{1,4}[a-z]?)*"),  # ¶11, ¶¶3-4
)


@dataclass(frozen=True)
class RetrievalScore:
    recall_at: dict[int, float]
    full_recall_at: dict[int, float]  # every support entry has a paragraph in the top k
    mrr_10: float
    first_rank: int | None

    @property
    def full_recall_10(self) -> float:
        return self.full_recall_at[10]


def score_retrieval(item: GoldItem, ranked: Sequence[ParagraphRef], ks: Sequence[int] = KS) -> RetrievalScore:
    first = next((i + 1 for i, r in enumerate(ranked[:10]) if item.support_index(r) is not None), None)
    recall = {k: float(any(item.support_index(r) is not None for r in ranked[:k])) for k in ks}
    full = {k: float(len({item.support_index(r) for r in ranked[:k]} - {None}) == len(item.support)) for k in (*ks, 10)}
    return RetrievalScore(recall, full, 1.0 / first if first else 0.0, first)


def strip_citations(text: str) -> str:
    """The answer as a reader weighs it: citation labels ("[09X ¶3]", "¶11", "09X ¶3") and "[unverified]" removed,
    so a paragraph number is never taken for a figure of the answer."""
    for pattern in _LABELS:
        text = pattern.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def _canon(text: str) -> list[str]:
    """Normalised words; number words as digits, thousands separators dropped, plural -s folded."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    words = (NUMBER_WORDS.get(w, w) for w in normalize(text).split())
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]


def _figures(words: Sequence[str]) -> set[str]:
    return {w for w in words if any(ch.isdigit() for ch in w)}


@dataclass(frozen=True)
class AnswerMatch:
    strict: bool  # the gold answer (or an alias) whole, or all its content words; and all its figures
    lenient: bool  # at least LENIENT_SHARE of its content words; and all its figures
    token_recall: float  # best share of a candidate's content words present
    figures_ok: bool  # the best candidate's figures all present


def match_answer(response: str, item: GoldItem) -> AnswerMatch:
    """Credit for an answer (citation labels are stripped first); whole-word matching only."""
    if item.answer is None:
        return AnswerMatch(False, False, 0.0, False)
    words = _canon(strip_citations(response))
    padded, present = f" {' '.join(words)} ", set(words)
    best = AnswerMatch(False, False, 0.0, False)
    for cand in (item.answer, *item.aliases):
        cw = _canon(cand)
        if not cw:
            continue
        content = [w for w in cw if w not in _STOP] or cw
        share = sum(w in present for w in content) / len(content)
        figures_ok = _figures(cw) <= present
        whole = f" {' '.join(cw)} " in padded
        m = AnswerMatch(
            figures_ok and (whole or share == 1.0), figures_ok and (whole or share >= LENIENT_SHARE), share, figures_ok
        )
        best = max(best, m, key=lambda x: (x.strict, x.lenient, x.token_recall, x.figures_ok))
    return best


@dataclass(frozen=True)
class CitationScore:
    """One answer's citations against the gold support paragraphs."""

    cited: int  # distinct paragraphs the answer cites
    on_gold: int  # of those, gold support paragraphs
    entries_covered: int  # support entries with at least one of their paragraphs cited
    entries: int  # support entries the answer needs

    @property
    def precision(self) -> float | None:
        return self.on_gold / self.cited if self.cited else None

    @property
    def recall(self) -> float:
        return self.entries_covered / self.entries if self.entries else 0.0


def score_citations(item: GoldItem, cited: Sequence[ParagraphRef]) -> CitationScore:
    distinct = list(dict.fromkeys(cited))
    covered = {item.support_index(r) for r in distinct} - {None}
    on_gold = sum(item.support_index(r) is not None for r in distinct)
    return CitationScore(len(distinct), on_gold, len(covered), len(item.support))
