"""Retrieval on real passages: fusion, re-ranking, filters (applied only when stated), direct cable lookup,
header/signature, jargon; question analysis as units."""

from __future__ import annotations

import re

import numpy as np

from rag.ids import ParagraphRef
from rag.records import Passage
from rag.retrieve.query import Filters, analyze, find_cable_ids
from rag.retrieve.rerank import Reranker, carries_answer_kind
from rag.settings import Settings
from rag.text.jargon import contract_phrases, expand_terms


def test_hybrid_finds_gold_paragraphs(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    r = real_pipeline.retriever.search(
        "How many American citizens were to crew the armed counter-piracy ship "
        "that Blackwater planned to operate out of Djibouti?"
    )
    assert "09DJIBOUTI113 ¶1" in [str(h.ref) for h in r.hits[:3]]
    assert r.top_dense > 0.3


FUSION_QUESTIONS = (
    "Viktor Bout extradition ruling by the Thai court",
    "How long did the Yemeni president's meeting with the counterterrorism coordinator last?",
    "Which airline took the Russian businessman from Hamburg to London?",
    "Why did Libyan staff prefer the New Jersey residence for the UN visit?",
    "Who was made secretary general of the Shah's new party?",
)


def test_fusion_uses_both_rankers(real_pipeline, real_index, real_embedder, real_settings) -> None:  # type: ignore[no-untyped-def]
    """Dropping either ranker from the fusion changes what is retrieved: both carry weight."""
    from rag.retrieve.fusion import Retriever

    def top(r: Retriever) -> list[list[str]]:
        return [[str(h.ref) for h in r.search(q, k=5).hits] for q in FUSION_QUESTIONS]

    both = top(real_pipeline.retriever)
    no_dense = top(Retriever(real_index, real_embedder, real_settings.replace(dense_weight=0.0)))
    no_bm25 = top(Retriever(real_index, real_embedder, real_settings.replace(bm25_weight=0.0)))
    assert both != no_dense and both != no_bm25
    hits = real_pipeline.retriever.search(FUSION_QUESTIONS[0]).hits
    assert all(h.dense is not None for h in hits) and hits[0].bm25 is not None


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
    origins = frozenset({"Embassy Ankara", "Secretary of State"})
    q = analyze("What did Embassy Ankara report in 2009 about Iran?", origins)
    assert q.filters.origins == ("Embassy Ankara",) and q.filters.date_from == "2009"
    assert analyze("Show cables from Embassy Ankara about Iran", origins).filters.origins == ("Embassy Ankara",)
    assert analyze("cables tagged PTER about Yemen").filters.tags == ("PTER",)
    assert not analyze("On what date was Bout arrested in 2008?").filters  # a year in a question is no filter
    # an origin merely named is a suggestion, never a filter
    q = analyze("What did Secretary of State Rice tell the Turks about Iraq?", origins)
    assert not q.filters and q.suggested.origins == ("Secretary of State",)
    q = analyze("According to Embassy Ankara, why did Gul resign?", origins)
    assert not q.filters and q.suggested.origins == ("Embassy Ankara",)
    chips = Filters(origins=("Embassy Ankara",), date_from="2009", date_to="2009").chips()
    assert [c.label for c in chips] == ["origin: Embassy Ankara", "date: 2009"]
    assert Filters(origins=("Embassy Ankara",), date_from="2009", date_to="2009").without(chips[0]) == Filters(
        date_from="2009", date_to="2009"
    )


def test_a_named_origin_does_not_restrict_the_search(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    """The Blackwater answer is in an Embassy Djibouti cable; naming Embassy Oslo must not hide it."""
    r = real_pipeline.retriever.search(
        "Colleagues at Embassy Oslo asked how many American citizens were to crew Blackwater's armed ship in Djibouti"
    )
    assert not r.query.filters and r.query.suggested.origins == ("Embassy Oslo",) and not r.filters
    assert str(r.hits[0].ref) == "09DJIBOUTI113 ¶1"
    r = real_pipeline.retriever.search("What did Embassy Oslo report about the fighter competition?")
    assert r.query.filters.origins == ("Embassy Oslo",) and all(h.passage.cable_id.startswith("08OSLO") for h in r.hits)
    r = real_pipeline.retriever.search(
        "What did Embassy Oslo report about the fighter competition?", infer_filters=False
    )
    assert not r.filters


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


def test_dates_and_times_are_not_cable_ids() -> None:
    assert find_cable_ids("the shipment left on 21 DEC 2009 at 10 AM 31 minutes late; 21DEC2009") == []
    assert find_cable_ids("met at 10 PM 5 and 09 MAY 2009") == []
    stations = frozenset({"MOSCOW", "DOHA"})
    assert find_cable_ids("07 MOSCOW 828, 12 TONNES 400, 09DOHA728", stations) == ["07MOSCOW828", "09DOHA728"]


def test_unknown_cable_id_is_reported_and_gets_no_pass(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    """An ID the index lacks is reported, and is no longer a reason to skip the relevance floor (the answer
    pipeline skips the floor only for `query.cable_ids`, which now hold known IDs only)."""
    r = real_pipeline.retriever.search("What did 09NOWHERE123 say about the pineapple harvest?")
    assert r.query.unknown_ids == ("09NOWHERE123",) and r.query.cable_ids == ()
    assert not r.filters  # not restricted to a cable that does not exist
    r = real_pipeline.retriever.search("What classification did 05ISTANBUL890 carry?")
    assert r.query.cable_ids == ("05ISTANBUL890",) and r.query.unknown_ids == ()


def test_question_analysis() -> None:
    q = analyze("How many casks of spent fuel left Libya, and on what date had the shipment been planned?")
    assert q.asks == "number" and len(q.parts) == 2 and q.parts[1].startswith("on what date")
    assert analyze(q.parts[1]).asks == "when"
    assert analyze("Why did Iran refuse visas to the badminton team?").asks == "why"
    assert analyze("Which Thai Defense Minister did Ambassador John press?").asks == "who"
    assert analyze("Which Rio favela was the first to be pacified?").asks == "factoid"
    assert analyze("In which town did Qadhafi meet Megrahi?").asks == "where"
    assert analyze("What TAGS were assigned to cable 09SEOUL1400?").asks == "header"
    assert analyze("Who signed 09HARARE955?").asks == "signature"
    q = analyze("Did Saif al-Islam al-Qadhafi meet Tony Blair in 2007 for 20 minutes?")
    assert "Tony Blair" in q.names and q.figures == ("2007", "20")


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text)


def test_jargon_expands_only_shorthand_written_as_such() -> None:
    def expand(text: str) -> list[str]:
        return expand_terms(_words(text), text)

    assert "foreign" in expand_terms(["DFM", "GOT"]) and "Turkey" in expand_terms(["GOT"])
    assert "Turkey" in expand("What did GOT officials say?")
    assert expand("What got the minister to resign?") == []  # a verb, not the government of Turkey
    assert expand("No, it is in the IT budget; IS it?") == []  # not Norway, India, Israel, Italy
    assert set(expand("cables tagged NO and IS")) >= {"Norway", "Israel"}
    assert expand("The meeting started at 10 PM sharp") == []  # a time, not the prime minister
    assert "prime" in expand("What did the PM say?")
    assert expand("WHAT DID THE GOT SAY IN THE MEETING") == []  # all capitals: no English word is shorthand
    assert "DFM" in contract_phrases("the deputy foreign minister said")


def test_plain_english_finds_shorthand(real_pipeline) -> None:  # type: ignore[no-untyped-def]
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


def test_hits_are_numbered_in_order_and_distinct(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    """Ranks run 1..k without gaps and no paragraph comes twice (long paragraphs have several windows). Timings
    are measured in eval/bench_index.py, not asserted here."""
    hits = real_pipeline.retriever.search("Hansabank cyber attacks Estonia", k=10).hits
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1)) and len(hits) == 10
    assert len({h.ref for h in hits}) == len(hits)


def _passage(label: str, text: str) -> Passage:
    return Passage(ParagraphRef("09TEST1", label), 0, text, "09TEST1 | Embassy Test | 2009-01-01 | SUBJECT")


def test_reranker_prefers_the_paragraph_that_answers() -> None:
    """Header (¶0) passages repeat the subject line and often lead the fused ranking; for a question about content
    they give way to the paragraph that answers, for a metadata question they do not; a paragraph with the figure
    a "how many" question asks for beats one without."""
    header = _passage(
        "0", "Subject: Blackwater plans to operate armed counter-piracy ship out of Djibouti. TAGS: PREL."
    )
    body = _passage("1", "Blackwater planned to operate the armed counter-piracy ship McArthur out of Djibouti.")
    r = Reranker(lambda t: 1.0, Settings())
    fused, bm25, dense = np.array([1.0, 0.9]), np.array([9.0, 8.5]), np.array([0.60, 0.58])
    q = analyze("Which armed counter-piracy ship did Blackwater plan to operate out of Djibouti?")
    assert r.order(q, [header, body], fused, bm25, dense) == [1, 0]
    q = analyze("What TAGS were assigned to the cable 09TEST1 on the Blackwater ship in Djibouti?")
    assert r.order(q, [header, body], fused, bm25, dense) == [0, 1]
    crew = _passage("2", "Blackwater plans to crew the armed counter-piracy ship with 33 American citizens.")
    talk = _passage("3", "Blackwater plans to crew the armed counter-piracy ship with American citizens soon.")
    q = analyze("How many American citizens were to crew the Blackwater ship?")
    assert r.order(q, [talk, crew], np.array([1.0, 0.95]), np.array([8.0, 7.9]), np.array([0.6, 0.6])) == [1, 0]
    assert carries_answer_kind(analyze("When did the ship sail?"), "It sailed on March 4 from Djibouti.")
    assert not carries_answer_kind(analyze("When did the ship sail on March 4?"), "It sailed on March 4.")
    assert carries_answer_kind(analyze("Why did Iran refuse the visas?"), "Iran refused because of bad faith.")
