"""Is anything retrieved about the question? A decision relative to the question's own score distribution, so it
holds at any index size.

An absolute cosine floor stops working as the index grows: the best of n unrelated passages scores higher the larger
n is. But the top scores of unrelated passages behave like the top order statistics of a sample, whose *spacings* do
not grow with n (for exponential-type tails they are scale x Exp(1) / i, whatever n). So the statistic is how far the
best score stands out of the question's own tail, in units of that tail's spread:

    (s_1 - s_ref) / (s_ref - s_tail)       (ranks `relevance_ref_rank` and `relevance_tail_rank`)

Dense scores when most passages are embedded; BM25 scores otherwise (a lexical-only index, early in a long ingest).
Thresholds were set on eval/sets/relevance.jsonl (how it was made: eval/make_relevance_set.py), not on the dev set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..settings import Settings


@dataclass(frozen=True)
class Decision:
    relevant: bool
    statistic: float | None  # None: not decidable (too few candidates): left to the answer check
    basis: str  # named | dense | bm25


def outlier(scores: np.ndarray, ref_rank: int, tail_rank: int) -> float | None:
    """(s_1 - s_ref) / (s_ref - s_tail) over scores sorted best first; None with fewer than `tail_rank` scores."""
    if len(scores) < tail_rank or ref_rank < 2:
        return None
    s1, sr, st = float(scores[0]), float(scores[ref_rank - 1]), float(scores[tail_rank - 1])
    return (s1 - sr) / max(sr - st, 1e-6)


def decide(dense: np.ndarray, bm25: np.ndarray, s: Settings, named: bool, dense_share: float) -> Decision:
    if named:
        return Decision(True, None, "named")
    if dense_share >= 0.5 and len(dense):
        stat = outlier(dense, s.relevance_ref_rank, s.relevance_tail_rank)
        return Decision(stat is None or stat >= s.relevance_min_dense, stat, "dense")
    stat = outlier(bm25, s.relevance_ref_rank, s.relevance_tail_rank)
    return Decision(stat is None or stat >= s.relevance_min_bm25, stat, "bm25")
