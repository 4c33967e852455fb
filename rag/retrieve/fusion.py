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
from ..records import CableLink, Hit, Passage
from ..settings import Settings
from ..text.jargon import contract_phrases, expand_terms
from ..text.words import tokenize
from .query import Filters, Query, analyze
from .relevance import Floors, decide, probe_floors
from .rerank import Reranker
from .thread import asks_about_refs, followed, lean_of

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
        named = q.cable_ids
        redirected = self._redirect(q) if self.settings.follow_refs else None
        if redirected is not None:  # "what did REF A say?" about a named cable: read the cable(s) it references
            q, known_ids = redirected, redirected.cable_ids
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
        fused = self._fuse(d_rows, b_rows)
        bm25 = dict(zip(b_rows.tolist(), b_scores.tolist(), strict=True))
        top_dense = float(d_scores[0]) if len(d_scores) else 0.0
        hits = self._collect(fused, qv, bm25, q, k, bool(known_ids))
        if s.follow_refs and hits:
            hits = self._follow(text, qv, hits, q, k) if redirected is None else self._citing(named, hits, k)
        top_bm25 = float(b_scores[0]) if len(b_scores) else None
        decidable = not (known_ids or f) and self.index.manifest.cable_count >= s.relevance_min_cables
        floors = self.floors if decidable else Floors(None, None)
        decision = decide(top_dense if len(d_scores) else None, top_bm25, floors, bool(known_ids), bool(f))
        return Retrieval(q, tuple(hits), top_dense, decision.relevant, decision.margin, f)

    def _redirect(self, q: Query) -> Query | None:
        """A question about a named cable's references, aimed at the referenced cables the index holds (None when
        it is not one, or the index holds none of them: those it lacks are reported as unknown)."""
        if not q.cable_ids or not asks_about_refs(q.text):
            return None
        lean = lean_of(q.text)
        links = [x for cid in q.cable_ids for x in followed(self.index.cites(cid), lean)]
        held = tuple(dict.fromkeys(x.cable_id for x in links if x.indexed))
        if not held:
            missing = tuple(dict.fromkeys(x.cable_id for x in links))
            return replace(q, unknown_ids=tuple(dict.fromkeys(q.unknown_ids + missing))) if missing else None
        return replace(q, cable_ids=held, wants_header=False, paragraph=None)

    def _citing(self, named: tuple[str, ...], hits: list[Hit], k: int) -> list[Hit]:
        """Hits from the referenced cables, with the paragraph of each named cable that leans on them (what the
        citing cable says about its reference) right after the first, marked `via`."""
        held = {h.passage.cable_id for h in hits}
        extra: list[Hit] = []
        for cid in named:
            letters = {x.letter for x in self.index.cites(cid) if x.cable_id in held}
            rows = self.index.store.rows_of_cable(cid)
            ps = self.index.store.passages(rows)
            for r in rows:
                lean = lean_of(ps[r].text) if ps[r].num else None
                if lean and (not lean.letters or letters & set(lean.letters) or letters == {""}):
                    refs = ", ".join(sorted(held))
                    extra.append(Hit(ps[r], hits[0].score, None, None, 0, f"{cid}, citing {refs}"))
                    break
        joined = [hits[0], *extra, *hits[1:]][: max(k, len(extra) + 1)]
        return [replace(h, rank=i) for i, h in enumerate(joined, 1)]

    def _follow(self, text: str, qv: np.ndarray | None, hits: list[Hit], q: Query, k: int) -> list[Hit]:
        """The hits, with the best paragraphs (for the question) of the indexed cables the best hit leans on (or,
        for a question about a named cable, the question itself) and that no hit comes from, put right after it,
        marked `via`."""
        top = hits[0]
        lean = lean_of(top.passage.text) or (lean_of(text) if q.cable_ids else None)
        if lean is None:
            return hits
        have = {h.passage.cable_id for h in hits}  # a referenced cable the search found already needs no help
        links = [x for x in followed(self.index.cites(top.passage.cable_id), lean) if x.indexed]
        links = [x for x in links if x.cable_id not in have]
        if not links:
            return hits
        extra = self._best_of(text, qv, links, top.passage.cable_id)
        joined = [top, *extra, *hits[1:]][: max(k, len(extra) + 1)]
        return [replace(h, rank=i) for i, h in enumerate(joined, 1)]

    def _best_of(self, text: str, qv: np.ndarray | None, links: list[CableLink], source: str) -> list[Hit]:
        """The best paragraphs (never the header) of the linked cables for the question, fused as a search is."""
        s = self.settings
        f = Filters(cable_ids=tuple(x.cable_id for x in links))
        allowed = self.index.allowed(f)
        d_rows = self.index.search_dense(qv, 50, allowed)[1] if qv is not None else _NONE[1]
        b_rows = self.index.search_lexical(self._tokens(text), 50, allowed)[1]
        fused = self._fuse(d_rows, b_rows)
        order = sorted(fused, key=lambda r: (-fused[r], r))
        ps = self.index.store.passages(order)
        letters = {x.cable_id: x.letter for x in links}
        out: list[Hit] = []
        for r in order:
            p = ps[r]
            if p.num == 0 or any(h.ref == p.ref for h in out):
                continue
            via = f"{source} REF {letters[p.cable_id]}".strip() if letters[p.cable_id] else f"{source} REF"
            out.append(Hit(p, fused[r], None, None, 0, via))
            if len(out) >= s.follow_refs_hits:
                break
        return out

    def _fuse(self, d_rows: np.ndarray, b_rows: np.ndarray) -> dict[int, float]:
        """Reciprocal rank fusion of the dense and BM25 rankings."""
        s = self.settings
        fused: dict[int, float] = {}
        for weight, rows in ((s.dense_weight, d_rows), (s.bm25_weight, b_rows)):
            for rank, r in enumerate(rows.tolist(), 1):
                fused[r] = fused.get(r, 0.0) + weight / (s.rrf_k + rank)
        return fused

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
