"""The one verification gate, through the answer pipeline: real parser and index over a crafted cable and a real
seed, fake embedder, scripted model and scripted judge. Nothing reaches the screen marked verified unless the gate
accepted it; refusals abstain; quotes stand only when judged to answer; the screen and the CLI show the gate's
states."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.answer.pipeline import Answerer, Done, Token
from rag.check.attribution import Attributor
from rag.components import open_components
from rag.fakes import FakeEmbedder, FakeLLM, ScriptedJudge
from rag.ingest.build import ingest
from rag.present.html import answer_html, esc, sentence_html
from rag.present.text import CLOSEST_HEADING, answer_text, sentence_text
from rag.records import SentenceCheck
from rag.settings import Settings
from rag.text.sentences import split_sentences
from rag.text.words import normalize

from .conftest import FIXTURES

CABLE = """08ATLANTIS777
PINEAPPLE HARVEST REPORT
Tue Nov 04 06:06:00 +0100 2008
CONFIDENTIAL
Embassy Atlantis
C O N F I D E N T I A L SECTION 01 OF 01 ATLANTIS 000777

TAGS: PREL
SUBJECT: PINEAPPLE HARVEST REPORT

1. (C) The pineapple harvest in Atlantis reached 4,200 tonnes in 2008. Minister Coral Reef told Governor Sandy Bay \
that exports to Lemuria would double. The ministry did not reject the new tariff.

2. (C) Governor Sandy Bay denied reports that Minister Coral Reef resigned. The P5+1 talks resumed in Geneva.

TESTER
"""
TRUE = (
    "The pineapple harvest in Atlantis reached 4,200 tonnes in 2008.",
    "Minister Coral Reef told Governor Sandy Bay that exports to Lemuria would double.",
    "The ministry did not reject the new tariff.",
    "Governor Sandy Bay denied reports that Minister Coral Reef resigned.",
    "The P5+1 talks resumed in Geneva.",
)
DISTORT = (
    lambda s: s.replace("4,200", "9,900"),
    lambda s: s.replace("did not reject", "rejected"),
    lambda s: s.replace("Minister Coral Reef told Governor Sandy Bay", "Governor Sandy Bay told Minister Coral Reef"),
    lambda s: "Minister Coral Reef resigned." if "denied" in s else s.replace("Atlantis", "Lemuria"),
    lambda s: s.replace("Geneva", "Vienna"),
    lambda s: s.replace("double", "halve"),
)
ORACLE = frozenset(normalize(s) for s in TRUE)


def oracle() -> ScriptedJudge:
    """Knows the truth: YES only for a claim that is one of the cable's true sentences; a quote never answers."""
    return ScriptedJudge(lambda c: not c.must_answer and normalize(c.text) in ORACLE)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("gate")
    s = Settings(index_dir=str(tmp / "idx"))
    (tmp / "c").mkdir()
    (tmp / "c" / "08ATLANTIS777.txt").write_text(CABLE)
    (tmp / "c" / "seed.txt").write_text((FIXTURES / "seeds" / "001_60a81c5ffc7b069b.txt").read_text())
    emb = FakeEmbedder()
    ingest([tmp / "c"], s, embedder=emb, progress=False)
    return s, open_components(s, embedder=emb)


def answerer(built, reply: str, judge: ScriptedJudge | None) -> Answerer:  # type: ignore[no-untyped-def]
    s, c = built
    return Answerer(c.retriever, FakeLLM(reply), c.gate.with_judge(judge), s)


