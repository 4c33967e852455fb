"""Hybrid retrieval: dense (FAISS) and BM25 fused by reciprocal rank, with metadata filters, direct cable
lookup, jargon expansion, a per-cable cap and a score floor."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .embed import Embedder
from .index import Index
from .jargon import contract_phrases, expand_terms
from .lexical import tokenize
from .query import Filters, Query, analyze
from .records import Hit
from .settings import Settings

RRF_K = 20
POOL = 200


@dataclass(frozen=True)
class Retrieval:
    query: Query
    hits: tuple[Hit, ...]
    top_dense: float  # best dense cosine among allowed rows: how close anything came


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings, mode: str = "hybrid") -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.mode = mode
        self.origins = frozenset(o for _, o, _, _ in index.cable_meta.values() if o)

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        if not filters:
            return None
        ok = {cid for cid, (cr, org, cl, tg) in self.index.cable_meta.items() if filters.matches(cid, cr, org, cl, tg)}
        return np.fromiter((c in ok for c in self.index.row_cable), dtype=bool, count=len(self.index.row_cable))

    def search(self, text: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        k = k or self.settings.k
        q = analyze(text, self.origins)
        known_ids = tuple(c for c in q.cable_ids if c in self.index.cable_meta)
        f = (filters or Filters()).merge(q.filters)
        if known_ids:
            f = Filters(cable_ids=known_ids)  # a question naming a cable is answered from that cable
        allowed = self._allowed(f)
        if allowed is not None and not allowed.any():
            return Retrieval(q, (), 0.0)
        n = len(self.index.row_cable)
        dense_scores = self._dense(text, allowed, n) if self.mode != "bm25" else None
        bm25_scores = self._bm25(text, allowed) if self.mode != "dense" else None
        fused = np.zeros(n, dtype=np.float64)
        for scores, weight in ((dense_scores, self.settings.dense_weight), (bm25_scores, 1.0)):
            if scores is None:
                continue
            order = np.argsort(-scores, kind="stable")[:POOL]
            order = order[scores[order] > -np.inf]
            fused[order] += weight / (RRF_K + np.arange(1, len(order) + 1))
        if allowed is not None:
            fused[~allowed] = 0.0
        top_dense = (
            float(np.max(dense_scores[np.isfinite(dense_scores)]))
            if dense_scores is not None and np.isfinite(dense_scores).any()
            else 0.0
        )
        hits = self._collect(fused, dense_scores, bm25_scores, q, k, bool(known_ids))
        return Retrieval(q, tuple(hits), top_dense)

    def _dense(self, text: str, allowed: np.ndarray | None, n: int) -> np.ndarray:
        qv = self.embedder.embed([text])[0]
        scores = np.full(n, -np.inf, dtype=np.float32)
        if allowed is not None or self.index.dense.kind == "flat":
            rows = np.flatnonzero(allowed) if allowed is not None else np.arange(n)
            scores[rows] = np.asarray(self.index.vectors[rows]) @ qv
        else:
            s, r = self.index.dense.search(qv, POOL)
            scores[r] = s
        return scores

    def _bm25(self, text: str, allowed: np.ndarray | None) -> np.ndarray:
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
        toks = tokenize(text) + tokenize(" ".join(expand_terms(words) + contract_phrases(text)))
        s = self.index.lexical.scores(toks).astype(np.float32)
        s[s <= 0] = -np.inf
        if allowed is not None:
            s[~allowed] = -np.inf
        return s

    def _collect(
        self, fused: np.ndarray, dense: np.ndarray | None, bm25: np.ndarray | None, q: Query, k: int, named: bool
    ) -> list[Hit]:
        order = [int(r) for r in np.argsort(-fused, kind="stable") if fused[r] > 0][:POOL]
        passages = self.index.store.passages(order)
        cap = self.settings.per_cable_cap if not named else k
        seen: set[str] = set()
        per_cable: dict[str, int] = {}
        out: list[Hit] = []
        forced = self._forced(q) if named else []
        for pid_row in forced:
            order.insert(0, pid_row)
            passages.update(self.index.store.passages([pid_row]))
        for row in order:
            p = passages[row]
            if p.pid in seen:
                continue
            if per_cable.get(p.cable_id, 0) >= cap:
                continue
            seen.add(p.pid)
            per_cable[p.cable_id] = per_cable.get(p.cable_id, 0) + 1
            d = float(dense[row]) if dense is not None and np.isfinite(dense[row]) else None
            b = float(bm25[row]) if bm25 is not None and np.isfinite(bm25[row]) else None
            out.append(Hit(p, float(fused[row]) if row not in forced else 1.0, d, b, len(out) + 1))
            if len(out) >= k:
                break
        floor = self.settings.score_floor
        return [h for h in out if h.score >= floor]

    def _forced(self, q: Query) -> list[int]:
        """Rows a question about a named cable must see: the paragraph it names, the header, the signature."""
        rows: list[int] = []
        for cid in q.cable_ids:
            cable_rows = self.index.store.rows_of_cable(cid)
            if not cable_rows:
                continue
            ps = self.index.store.passages(cable_rows)
            if q.paragraph:
                rows += [r for r in cable_rows if ps[r].pid == f"{cid} ¶{q.paragraph}"][:1]
            if q.wants_signature:
                last_num = max(p.num for p in ps.values())
                rows += [r for r in cable_rows if ps[r].num == last_num][-1:]
            if q.wants_header:
                rows += [r for r in cable_rows if ps[r].num == 0][:1]
        return list(dict.fromkeys(reversed(rows)))
