"""The citation checker on real paragraphs: quotes, paraphrases, fabrications, invalid citations. Fast tests use the
gate with a scripted judge (or none, as `cables check --fast`); the `llm` tests use the real judge."""

from __future__ import annotations

import pytest

from rag.check.citations import find_citations
from rag.fakes import verbatim_judge


@pytest.fixture(scope="module")
def checker(real_pipeline):  # type: ignore[no-untyped-def]
    """The real gate (real index, real embedder) with a strict scripted judge: YES only for words the paragraph has."""
    return real_pipeline.gate.with_judge(verbatim_judge())


@pytest.fixture(scope="module")
def fast(real_pipeline):  # type: ignore[no-untyped-def]
    return real_pipeline.gate.with_judge(None)


def test_true_quote_is_supported(checker) -> None:  # type: ignore[no-untyped-def]
    """A fragment quoted word for word: the (strict, scripted) judge is asked and accepts it."""
    r = checker.check_text(
        "Minister of Transportation and Aviation Ibrahim Kemoh Sesay relieved of his duties August 4 "
        "[08FREETOWN389 ¶2]."
    )
    assert r.sentences[0].verdict == "supported" and r.sentences[0].basis == "judge"
    assert not r.invalid_citations and r.ok


def test_paraphrase_passes_the_cheap_checks_as_partial(fast) -> None:  # type: ignore[no-untyped-def]
    r = fast.check_text(
        "Ambassador Daniel Benjamin met President Saleh for 35 minutes on January 31 (10SANAA221 para 1)."
    )
    assert r.sentences[0].verdict == "partial" and r.sentences[0].basis == "lexical"


def test_changed_number_is_unsupported(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text(
        "Ambassador Daniel Benjamin met President Saleh for 95 minutes on January 31 (10SANAA221 para 1)."
    )
    assert r.sentences[0].verdict == "unsupported" and not r.ok


def test_changed_name_is_unsupported(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text(
        "Minister of Transportation and Aviation Mohamed Bangura was relieved of his duties "
        "August 4 [08FREETOWN389 ¶2]."
    )
    assert r.sentences[0].verdict == "unsupported"


def test_wrong_paragraph_is_not_supported(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text(
        "Minister of Transportation and Aviation Ibrahim Kemoh Sesay was relieved of his duties "
        "August 4 [09HARARE955 ¶2]."
    )
    assert r.sentences[0].verdict != "supported"


def test_invalid_citations(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text("Hamas was evolving [99FAKE1 ¶1]. Hansabank was attacked [07TALLINN366 ¶99].")
    statuses = [c.status for s in r.sentences for c in s.citations]
    assert statuses == ["unknown_cable", "unknown_paragraph"]
    assert len(r.invalid_citations) == 2 and not r.ok


def test_uncited_claim(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text("The Estonian CERT had two full-time staff members during the attacks.")
    assert r.sentences[0].verdict == "uncited"
    assert r.citation_recall == 0.0


def test_header_citation_uses_metadata(fast) -> None:  # type: ignore[no-untyped-def]
    r = fast.check_text("Cable 05ISTANBUL890 was classified CONFIDENTIAL [05ISTANBUL890 ¶0].")
    assert r.sentences[0].verdict == "partial"
    r = fast.check_text("Cable 05ISTANBUL890 was classified SECRET [05ISTANBUL890 ¶0].")
    assert r.sentences[0].verdict == "unsupported"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("as 07MOSCOW828 ¶5 says", [("07MOSCOW828", ("5",))]),
        ("[07MOSCOW828 ¶5]", [("07MOSCOW828", ("5",))]),
        ("07MOSCOW828 para 5", [("07MOSCOW828", ("5",))]),
        ("07MOSCOW828, paras 2-4", [("07MOSCOW828", ("2", "3", "4"))]),
        ("(07 MOSCOW 828, ¶¶ 2, 3)", [("07MOSCOW828", ("2", "3"))]),
        ("MOSCOW 828 of 2007", [("07MOSCOW828", ())]),
        ("see 07MOSCOW828.", [("07MOSCOW828", ())]),
        (
            "06BEIJING23571 ¶3b and 09DOHA728 paragraphs 1 and 2",
            [("06BEIJING23571", ("3b",)), ("09DOHA728", ("1", "2"))],
        ),
        ("SECTION 01 OF 02 and E.O. 12958", []),
        ("It was sent on 21 DEC 2009 at 10 AM 31 minutes", []),
        ("on 3 JANUARY 2010, 12 MAY 2009 and 09 SEP 2009", []),
        ("the P5+1 and 09HARARE955 ¶2", [("09HARARE955", ("2",))]),
    ],
)
def test_citation_forms(text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    assert [(c.cable_id, c.paragraphs) for c in find_citations(text)] == expected


def test_aggregate_scores(checker) -> None:  # type: ignore[no-untyped-def]
    text = (
        "He has remained in custody in Bangkok since his arrest on March 6, 2008 [09BANGKOK385 ¶3]. "
        "He was released on bail in 2008 [09BANGKOK385 ¶3]."
    )
    r = checker.check_text(text)
    assert r.sentences[0].verdict == "supported" and r.sentences[1].verdict != "supported"
    assert r.citation_recall == 0.5


@pytest.mark.llm
def test_real_judge_rejects_distortions_that_keep_the_words(real_pipeline) -> None:  # type: ignore[no-untyped-def]
    """The real default model as judge, alone (as `cables check` runs it): a true fragment passes; its negation,
    the same sentence with the roles swapped, and a denied clause stated as fact are rejected."""
    gate = real_pipeline.gate  # judge "llm" by default: loads the real model
    assert gate.judge is not None
    true = "Minister of Transportation and Aviation Ibrahim Kemoh Sesay was relieved of his duties August 4"
    r = gate.check_text(f"{true} [08FREETOWN389 ¶2].")
    assert r.sentences[0].verdict == "supported" and r.sentences[0].basis == "judge"
    neg = "Minister of Transportation and Aviation Ibrahim Kemoh Sesay was not relieved of his duties August 4"
    r = gate.check_text(f"{neg} [08FREETOWN389 ¶2].")
    assert r.sentences[0].verdict == "unsupported"