def marked_verified(html_sentence: str) -> bool:
    return "✔" in html_sentence or 'class="cite' in html_sentence


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    picks=st.lists(st.tuples(st.integers(0, len(TRUE) - 1), st.integers(-1, len(DISTORT) - 1)), min_size=1, max_size=4)
)
def test_no_mark_without_the_gate(built, picks: list[tuple[int, int]]) -> None:  # type: ignore[no-untyped-def]
    """A scripted model emits random distortions (and some true sentences) of the retrieved sentences; with a judge
    that knows the truth, no ✔ and no chip is ever attached to a sentence the gate did not accept."""
    sents = [TRUE[i] if d < 0 else DISTORT[d](TRUE[i]) for i, d in picks]
    judge = oracle()
    ans = answerer(built, " ".join(f"{x} [P1]" for x in sents), judge).ask(
        "What happened to the pineapple harvest, the minister and the talks in Atlantis?"
    )
    for s in ans.sentences:
        shown = sentence_html(s)
        if marked_verified(shown):
            assert s.verdict in ("supported", "partial") and s.citations
            assert normalize(s.text.strip("\u201c\u201d")) in ORACLE, s  # only true sentences are ever marked
            assert s.basis == "verbatim" or (s.text in judge.accepted), s
        if s.verdict not in ("supported", "partial"):
            assert not s.citations and not marked_verified(shown)
    html = answer_html(ans)
    assert html.count("✔") == sum(s.verdict == "supported" for s in ans.sentences)
    assert html.count('class="cite') == sum(
        len(s.citations) for s in ans.sentences if s.verdict in ("supported", "partial")
    )


def test_fabricated_number_is_rejected_even_by_a_lenient_judge(built) -> None:  # type: ignore[no-untyped-def]
    """The figure check is a filter before the judge: a judge that says YES to everything cannot let 9,900 through."""
    lenient = ScriptedJudge(lambda c: True)
    ans = answerer(built, "The pineapple harvest in Atlantis reached 9,900 tonnes in 2008 [P1].", lenient).ask(
        "How large was the pineapple harvest in Atlantis in 2008?"
    )
    for s in ans.sentences:
        if "9,900" in s.text:
            assert s.verdict == "unsupported" and not s.citations and not marked_verified(sentence_html(s))
    assert not any("9,900" in c.text for c, _ in lenient.seen)  # never even reached the judge


def test_a_refusal_is_an_abstention_never_a_quote(built) -> None:  # type: ignore[no-untyped-def]
    judge = ScriptedJudge(lambda c: True)  # would accept any quote
    ans = answerer(built, "The passages do not say how large the harvest was.", judge).ask(
        "How large was the pineapple harvest in Atlantis in 2008?"
    )
    assert ans.abstained and not ans.citations and not judge.seen
    html = answer_html(ans)
    assert esc(CLOSEST_HEADING) in html and "✔" not in html and 'class="cite' not in html
    assert answer_text(ans) == ans.text


def test_a_quote_stands_only_if_the_judge_says_it_answers(built) -> None:  # type: ignore[no-untyped-def]
    q = "How large was the pineapple harvest in Atlantis in 2008?"
    reply = "Pineapples are grown widely in the region [P1]."  # unverifiable: the gate rejects it
    no = answerer(built, reply, ScriptedJudge(lambda c: False)).ask(q)
    assert no.abstained and not no.citations
    yes_judge = ScriptedJudge(lambda c: c.must_answer)
    yes = answerer(built, reply, yes_judge).ask(q)
    quote = yes.sentences[-1]
    assert quote.origin == "quote" and quote.verdict == "supported" and "4,200" in quote.text
    assert any(c.must_answer and c.question == q for c, ok in yes_judge.seen if ok)
    assert answerer(built, reply, None).ask(q).abstained  # judge off: no quote is ever offered as the answer


def test_draft_is_streamed_then_replaced_by_the_verified_answer(built) -> None:  # type: ignore[no-untyped-def]
    events = list(
        answerer(built, "The P5+1 talks resumed in Geneva [P1].", oracle()).stream("Where did the P5+1 talks resume?")
    )
    assert any(isinstance(e, Token) for e in events)
    final = events[-1]
    assert isinstance(final, Done)
    s = final.answer.sentences[0]
    assert s.text == "The P5+1 talks resumed in Geneva." and s.verdict == "supported"  # "P5+1" is not a marker


def test_judge_off_never_shows_a_tick_except_verbatim(built) -> None:  # type: ignore[no-untyped-def]
    q = "What happened to the pineapple harvest and the tariff in Atlantis?"
    ans = answerer(built, "The harvest in Atlantis reached 4,200 tonnes in 2008 [P1]. " + TRUE[2], None).ask(q)
    verdicts = {s.text: (s.verdict, s.basis) for s in ans.sentences}
    assert verdicts["The harvest in Atlantis reached 4,200 tonnes in 2008."] == ("partial", "lexical")
    assert verdicts[TRUE[2]] == ("supported", "verbatim")
    assert "partly" in answer_html(ans) and "[partly:" in answer_text(ans)


