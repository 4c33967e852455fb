"""Hybrid retrieval: the index's dense and BM25 top candidates (each searched across all segments) fused by
reciprocal rank, with metadata filters (numpy columns), direct cable lookup, jargon expansion, a per-cable cap, a
score floor, a field-aware re-ranker over the head of the fused list (rag/retrieve/rerank.py) and the relevance
decision (rag/retrieve/relevance.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..backends.embedder import Embedder, embed_query
from ..ids import split_id
from ..index.reader import Index
from ..records import Hit, Passage
from ..settings import Settings
from ..text.jargon import contract_phrases, expand_terms
from ..text.words import tokenize
from .query import Filters, Query, analyze
from .relevance import Floors, decide, probe_floors
from .rerank import Reranker

_NONE = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class Retrieval:
    """What a search found. `query.filters` are the filters read from the question's words (applied, to be shown
    as removable chips), `query.suggested` the origins it only named (not applied), `query.unknown_ids` the cable
    IDs it named that the index does not hold; `filters` is everything that was applied."""

    query: Query
    hits: tuple[Hit, ...]
    top_dense: float  # best dense cosine among allowed rows: how close anything came
    relevant: bool = (
        True  # the retriever's decision: something retrieved is about the question (rag/retrieve/relevance.py)
    )
    relevance: float | None = None  # the statistic behind it (None: not decidable, e.g. too few candidates)
    filters: Filters = field(default_factory=Filters)


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings, mode: str = "hybrid") -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.mode = mode
        self.origins = frozenset(index.origins())
        self.stations = frozenset(p[1] for p in map(split_id, index.cable_meta) if p)
        self.reranker = Reranker(index.lexical.idf, settings)
        self._floors: Floors | None = None

    @property
    def floors(self) -> Floors:
        """What questions about nothing in the index score on it (computed once per index version)."""
        if self._floors is None:
            emb = self.embedder if self.mode != "bm25" else None
            tokens = self._tokens if self.mode != "dense" else None
            self._floors = probe_floors(self.index, emb, tokens, self.settings.relevance_probe_quantile)
        return self._floors

    def search(
        self, text: str, k: int | None = None, filters: Filters | None = None, infer_filters: bool = True
    ) -> Retrieval:
        """`infer_filters=False` ignores filters stated in words (the user removed their chips)."""
        k = k or self.settings.k
        q = analyze(text, self.origins, self.stations)
        known_ids = tuple(c for c in q.cable_ids if c in self.index.cable_meta)
        unknown = tuple(c for c in q.cable_ids if c not in self.index.cable_meta)
        q = replace(q, cable_ids=known_ids, unknown_ids=unknown, filters=q.filters if infer_filters else Filters())
        f = (filters or Filters()).merge(q.filters)
        if known_ids:
            f = Filters(cable_ids=known_ids)  # a question naming a cable is answered from that cable
        allowed = self.index.allowed(f if f else None)
        if f and not any(m is None or m.any() for m in allowed):
            return Retrieval(q, (), 0.0, relevant=False, filters=f)
        s = self.settings
        qv = embed_query(self.embedder, text) if self.mode != "bm25" else None
        d_scores, d_rows = self.index.search_dense(qv, s.fusion_pool, allowed) if qv is not None else _NONE
        b_scores, b_rows = (
            self.index.search_lexical(self._tokens(text), s.fusion_pool, allowed) if self.mode != "dense" else _NONE
        )
        fused: dict[int, float] = {}
        for weight, rows in ((s.dense_weight, d_rows), (s.bm25_weight, b_rows)):
            for rank, r in enumerate(rows.tolist(), 1):
                fused[r] = fused.get(r, 0.0) + weight / (s.rrf_k + rank)
        bm25 = dict(zip(b_rows.tolist(), b_scores.tolist(), strict=True))
        top_dense = float(d_scores[0]) if len(d_scores) else 0.0
        hits = self._collect(fused, qv, bm25, q, k, bool(known_ids))
        top_bm25 = float(b_scores[0]) if len(b_scores) else None
        floors = self.floors if not (known_ids or f) else Floors(None, None)
        decision = decide(top_dense if len(d_scores) else None, top_bm25, floors, bool(known_ids), bool(f))
        return Retrieval(q, tuple(hits), top_dense, decision.relevant, decision.margin, f)

    def _tokens(self, text: str) -> list[str]:
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
        return tokenize(text) + tokenize(" ".join(expand_terms(words, text) + contract_phrases(text)))

    def _order(self, fused: dict[int, float], qv: np.ndarray | None, bm25: dict[int, float], q: Query) -> list[int]:
        """Rows by fused score; in hybrid mode the first `rerank_pool` re-ranked (rag/retrieve/rerank.py)."""
        order = sorted((r for r, v in fused.items() if v > 0), key=lambda r: (-fused[r], r))[
            : self.settings.fusion_pool
        ]
        head = order[: self.settings.rerank_pool]
        if len(head) < 2 or self.mode != "hybrid" or qv is None:
            return order
        ps = self.index.store.passages(head)
        dense = self.index.dense.score(qv, np.array(head, dtype=np.int64))
        dense = np.where(np.isfinite(dense), dense, 0.0)  # rows not embedded yet (lexical-first ingest)
        b = np.array([bm25.get(r, -np.inf) for r in head], dtype=np.float64)
        best = self.reranker.order(q, [ps[r] for r in head], np.array([fused[r] for r in head]), b, dense)
        return [head[i] for i in best] + order[len(head) :]

    def _collect(
        self, fused: dict[int, float], qv: np.ndarray | None, bm25: dict[int, float], q: Query, k: int, named: bool
    ) -> list[Hit]:
        order = self._order(fused, qv, bm25, q)
        forced = self._forced(q) if named else []
        order = [*forced, *order]
        cap = self.settings.per_cable_cap if not named else k
        seen: set[str] = set()
        per_cable: dict[str, int] = {}
        picked: list[int] = []
        passages: dict[int, Passage] = {}
        for start in range(0, len(order), 4 * k):  # fetched a few at a time: most questions need the first batch
            batch = order[start : start + 4 * k]
            passages.update(self.index.store.passages(batch))
            for row in batch:
                p = passages[row]
                key = str(p.ref)
                if key in seen or per_cable.get(p.cable_id, 0) >= cap:
                    continue
                seen.add(key)
                per_cable[p.cable_id] = per_cable.get(p.cable_id, 0) + 1
                picked.append(row)
                if len(picked) >= k:
                    break
            if len(picked) >= k:
                break
        rows = np.array(picked, dtype=np.int64)
        dense = self.index.dense.score(qv, rows) if qv is not None else None
        out: list[Hit] = []
        for i, row in enumerate(picked):
            d = float(dense[i]) if dense is not None and np.isfinite(dense[i]) else None
            score = fused.get(row, 0.0) if row not in forced else 1.0
            out.append(Hit(passages[row], score, d, bm25.get(row), i + 1))
        floor = self.settings.score_floor
        return [h for h in out if h.score >= floor]

    def _forced(self, q: Query) -> list[int]:
        """Rows a question about a named cable must see, in this order: the paragraph it names, the signature,
        the header (a row wanted twice keeps its last place)."""
        rows: list[int] = []
        for cid in q.cable_ids:
            cable_rows = self.index.store.rows_of_cable(cid)
            if not cable_rows:
                continue
            ps = self.index.store.passages(cable_rows)
            if q.paragraph:
                rows += [r for r in cable_rows if ps[r].ref.label == q.paragraph][:1]
            if q.wants_signature:
                last_num = max(p.num for p in ps.values())
                rows += [r for r in cable_rows if ps[r].num == last_num][-1:]
            if q.wants_header:
                rows += [r for r in cable_rows if ps[r].num == 0][:1]
        return list(reversed(dict.fromkeys(reversed(rows))))
