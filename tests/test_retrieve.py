"""Retrieval on real passages: fusion, filters, direct cable lookup, header/signature, jargon."""

from __future__ import annotations

from rag.retrieve.query import Filters, analyze, find_cable_ids
from rag.text.jargon import contract_phrases, expand_terms


def test_hybrid_finds_gold_paragraphs(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    r = real_pipeline.retriever.search(
        "How many American citizens were to crew the armed counter-piracy ship "
        "that Blackwater planned to operate out of Djibouti?"
    )
    assert "09DJIBOUTI113 ¶1" in [str(h.ref) for h in r.hits[:3]]
    assert r.top_dense > 0.3


def test_fusion_uses_both_rankers(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    hits = real_pipeline.retriever.search("Viktor Bout extradition ruling by the Thai court").hits
    assert any(h.dense is not None for h in hits) and any(h.bm25 is not None for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score) or hits[0].score >= hits[-1].score


def test_per_cable_cap(real_pipeline, real_settings) -> None:  # type: ignore[no-untyped-def]
    hits = real_pipeline.retriever.search("Estonia cyber attacks 2007", k=10).hits
    per: dict[str, int] = {}
    for h in hits:
        per[h.passage.cable_id] = per.get(h.passage.cable_id, 0) + 1
    assert max(per.values()) <= real_settings.per_cable_cap


def test_filters_restrict_results(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    r = real_pipeline.retriever.search("meeting with the president", filters=Filters(origins=("Embassy Oslo",)))
    assert r.hits and all(h.passage.cable_id.startswith("08OSLO") for h in r.hits)
    r = real_pipeline.retriever.search("meeting", filters=Filters(date_from="2009", date_to="2009"))
    assert r.hits and all(h.passage.cable_id.startswith("09") for h in r.hits)
    r = real_pipeline.retriever.search("meeting", filters=Filters(tags=("KNNP",)))
    assert all("KNNP" in real_pipeline.index.cable_meta[h.passage.cable_id].tags for h in r.hits)
    assert real_pipeline.retriever.search("anything", filters=Filters(origins=("Embassy Atlantis",))).hits == ()


def test_filters_in_plain_words() -> None:
    q = analyze("What did Embassy Ankara report in 2009 about Iran?", frozenset({"Embassy Ankara"}))
    assert q.filters.origins == ("Embassy Ankara",) and q.filters.date_from == "2009"
    assert analyze("cables tagged PTER about Yemen").filters.tags == ("PTER",)
    assert not analyze("On what date was Bout arrested in 2008?").filters  # a year in a question is no filter


def test_named_cable_lookup_and_header(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    r = real_pipeline.retriever.search("What classification did cable 05ISTANBUL890 carry?")
    assert str(r.hits[0].ref) == "05ISTANBUL890 ¶0"
    assert all(h.passage.cable_id == "05ISTANBUL890" for h in r.hits)
    r = real_pipeline.retriever.search("Who signed 09HARARE955?")
    last = real_pipeline.index.cable("09HARARE955").paragraphs[-1]
    assert r.hits[0].ref == last.ref and last.text.endswith("RAY")
    r = real_pipeline.retriever.search("what does 09TRIPOLI771 ¶4 say")
    assert str(r.hits[0].ref) == "09TRIPOLI771 ¶4"


def test_cable_id_forms() -> None:
    assert find_cable_ids("see 07 MOSCOW 828 and MOSCOW 828 of 2007 and 09DOHA728") == ["07MOSCOW828", "09DOHA728"]


def test_jargon_both_ways(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    assert "foreign" in expand_terms(["DFM", "GOT"]) and "Turkey" in expand_terms(["GOT"])
    assert "DFM" in contract_phrases("the deputy foreign minister said")
    # plain English finds a paragraph written in shorthand ("GOY", "ROYG", "CT")
    r = real_pipeline.retriever.search("what counterterrorism assistance did the government of Yemen ask for")
    assert any(h.passage.cable_id == "10SANAA221" for h in r.hits[:3])


def test_retrieval_latency_is_reported(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    r = real_pipeline.retriever.search("Hansabank")
    assert r.hits and r.hits[0].rank == 1


def test_relevance_is_decided_against_what_off_topic_questions_score_on_this_index(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    from rag.retrieve.relevance import Floors, decide

    r = real_pipeline.retriever
    floors = r.floors  # measured on this index with the probe questions
    assert floors.dense is not None and 0.1 < floors.dense < 0.9 and floors.bm25 is not None and floors.bm25 > 0
    on = r.search("Blackwater armed counter-piracy ship in Djibouti")
    off = r.search("How long should sourdough bread proof before baking?")
    assert on.relevant and on.relevance is not None and on.relevance > 0
    assert not off.relevant and off.relevance is not None and off.relevance < 0
    assert r.search("What classification did cable 05ISTANBUL890 carry?").relevant  # a named cable always is
    # either kind of evidence keeps a question; a filter never rejects one here (the answer check decides)
    assert decide(0.1, 9.0, Floors(0.5, 5.0), False, False).relevant
    assert decide(0.6, 1.0, Floors(0.5, 5.0), False, False).relevant
    assert not decide(0.4, 1.0, Floors(0.5, 5.0), False, False).relevant
    assert decide(0.0, 0.0, Floors(0.5, 5.0), False, True).relevant