def test_states_on_screen_and_in_text() -> None:
    from rag.ids import ParagraphRef
    from rag.records import CitationRef

    ref = ParagraphRef("08ATLANTIS777", "1")
    cite = (CitationRef.to(ref),)
    sup = SentenceCheck("A <b>claim</b>.", cite, "supported", 0.9, ref, origin="model", basis="judge")
    part = SentenceCheck("Part.", cite, "partial", 0.5, ref, origin="model", basis="lexical")
    uns = SentenceCheck("Wrong.", (), "unsupported", 0.1, origin="model")
    nf = SentenceCheck("Why?", (), "not_factual", 0.0, origin="model")
    assert "✔" in sentence_html(sup) and "&lt;b&gt;" in sentence_html(sup) and 'class="cite"' in sentence_html(sup)
    assert 'class="cite partial"' in sentence_html(part) and "partly 08ATLANTIS777 ¶1" in sentence_html(part)
    for s in (uns, nf):
        assert not marked_verified(sentence_html(s)) and "unverified" in sentence_html(s)
    assert sentence_text(sup).endswith("[08ATLANTIS777 ¶1] ✔") and "[partly: 08ATLANTIS777 ¶1]" in sentence_text(part)
    assert sentence_text(uns) == "Wrong. [✘ not verified]" and sentence_text(nf) == "Why? [– not a checked claim]"


def test_paragraph_breaks_and_list_items_end_sentences() -> None:
    text = (
        "The minister resigned on Monday [08ATLANTIS777 ¶2].\n\nthe governor denied it [08ATLANTIS777 ¶2].\n"
        "- exports doubled"
    )
    assert split_sentences(text) == [
        "The minister resigned on Monday [08ATLANTIS777 ¶2].",
        "the governor denied it [08ATLANTIS777 ¶2].",
        "- exports doubled",
    ]
    # no full stop before the break: the blank line alone ends the sentence
    assert split_sentences("Talks failed [08ATLANTIS777 ¶1]\n\nthe minister resigned\n1. exports doubled") == [
        "Talks failed [08ATLANTIS777 ¶1]",
        "the minister resigned",
        "1. exports doubled",
    ]


def test_check_text_judges_a_lower_case_paragraph_alone(built) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: a paragraph starting in lower case was glued to the previous sentence and judged with it."""
    _, c = built
    gate = c.gate.with_judge(oracle())
    rep = gate.check_text(
        "The P5+1 talks resumed in Geneva [08ATLANTIS777 ¶2].\n\nthe ministry did not reject the new tariff "
        "[08ATLANTIS777 ¶1].\n\nIt was reported on 21 DEC 2009 [08ATLANTIS777 ¶1]."
    )
    assert [s.text.split(" [")[0] for s in rep.sentences] == [
        "The P5+1 talks resumed in Geneva",
        "the ministry did not reject the new tariff",
        "It was reported on 21 DEC 2009",
    ]
    assert rep.sentences[0].verdict == "supported" and rep.sentences[0].basis == "verbatim"
    assert rep.sentences[1].verdict == "supported"
    assert [c.cable_id for c in rep.sentences[2].citations] == ["08ATLANTIS777"]  # the date is no citation
    assert not rep.invalid_citations


def test_claims_written_after_the_full_stop_keep_their_citation(built) -> None:  # type: ignore[no-untyped-def]
    _, c = built
    rep = c.gate.with_judge(oracle()).check_text(f"{TRUE[2]} [08ATLANTIS777 ¶1]\n\n{TRUE[4]} (08ATLANTIS777 ¶2)")
    assert [s.verdict for s in rep.sentences] == ["supported", "supported"]


def test_attributor_markers_leave_names_alone(built) -> None:  # type: ignore[no-untyped-def]
    _, c = built
    att: Attributor = c.gate.attributor
    hits = c.retriever.search("P5+1 talks Geneva", k=3).hits
    drafts = att.answer_drafts("The P5+1 talks resumed in Geneva [P1]. The P5 members met (P2).", hits, "q")
    assert [d.text for d in drafts] == ["The P5+1 talks resumed in Geneva.", "The P5 members met."]


def test_a_denied_clause_is_not_support_even_for_a_lenient_judge(built) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: "He denied reports that the minister resigned" was taken to support "the minister resigned"."""
    lenient = ScriptedJudge(lambda c: True)
    ans = answerer(built, "Minister Coral Reef resigned [P1]. The P5+1 talks resumed in Geneva [P1].", lenient).ask(
        "Did Minister Coral Reef resign, and where did the P5+1 talks resume?"
    )
    got = {s.text: s.verdict for s in ans.sentences}
    assert got == {"Minister Coral Reef resigned.": "unsupported", "The P5+1 talks resumed in Geneva.": "supported"}


