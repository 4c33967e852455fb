"""Is anything retrieved about the question? Decided relative to what unrelated questions score on *this* index,
so the decision holds at any size.

A fixed cosine floor stops working as the index grows: the best of n unrelated passages scores higher the larger n
is (the issue's 0.28 floor). Here the floors are measured on the index itself: the best dense and BM25 scores that
40 everyday questions about nothing in any cable (rag/data/probes.txt: cooking, sport, gadgets...) reach on it.
They rise with the index exactly as an off-topic question's scores do. A question counts as relevant when its best
passage beats the probes by meaning or by words (either); a question naming a cable always does. With a filter,
the question is compared with unfiltered floors, which can only keep it (never rejected there: the answer check
decides). The retriever computes the floors once per index version.

Measured with eval/bench_relevance.py on eval/sets/relevance.jsonl (made by eval/make_relevance_set.py), not on
the dev questions: README, "Relevance".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backends.embedder import Embedder, embed_all
from ..index.reader import Index

PROBES = Path(__file__).resolve().parents[1] / "data" / "probes.txt"


@dataclass(frozen=True)
class Floors:
    dense: float | None  # best dense score of any probe (None: no vectors, or dense search off)
    bm25: float | None  # best BM25 score of any probe (None: BM25 off)


@dataclass(frozen=True)
class Decision:
    relevant: bool
    margin: float | None  # best dense score minus its floor (BM25's when there is no dense floor); None: undecided
    basis: str  # named | filtered | dense | bm25 | dense+bm25 | none


def probes() -> list[str]:
    return [line.strip() for line in PROBES.read_text().splitlines() if line.strip()]


def probe_floors(
    index: Index, embedder: Embedder | None, tokens: Callable[[str], list[str]] | None, quantile: float
) -> Floors:
    qs = probes()
    dense = bm25 = None
    if embedder is not None and index.manifest.embedded:
        vecs = embed_all(embedder, qs, 64)
        tops = [s[0] for s, _ in (index.search_dense(v, 1) for v in vecs) if len(s)]
        dense = float(np.quantile(tops, quantile)) if tops else None
    if tokens is not None:
        tops = [s[0] if len(s) else 0.0 for s, _ in (index.search_lexical(tokens(q), 1) for q in qs)]
        bm25 = float(np.quantile(tops, quantile))
    return Floors(dense, bm25)


def decide(top_dense: float | None, top_bm25: float | None, floors: Floors, named: bool, filtered: bool) -> Decision:
    if named:
        return Decision(True, None, "named")
    if filtered:
        return Decision(True, None, "filtered")
    dense_ok = top_dense is not None and floors.dense is not None and top_dense >= floors.dense
    bm25_ok = top_bm25 is not None and floors.bm25 is not None and top_bm25 >= floors.bm25
    if top_dense is not None and floors.dense is not None:
        margin, basis = top_dense - floors.dense, "dense+bm25" if floors.bm25 is not None else "dense"
    elif floors.bm25 is not None:
        margin, basis = (top_bm25 or 0.0) - floors.bm25, "bm25"
    else:
        return Decision(True, None, "none")
    return Decision(dense_ok or bm25_ok, margin, basis)
