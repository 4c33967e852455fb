"""Multi-part and list questions: "Which minister recommended the fighter, and on what date did he meet X?" needs a
paragraph for each part, which one search for the whole question often does not rank in the top few. Each part is
searched on its own (with the whole question's names it leaves out, and the whole question's filters), and the
merged list puts each part's best `multi_part_k` hits at its head, round-robin, after the whole question's best hit;
the answerer gives such a question a larger passage budget (Settings.multi_part_passages / _token_budget)."""

from __future__ import annotations

from dataclasses import replace

from ..records import Hit
from ..settings import Settings
from .fusion import Retrieval, Retriever
from .query import Filters, Query, analyze


def is_multi(q: Query) -> bool:
    """A question with two or more parts, or one asking for a list."""
    return len(q.parts) >= 2 or q.asks == "list"


def part_queries(q: Query) -> tuple[str, ...]:
    """Each part as a search text, carrying the whole question's names (and cable IDs) the part does not repeat:
    "what did the court rule" alone does not say about whom."""
    if len(q.parts) < 2:
        return ()
    out = []
    for part in q.parts:
        missing = [n for n in (*q.names, *q.cable_ids) if n.lower() not in part.lower()]
        out.append(" ".join([part, *missing]))
    return tuple(out)


def merge_hits(whole: tuple[Hit, ...], per_part: list[tuple[Hit, ...]], quota: int, k: int) -> tuple[Hit, ...]:
    """The whole question's best hit, then each part's first `quota` hits round-robin, then the whole question's
    other hits; no paragraph twice; at most `k` (ranks renumbered)."""
    order: list[Hit] = list(whole[:1])
    for i in range(quota):
        order += [hits[i] for hits in per_part if i < len(hits)]
    order += list(whole[1:])
    seen: set[str] = set()
    out: list[Hit] = []
    for h in order:
        key = str(h.ref)
        if key in seen:
            continue
        seen.add(key)
        out.append(replace(h, rank=len(out) + 1))
        if len(out) >= k:
            break
    return tuple(out)


def search_parts(
    retriever: Retriever,
    text: str,
    k: int | None = None,
    filters: Filters | None = None,
    infer_filters: bool = True,
) -> Retrieval:
    """`Retriever.search`, and for a multi-part question its parts searched too and merged (see the module's doc).
    The relevance decision, the query analysis and the filters are the whole question's."""
    s: Settings = retriever.settings
    k = k or s.k
    whole = retriever.search(text, k, filters, infer_filters)
    q = analyze(text, retriever.origins, retriever.stations)
    texts = part_queries(q)
    if s.multi_part_k <= 0 or not texts or not whole.hits:
        return whole
    per_part = [retriever.search(t, k, whole.filters, infer_filters=False).hits for t in texts]
    return replace(whole, hits=merge_hits(whole.hits, per_part, s.multi_part_k, k))