def test_a_dropped_or_added_not_is_rejected_even_by_a_lenient_judge(built) -> None:  # type: ignore[no-untyped-def]
    lenient = ScriptedJudge(lambda c: not c.must_answer)  # says YES to every claim (no quote answers)
    reply = "The ministry rejected the new tariff [P1]. The harvest in Atlantis did not reach 4,200 tonnes [P1]."
    ans = answerer(built, reply, lenient).ask("What did the ministry do about the tariff and the harvest in Atlantis?")
    assert ans.abstained and not [c for c, _ in lenient.seen if not c.must_answer]  # filtered before the judge


def test_reported_clause_cue_is_read_within_the_sentence() -> None:
    from rag.check.support import unasserted

    p = "He denied reports that the minister resigned in May. India pressed its demands. The UK was very direct."
    assert unasserted("The minister resigned in May.", p)
    assert not unasserted("The UK was very direct.", p)  # "demands." ends the sentence before it
    assert not unasserted("He denied reports that the minister resigned in May.", p)


SANAA_1 = (
    "Summary. During a 35-minute meeting on January 31, the Department's Coordinator for Counter-Terrorism, "
    "Ambassador Daniel Benjamin, congratulated President Saleh on the success of the London meeting and "
    "counter-terrorism (CT) operations the ROYG has undertaken in recent weeks."
)


def test_swapped_roles_are_rejected_before_the_judge() -> None:
    """10SANAA221 ¶1 (real text): the same words with who-did-what-to-whom reversed are rejected; the true order,
    the passive and a symmetric relation are left to the judge. (The real 1.5B judge said YES to the swap.)"""
    from rag.check.support import swapped_roles

    assert swapped_roles("President Saleh congratulated Ambassador Daniel Benjamin on the London meeting.", SANAA_1)
    assert not swapped_roles("Ambassador Daniel Benjamin congratulated President Saleh on the London meeting.", SANAA_1)
    assert not swapped_roles("President Saleh was congratulated by Ambassador Benjamin.", SANAA_1)
    assert not swapped_roles("Saleh met Benjamin on January 31.", "Benjamin met Saleh on January 31.")
    assert not swapped_roles("Saleh praised the London meeting.", SANAA_1)  # one name: nothing to swap


def test_swapped_roles_with_a_name_repeated() -> None:
    """10SANAA221 ¶2 names Saleh before and after Benjamin: the swap is still caught, the true order still kept."""
    from rag.check.support import swapped_roles

    p2 = (
        "In a January 31 meeting with President Saleh, the Department's Coordinator for Counter-Terrorism, Ambassador "
        "Daniel Benjamin, congratulated Saleh on the success of the London meeting."
    )
    assert swapped_roles("President Saleh congratulated Ambassador Daniel Benjamin on the London meeting.", p2)
    assert not swapped_roles("Ambassador Daniel Benjamin congratulated President Saleh on the London meeting.", p2)


# real paragraphs of the sample (eval/sets/claims.jsonl: swapped_roles-002 and -013, changed_name-001 and -007),
# distortions the real 1.5B judge said YES to
LONDON_15 = (
    "He stated that the reshuffle was unexpected at the MOD and that Defense was the only portfolio Hutton would "
    "accept when Peter Mandelson replaced Hutton as Business Secretary."
)
ISLAMABAD_9 = (
    "U.N. Assistant Secretary General Jean Arnault would arrive in Pakistan on May 21; he had attended the "
    "Friends/Donors meeting hosted by Japan in late April."
)
MOSCOW_7 = (
    "The German and French missions have expressed to us their doubts about this approach, noting the similar "
    "constitutional restrictions on the extradition of nationals by some EU countries."
)


