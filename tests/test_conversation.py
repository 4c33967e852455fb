"""Follow-ups: pronouns and ellipsis resolved against the previous turn, a bounded standalone question, new topics
standing alone; and, with the real embedder and a real index over the scripted conversations' cables, the standalone
questions retrieving the gold paragraphs of eval/sets/conversations-tune.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answer.conversation import Turn, names_in, standalone_question
from rag.settings import Settings

from .conftest import REPO, SUBSET, extract_subset

MAYOR = Turn(
    "Which mayor did the Ambassador meet in Tirana on March 3, 2009?",
    "Mayor Edi Rama, the Socialist Party leader.",
    "Which mayor did the Ambassador meet in Tirana on March 3, 2009?",
    ("09TIRANA150",),
)


def test_he_is_the_person_the_previous_answer_named() -> None:
    assert (
        standalone_question("What did he say about the vote?", [MAYOR]) == "What did Mayor Edi Rama say about the vote?"
    )
    assert "What did Mayor Edi Rama's party win?" in standalone_question("What did his party win?", [MAYOR])


def test_that_cable_is_the_cable_the_previous_answer_cited() -> None:
    assert standalone_question("Who signed that cable?", [MAYOR]).startswith("Who signed 09TIRANA150?")


def test_ellipsis_continues_the_previous_question() -> None:
    sq = standalone_question("What about Durres?", [MAYOR])
    assert sq.startswith("Which mayor did the Ambassador meet in Tirana on March 3, 2009? [then: Durres?]")
    assert "[then: in 2010?]" in standalone_question("and in 2010?", [MAYOR])


def test_a_new_topic_does_not_inherit_the_old_one() -> None:
    for q in (
        "Who is Lugovoy?",
        "What did Putin tell Sarkozy about Georgia?",
        "Who signed 09HARARE955?",
        "What does the report say about Putin?",  # a name of its own: not the previous turn's cable
    ):
        assert standalone_question(q, [MAYOR]) == q
    # its names all come from the previous turn: the same topic
    assert standalone_question("When was Tirana's mayor elected?", [MAYOR]) == "When was Tirana's mayor elected?"


def test_a_question_naming_nothing_carries_the_previous_turns_names() -> None:
    sq = standalone_question("How many votes were counted?", [MAYOR])
    assert sq == "How many votes were counted? [about: Tirana; Mayor Edi Rama; Socialist Party]"
    assert standalone_question("How many votes were counted?", [MAYOR], limit=20).endswith("[about: Tirana]")


def test_the_standalone_question_does_not_grow_with_the_conversation() -> None:
    """Five follow-ups in a row: each standalone question is at most the first question, the follow-up and `limit`
    characters of names (plus the tails' brackets), however long the conversation (the old rule, which joined
    every follow-up to the previous standalone question, reached 189 characters here)."""
    limit = 40
    questions = [
        "What did he say about the vote?",
        "And what about the opposition?",
        "and in 2010?",
        "Did they accept it?",
        "what about 2011?",
    ]
    bound = len(MAYOR.question) + max(map(len, questions)) + limit + 20
    history = [MAYOR]
    for q in questions:
        sq = standalone_question(q, history, limit)
        assert len(sq) <= bound, sq
        assert sq.count("[then:") <= 1 and sq.count("[about:") <= 1, sq  # tails never pile up
        history.append(
            Turn(q, "Mayor Edi Rama said the Socialist Party would contest the count.", sq, ("09TIRANA150",))
        )


def test_names_are_not_sentence_words_titles_or_months() -> None:
    assert names_in("The Ambassador met Mayor Edi Rama in January. He said Gen. Enzo Peri agreed.") == [
        "Mayor Edi Rama",
        "Enzo Peri",
    ]


def _gold_in_top(retriever, text: str, support: list[dict], k: int = 3) -> bool:  # type: ignore[no-untyped-def]
    hits = retriever.search(text, k=k).hits
    return any(h.ref.cable_id == s["cable_id"] and h.ref.num in s["paragraphs"] for h in hits for s in support)


@pytest.mark.slow
def test_follow_ups_retrieve_their_gold_paragraphs(tmp_path: Path, real_embedder, cache_dir: str) -> None:  # type: ignore[no-untyped-def]
    """Real parser, embedder and index over the scripted conversations' cables among others (the test subset and
    the tuning set's cables, 77 in all): a follow-up's standalone question puts its gold paragraph among the 3 the
    model is shown for at least 9 turns in 10 (measured: 27/28; the follow-ups as typed: 28/28, as the old rule
    joined them to the previous question: 26/28)."""
    from rag.components import open_components
    from rag.ingest.build import ingest

    sets = REPO / "eval" / "sets"
    convs = [json.loads(x) for x in (sets / "conversations-tune.jsonl").read_text().splitlines()]
    tune = [json.loads(x) for x in (sets / "tune.jsonl").read_text().splitlines()]
    ids = {s["cable_id"] for c in convs for t in c["turns"] for s in t["support"]}
    ids |= set(SUBSET) | {s["cable_id"] for g in tune for s in g["support"]}
    s = Settings(index_dir=str(tmp_path / "idx"), cache_dir=cache_dir)
    ingest([extract_subset(tmp_path / "src", sorted(ids))], s, embedder=real_embedder, progress=False)
    retriever = open_components(s, embedder=real_embedder).retriever
    typed = resolved = total = 0
    for c in convs:
        history: list[Turn] = []
        for t in c["turns"]:
            sq = standalone_question(t["question"], history, s.follow_up_context_chars)
            if history:
                total += 1
                typed += _gold_in_top(retriever, t["question"], t["support"])
                resolved += _gold_in_top(retriever, sq, t["support"])
            history.append(Turn(t["question"], t["answer"], sq, tuple(x["cable_id"] for x in t["support"])))
    print(f"follow-ups with a gold paragraph in the top 3: typed {typed}/{total}, standalone {resolved}/{total}")
    assert resolved >= 0.9 * total
