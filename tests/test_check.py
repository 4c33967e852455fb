"""The citation checker on real paragraphs: quotes, paraphrases, fabrications, invalid citations."""

from __future__ import annotations

import pytest

from rag.check.citations import find_citations


@pytest.fixture(scope="module")
def checker(real_pipeline):  # type: ignore[no-untyped-def]
    return real_pipeline.attributor


def test_true_quote_is_supported(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text(
        "Minister of Transportation and Aviation Ibrahim Kemoh Sesay was relieved of his duties "
        "August 4 [08FREETOWN389 ¶2]."
    )
    assert r.sentences[0].verdict == "supported" and not r.invalid_citations and r.ok


def test_paraphrase_is_supported_or_partial(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text(
        "Ambassador Daniel Benjamin met President Saleh for 35 minutes on January 31 (10SANAA221 para 1)."
    )
    assert r.sentences[0].verdict in {"supported", "partial"}


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


def test_header_citation_uses_metadata(checker) -> None:  # type: ignore[no-untyped-def]
    r = checker.check_text("Cable 05ISTANBUL890 was classified CONFIDENTIAL [05ISTANBUL890 ¶0].")
    assert r.sentences[0].verdict == "supported"


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