def test_a_swap_is_read_between_the_nearest_names_and_in_the_same_voice() -> None:
    from rag.check.support import swapped_roles

    swap = LONDON_15.replace("Peter Mandelson replaced Hutton", "Hutton replaced Peter Mandelson")
    assert swapped_roles(swap, LONDON_15)
    assert not swapped_roles(LONDON_15, LONDON_15)
    swap = ISLAMABAD_9.replace("Friends/Donors meeting hosted by Japan", "Friends/Japan meeting hosted by Donors")
    assert swapped_roles(swap, ISLAMABAD_9)
    assert not swapped_roles("Jean Arnault attended the meeting Japan hosted in late April.", ISLAMABAD_9)


def test_a_name_the_paragraph_does_not_carry_is_rejected_before_the_judge(built) -> None:  # type: ignore[no-untyped-def]
    from rag.check.support import new_names

    changed = MOSCOW_7.replace("French", "Fabrik")
    assert new_names(changed, MOSCOW_7) == {"fabrik"}
    assert not new_names(MOSCOW_7, MOSCOW_7)
    assert not new_names("It was signed by Ambassador Charles A. Ray.", "Classified By: Ambassador RAY for reasons 1.4")
    assert not new_names("He met his British-born wife in Wales.", "His British-born wife is from Wales.")
    assert not new_names("It was then that Fabrik objected.", MOSCOW_7, given="What did Fabrik say?")
    from dataclasses import replace

    from rag.check.gate import Gate
    from rag.check.support import Scorer

    s, c = built
    lenient = ScriptedJudge(lambda c: not c.must_answer)  # says YES to every claim
    no_penalty = Scorer(replace(s, check_name_penalty=0.0), c.gate.scorer.embedder)  # the filter alone decides
    gate = Gate(c.gate.attributor, no_penalty, c.gate.idf, s, lenient)
    reply = "Minister Coral Reef told Governor Sandy Bay that exports to {} would double [P1]."
    question = "What did Minister Coral Reef tell Governor Sandy Bay about exports?"
    ans = Answerer(c.retriever, FakeLLM(reply.format("Narnia")), gate, s).ask(question)
    assert ans.abstained and not [c for c, _ in lenient.seen if not c.must_answer]  # filtered before the judge
    ans = Answerer(c.retriever, FakeLLM(reply.format("Lemuria")), gate, s).ask(question)
    assert [x.verdict for x in ans.sentences] == ["supported"]


def test_a_markdown_image_does_not_end_a_sentence() -> None:
    """pysbd ends a sentence at the "!" of `![alt](url)`; the sentence is kept whole and as written, so a quote of a
    cable sentence carrying an image is still verbatim (a citation after "!" still starts a new one)."""
    from rag.text.sentences import split_sentences

    p = "The tender documents are at ![tender](http://h/c.gif) and [the portal](http://h/l)."
    assert split_sentences(f"{p} It closes soon.") == [p, "It closes soon."]
    assert split_sentences("Stop! [P1] He left.") == ["Stop!", "[P1] He left."]


def test_a_short_answer_is_checked_in_the_sentence_that_carries_the_question(built) -> None:  # type: ignore[no-untyped-def]
    """A fragment answer ("4,200 tonnes") stands when its words sit in one paragraph sentence that also carries
    most of the question (no judge needed: the judge says NO to everything here); the same fragment for a question
    that sentence does not carry is not verified."""
    no = ScriptedJudge(lambda c: False)
    ans = answerer(built, "4,200 tonnes [P1]", no).ask("How large was the pineapple harvest in Atlantis in 2008?")
    (s,) = ans.sentences
    assert s.verdict == "supported" and s.basis == "span" and s.citations
    ans = answerer(built, "4,200 tonnes [P1]", no).ask(
        "How many tonnes of exports to Lemuria did Minister Reef expect?"
    )
    assert not any(x.verdict == "supported" for x in ans.sentences)
