"""Hybrid retrieval: dense (the index's FAISS search) and BM25 fused by reciprocal rank, with metadata filters,
direct cable lookup, jargon expansion, a per-cable cap and a score floor."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..backends.embedder import Embedder, embed_query
from ..ids import split_id
from ..index.reader import Index
from ..records import Hit
from ..settings import Settings
from ..text.jargon import contract_phrases, expand_terms
from ..text.words import tokenize
from .query import Filters, Query, analyze
from .rerank import Reranker


@dataclass(frozen=True)
class Retrieval:
    """What a search found. `query.filters` are the filters read from the question's words (applied, to be shown
    as removable chips), `query.suggested` the origins it only named (not applied), `query.unknown_ids` the cable
    IDs it named that the index does not hold; `filters` is everything that was applied."""

    query: Query
    hits: tuple[Hit, ...]
    top_dense: float  # best dense cosine among allowed rows: how close anything came
    filters: Filters = field(default_factory=Filters)


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings, mode: str = "hybrid") -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.mode = mode
        self.origins = frozenset(m.origin for m in index.cable_meta.values() if m.origin)
        self.stations = frozenset(p[1] for p in map(split_id, index.cable_meta) if p)
        self.reranker = Reranker(index.lexical.idf, settings)

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        if not filters:
            return None
        ok = {cid for cid, m in self.index.cable_meta.items() if filters.matches(m)}
        return np.fromiter((c in ok for c in self.index.row_cable), dtype=bool, count=len(self.index.row_cable))

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
        allowed = self._allowed(f)
        if allowed is not None and not allowed.any():
            return Retrieval(q, (), 0.0, f)
        n = len(self.index.row_cable)
        qv = embed_query(self.embedder, text) if self.mode != "bm25" else None
        dense = self._dense(qv, allowed) if qv is not None else None
        bm25_scores = self._bm25(text, allowed) if self.mode != "dense" else None
        fused = np.zeros(n, dtype=np.float64)
        s = self.settings
        if dense is not None:
            _, rows = dense
            fused[rows] += s.dense_weight / (s.rrf_k + np.arange(1, len(rows) + 1))
        if bm25_scores is not None:
            order = np.argsort(-bm25_scores, kind="stable")[: s.fusion_pool]
            order = order[bm25_scores[order] > -np.inf]
            fused[order] += s.bm25_weight / (s.rrf_k + np.arange(1, len(order) + 1))
        if allowed is not None:
            fused[~allowed] = 0.0
        top_dense = float(dense[0][0]) if dense is not None and len(dense[0]) else 0.0
        ranked = self._order(fused, qv, bm25_scores, q)
        hits = self._collect(ranked, fused, qv, bm25_scores, q, k, bool(known_ids))
        return Retrieval(q, tuple(hits), top_dense, f)

    def _dense(self, qv: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        return self.index.dense.search(qv, self.settings.fusion_pool, allowed)

    def _bm25(self, text: str, allowed: np.ndarray | None) -> np.ndarray:
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
        toks = tokenize(text) + tokenize(" ".join(expand_terms(words, text) + contract_phrases(text)))
        s = self.index.lexical.scores(toks).astype(np.float32)
        s[s <= 0] = -np.inf
        if allowed is not None:
            s[~allowed] = -np.inf
        return s

    def _order(self, fused: np.ndarray, qv: np.ndarray | None, bm25: np.ndarray | None, q: Query) -> list[int]:
        """Rows by fused score; in hybrid mode the first `rerank_pool` re-ranked (rag/retrieve/rerank.py)."""
        order = [int(r) for r in np.argsort(-fused, kind="stable") if fused[r] > 0][: self.settings.fusion_pool]
        head = order[: self.settings.rerank_pool]
        if len(head) < 2 or self.mode != "hybrid" or qv is None or bm25 is None:
            return order
        ps = self.index.store.passages(head)
        dense = self.index.dense.score(qv, np.array(head, dtype=np.int64))
        best = self.reranker.order(q, [ps[r] for r in head], fused[head], bm25[head], dense)
        return [head[i] for i in best] + order[len(head) :]

    def _collect(
        self,
        order: list[int],
        fused: np.ndarray,
        qv: np.ndarray | None,
        bm25: np.ndarray | None,
        q: Query,
        k: int,
        named: bool,
    ) -> list[Hit]:
        forced = self._forced(q) if named else []
        order = [*forced, *order]
        passages = self.index.store.passages(order)
        cap = self.settings.per_cable_cap if not named else k
        seen: set[str] = set()
        per_cable: dict[str, int] = {}
        picked: list[int] = []
        for row in order:
            p = passages[row]
            key = str(p.ref)
            if key in seen or per_cable.get(p.cable_id, 0) >= cap:
                continue
            seen.add(key)
            per_cable[p.cable_id] = per_cable.get(p.cable_id, 0) + 1
            picked.append(row)
            if len(picked) >= k:
                break
        rows = np.array(picked, dtype=np.int64)
        dense = self.index.dense.score(qv, rows) if qv is not None else None
        out: list[Hit] = []
        for i, row in enumerate(picked):
            b = float(bm25[row]) if bm25 is not None and np.isfinite(bm25[row]) else None
            d = float(dense[i]) if dense is not None else None
            out.append(Hit(passages[row], float(fused[row]) if row not in forced else 1.0, d, b, i + 1))
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
