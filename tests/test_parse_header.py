"""Header fields at reference quality (issue 16): REF as Reference records, canonical post names, TAGS, subject,
classified-by and signer, on real cables (sample, plain-text corpus), on telegrams written in the layouts seen
there (tests/fixtures/headers/), and a check over the whole sample that no cable ID is invented."""

from __future__ import annotations

import re

import pytest

from rag.ids import canonical_id, canonical_post, post_table, split_id
from rag.ingest.parse import parse_one
from rag.ingest.parse.header import classified_by_in_text, subject, tags
from rag.ingest.parse.refs import parse_refs
from rag.records import Cable

from .conftest import FIXTURES
from .samples import load_pages, parse_pages

HEADERS = FIXTURES / "headers"


@pytest.fixture(scope="module")
def sample() -> dict[str, Cable]:
    return parse_pages(load_pages())


def _refs(header: str, year: int = 2008, own: str = "08LAPAZ2999") -> list[tuple[str, str, str]]:
    return [(r.letter, r.kind, r.cable_id or r.text) for r in parse_refs(header, year, own)]


# -- canonical post names


@pytest.mark.parametrize(
    ("written", "canon"),
    [
        ("LA PAZ", "LAPAZ"),
        ("Port-au-Prince", "PORTAUPRINCE"),
        ("PORT AU PRINCE", "PORTAUPRINCE"),
        ("Rio", "RIODEJANEIRO"),
        ("RIO DE JANEIRO", "RIODEJANEIRO"),
        ("UNVIE", "UNVIEVIENNA"),
        ("USUN NEW YORK", "USUNNEWYORK"),
        ("USEU BRUSSELS", "USEUBRUSSELS"),
        ("VATICAN", "VATICAN"),
        ("HCMC", "HOCHIMINHCITY"),
        ("N'DJAMENA", "NDJAMENA"),
        ("AMEMBASSY SAN SALVADOR", "SANSALVADOR"),
        ("SECSTATE WASHDC", "STATE"),
        ("Sao Paulo", "SAOPAULO"),
    ],
)
def test_canonical_post_names(written: str, canon: str) -> None:
    assert canonical_post(written) == canon


def test_post_table_covers_every_sample_and_fixture_prefix(sample: dict[str, Cable]) -> None:
    ids = set(sample) | {p.stem for p in (FIXTURES / "plain-text").glob("*.txt")}
    prefixes = {split_id(i)[1] for i in ids if split_id(i)}  # type: ignore[index]
    assert prefixes <= set(post_table().values())
    assert canonical_post("IIR") is None and canonical_post("OSC") is None and canonical_post("PAZ") is None


def test_own_ids_use_canonical_names() -> None:
    assert canonical_id("09 SECSTATE 123") == "09STATE123"
    assert canonical_id("07USUN00088") == "07USUNNEWYORK88"
    assert parse_one(HEADERS / "89USUNNEWYORK567.txt").id == "89USUNNEWYORK567"


# -- REF, phenomenon by phenomenon (header text in the layouts cables use)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("SUBJECT: X REF: LA PAZ 1950\n", [("", "cable", "08LAPAZ1950")]),  # label after the subject
        ("Ref: london 4212\n", [("", "cable", "08LONDON4212")]),
        ("Refs: a) vienna 350 b) vienna 309\n", [("A", "cable", "08VIENNA350"), ("B", "cable", "08VIENNA309")]),
        ("REFTEL: HARARE 6584\n", [("", "cable", "08HARARE6584")]),
        (
            "REF A SECRETARY'S LETTER TO MBZ\nREF B SECSTATE 76108\n",
            [("A", "memo", "SECRETARY'S LETTER TO MBZ"), ("B", "cable", "08STATE76108")],
        ),
        (
            "REF: A. STATE 1\n     B. 07 LA PAZ 3153\n     C. MOSCOW 2\n",
            [("A", "cable", "08STATE1"), ("B", "cable", "07LAPAZ3153"), ("C", "cable", "08MOSCOW2")],
        ),
        (
            "REF: A. A) SECSTATE 52920\nB. B) HALL - MANZANARES E-MAIL OF 3/23\n",
            [("A", "cable", "08STATE52920"), ("B", "e-mail", "HALL - MANZANARES E-MAIL OF 3/23")],
        ),
        ("REF: Sao Paulo 123\n", [("", "cable", "08SAOPAULO123")]),
        ("REF: PORT AU PRINCE 45\n", [("", "cable", "08PORTAUPRINCE45")]),
        ("REF: RIO 346\n", [("", "cable", "08RIODEJANEIRO346")]),
        ("REF: UNVIE 544\n", [("", "cable", "08UNVIEVIENNA544")]),
        ("REF: USEU BRUSSELS 12\n", [("", "cable", "08USEUBRUSSELS12")]),
        ("REF: 2007 MANAGUA 55\n", [("", "cable", "07MANAGUA55")]),
        ("REF: MANAGUA 55 (07)\n", [("", "cable", "07MANAGUA55")]),
        ("REF: STATE 75001-91\n", [("", "cable", "91STATE75001")]),
        ("REF: STATE 1234 AND 1240\n", [("", "cable", "08STATE1234"), ("", "cable", "08STATE1240")]),
        ("REF: MOSCOW 936/935\n", [("", "cable", "08MOSCOW936"), ("", "cable", "08MOSCOW935")]),
        ("REF: 08SEP8 TELCON WITH MFA\n", [("", "telcon", "08SEP8 TELCON WITH MFA")]),
        ("REF: 07MAIL10 FROM POLOFF\n", [("", "e-mail", "07MAIL10 FROM POLOFF")]),
        ("REF: A. OSC CPP20071019968173\n", [("A", "report", "OSC CPP20071019968173")]),
        ("REF: A) 2006 IIR 6 854 0025 07\n", [("A", "report", "2006 IIR 6 854 0025 07")]),
        ("REF: A. TD-314/18176-06\n", [("A", "report", "TD-314/18176-06")]),
        ("REF: NICODEMUS/PALMER E-MAILS\n", [("", "e-mail", "NICODEMUS/PALMER E-MAILS")]),
        ("REF: Beijing XXXXXXXXXXXXX\n", [("", "cable", "Beijing XXXXXXXXXXXXX")]),  # redacted: no ID made up
        ("REF: None\n", []),
        (
            "REF: STATE 297614 AND PREVIOUS 03 RANGOON 1427\n",
            [("", "cable", "08STATE297614"), ("", "cable", "03RANGOON1427")],
        ),
        ("REF: ASUNCION 396 Classified By: AMBASSADOR CRAIG KELLY; Reasons 1.4(b)\n", [("", "cable", "08ASUNCION396")]),
        # the cable's own page-break line right after the REF line is no reference
        ("REF: MADRID 2251\nMADRID 00002282 001.2 OF 002\n", [("", "cable", "08MADRID2251")]),
        # a higher number of the post's own series without a year is last year's
        ("REF: LA PAZ 3178\n", [("", "cable", "07LAPAZ3178")]),
        # the number wrapped onto a line of its own after a blank line
        (
            "REF: (A) MADRID 3785 (B) SECSTATE\n\n36633\n\n1. TEXT",
            [("A", "cable", "08MADRID3785"), ("B", "cable", "08STATE36633")],
        ),
    ],
)
def test_ref_phenomena(header: str, expected: list[tuple[str, str, str]]) -> None:
    assert _refs(header) == expected


def test_own_id_is_never_a_reference() -> None:
    assert _refs("REF: LA PAZ 2999\n") == []


def test_refs_of_written_fixture() -> None:
    c = parse_one(HEADERS / "08LAPAZ2999.txt")
    got = [(r.letter, r.kind, r.cable_id) for r in c.refs]
    assert got[:5] == [
        ("", "cable", "08LAPAZ1950"),
        ("A", "cable", "08LAPAZ2569"),
        ("B", "cable", "07LAPAZ3153"),
        ("C", "cable", "08STATE1234"),
        ("C", "cable", "08STATE1240"),
    ]
    kinds = {r.letter: r.kind for r in c.refs}
    assert (kinds["E"], kinds["F"], kinds["J"], kinds["K"]) == ("e-mail", "report", "telcon", "report")
    assert [r.cable_id for r in c.refs if r.letter and r.letter in "GHI"] == [
        "07PORTAUPRINCE455",
        "08SAOPAULO123",
        "07USUNNEWYORK88",
    ]
    assert all(not r.cable_id for r in c.refs if r.kind != "cable")


def test_refs_of_real_cables(sample: dict[str, Cable]) -> None:
    def got(cid: str) -> list[tuple[str, str, str]]:
        return [(r.letter, r.kind, r.cable_id or r.text) for r in sample[cid].refs]

    assert got("07TALLINN366") == [
        ("A", "cable", "07TALLINN276"),
        ("B", "cable", "07TALLINN280"),
        ("C", "cable", "07TALLINN347"),
        ("D", "e-mail", "LEE-GOLDSTEIN EMAIL 05/11/07"),
    ]
    assert got("08BERLIN1068") == [("A", "cable", "08STATE77660"), ("B", "cable", "08BERLIN1000")]  # mixed case
    assert got("06LAPAZ3400") == [("", "cable", "06LAPAZ3178")]
    assert got("05BRASILIA1396")[:3] == [
        ("A", "cable", "04STATE305348"),
        ("B", "cable", "04STATE139422"),
        ("C", "cable", "04BRASILIA633"),
    ]
    assert [k for _, k, _ in got("06CARACAS958")] == ["cable", "cable", "cable", "report", "report", "cable", "report"]
    assert got("07MADRID2282") == [("", "cable", "07MADRID2251")]  # its own page-break line follows the REF
    assert got("72TEHRAN1164") == [
        ("", "cable", "72TEHRAN1091"),
        ("", "cable", "72TEHRAN263"),
        ("", "cable", "72MOSCOW1603"),
    ]
    assert sample["09RPODUBAI379"].refs[0].cable_id == "09RPODUBAI378"  # "DUBAI RPO 378"


def test_no_cable_id_is_invented(sample: dict[str, Cable]) -> None:
    """Every referenced ID comes from a known post and a number written in that cable's header; other kinds
    carry no ID; no cable references itself."""
    known = set(post_table().values())
    n = 0
    for c in sample.values():
        head = c.paragraphs[0].text
        for r in c.refs:
            if r.kind != "cable":
                assert not r.cable_id, (c.id, r)
                continue
            if not r.cable_id:
                continue
            n += 1
            _, post, num = split_id(r.cable_id)  # type: ignore[misc]
            assert post in known and r.cable_id != c.id, (c.id, r)
            assert re.search(rf"(?<!\d)0*{num}(?!\d)", head), (c.id, r)
    assert n >= 1300


def test_sample_reference_coverage(sample: dict[str, Cable]) -> None:
    with_refs = [c for c in sample.values() if c.refs]
    assert len(with_refs) >= 720
    kinds = {r.kind for c in with_refs for r in c.refs}
    assert {"cable", "e-mail", "report", "telcon", "memo", "other"} <= kinds


# -- TAGS, subject, classified by, signer


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("TAGS: PREL KPAL EAID IS\n", ("PREL", "KPAL", "EAID", "IS")),
        ("Tags: parm, prel, ettc, ir\n", ("PARM", "PREL", "ETTC", "IR")),
        ("TAG: PREL, PGOV\n", ("PREL", "PGOV")),
        ("TABS: PREL, PGOV\n", ("PREL", "PGOV")),
        ("TAGS: PREL SIPDIS PGOV\n", ("PREL", "PGOV")),
        ("TAGS: ECON EINDETRD KIPR FR\n", ("ECON", "EIND", "ETRD", "KIPR", "FR")),  # glued
        ("TAGS: KDEM PGOV KDEMAF\n", ("KDEM", "PGOV", "AF")),
        ("TAGS: PREL, BIDEN, JOSEPH, PGOV\n", ("PREL", "BIDEN, JOSEPH", "PGOV")),  # person tag
        ("Tags: ovip (steinberg, james b.), prel\n", ("OVIP", "STEINBERG, JAMES B.", "PREL")),
        ("TAGS: PREL PGOV EUN USEU BRUSSELS\n", ("PREL", "PGOV", "EUN", "USEU", "BRUSSELS")),
        ("TAGS: PREL PTER SNAR\nSECRET PAGE 02 ROME 00000478 001.2 OF 002\nIR\n", ("PREL", "PTER", "SNAR", "IR")),
        ("TAGS: PREL, UNGA, IAEA\n", ("PREL", "UNGA", "IAEA")),
        ("TAGS: OVIP CLINTON HILLARY PREL KPAL\n", ("OVIP", "CLINTON, HILLARY", "PREL", "KPAL")),
    ],
)
def test_tags(header: str, expected: tuple[str, ...]) -> None:
    assert tags(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("SUBJECT: (C) EUR DAS KRAMER'S MEETING\n\n", "EUR DAS KRAMER'S MEETING"),
        (
            "Subject: (s) germany requests release\nof a nonpaper\n\nRef: a. State 1\n",
            "germany requests release of a nonpaper",
        ),
        (
            "SUBJECT: BRAZIL: AMBASSADOR PRESENTS CREDENTIALS CLASSIFIED BY: Thomas A. Shannon\n",
            "BRAZIL: AMBASSADOR PRESENTS CREDENTIALS",
        ),
        ("SUBJECT: MORALES SPEAKS ON COCA \\\nPOLICY  REF: LA PAZ 1950\n", "MORALES SPEAKS ON COCA POLICY"),
        ("SUBJECT: PAKISTANI AMBASSADOR ON FATA\nRIYADH 00001415 001.2 OF 003\n\n", "PAKISTANI AMBASSADOR ON FATA"),
        ("SUBJECT: german test chamber sold to\niran's dio (s)\n\n", "german test chamber sold to iran's dio"),
    ],
)
def test_subject(header: str, expected: str) -> None:
    assert subject(header) == expected


def test_classified_by_inside_paragraph_one() -> None:
    body = "1. (C) CLASSIFIED BY AMBASSADOR THOMAS R. PICKERING. REASON: 1.5 (B) AND (D).\n\n2. (C) TEXT.\n"
    assert classified_by_in_text(body) == "AMBASSADOR THOMAS R. PICKERING. REASON: 1.5 (B) AND (D)."
    c = parse_one(FIXTURES / "plain-text" / "96ISLAMABAD5972.txt")
    assert c.classified_by == "THOMAS W. SIMONS, JR., AMBASSADOR. REASON: 1.5 (B), (C) AND (D)."
    assert parse_one(HEADERS / "89USUNNEWYORK567.txt").classified_by.startswith("AMBASSADOR THOMAS R. PICKERING")


def test_classified_by_ends_with_its_reasons(sample: dict[str, Cable]) -> None:
    assert sample["07BAGHDAD3504"].classified_by.endswith("for reasons 1.4 (b) and (d)")
    assert sample["07KABUL185"].classified_by == "A/DCM Sara Rosenberry for reasons 1.4 (B) and (D)."
    assert "Ref" not in sample["09ABUJA1907"].classified_by


def test_signer_past_trailing_lines(sample: dict[str, Cable]) -> None:
    assert parse_one(HEADERS / "08LAPAZ2999.txt").signer == "GOLDBERG"  # "-" and classification lines follow
    assert parse_one(HEADERS / "89USUNNEWYORK567.txt").signer == "PICKERING"  # "-", CONFIDENTIAL, NNNN
    assert sample["75TEHRAN2069"].signer == "HELMS"  # a declassification note follows
    assert sample["07PARIS186"].signer == "STAPLETON"  # the site line stands between text and name
    assert sample["10MADRID87"].signer == "SOLOMONT"  # a redacted line above the name
    assert sample["05LONDON4981"].signer == "JOHNSON"  # "End of text." / "xxxxx" / "Johnson"
    assert sample["08LONDON1176"].signer == "TUTTLE"  # on the site line, after the URL
    assert sample["06PARIS7755"].signer == "STAPLETON"  # after a URL broken by a space ("index.c fm")
    assert sample["09TELAVIV1688"].signer == "CUNNINGHAM"  # under a "*****" rule
    assert sample["04CARACAS2200"].signer == "MCFARLAND"  # NNNN and an archive line follow
    assert parse_one(FIXTURES / "plain-text" / "10CHENGDU30.txt").signer == "BROWN"  # glued: `down."BROWN`
    assert not any(re.search(r"XXX|SIGNATURE", c.signer) for c in sample.values())


def test_words_split_at_line_ends_are_joined(sample: dict[str, Cable]) -> None:
    text = " ".join(p.text for c in sample.values() for p in c.paragraphs)
    assert "Affa irs" not in text and "did n ote" not in text


def test_panel_shows_labelled_header_and_folds_routing(sample: dict[str, Cable]) -> None:
    from rag.present.html import cable_html

    page = cable_html(sample["09KHARTOUM881"])
    header = page[page.index('id="para-0"') :].split('id="para-1"')[0]
    visible = re.sub(r"<details.*?</details>", "", header, flags=re.S)
    assert "VZCZC" not in visible and "RUEH" not in visible
    assert re.search(r"<details class=\"routing\"><summary>routing</summary>[^<]*VZCZC[^<]*RUEH", header)
    assert "<b>REF:</b> 09KHARTOUM378" in visible and "<b>TAGS:</b> ASEC PINS" in visible
    assert "<th>References</th><td>09KHARTOUM378</td>" in page


def test_cli_parse_json_exposes_references() -> None:
    import json
    import subprocess
    import sys

    from .conftest import REPO

    r = subprocess.run(
        [sys.executable, "-m", "rag.cli", "parse", str(HEADERS / "08LAPAZ2999.txt"), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    obj = json.loads(r.stdout)
    assert obj["refs"][1] == {"letter": "A", "kind": "cable", "cable_id": "08LAPAZ2569", "text": "LA PAZ 2569"}
    assert {"letter": "E", "kind": "e-mail", "cable_id": None, "text": "SMITH-JONES E-MAIL 03/04/08"} in obj["refs"]
    assert obj["dropped_chars"] > 0


def test_metadata_answer_lists_references() -> None:
    from rag.answer.metadata import asked_field, metadata_answers

    c = parse_one(HEADERS / "08LAPAZ2999.txt")
    assert asked_field("Which cables does 08LAPAZ2999 reference?") == ("refs", "08LAPAZ2999")
    (a,) = metadata_answers("refs", c)
    assert "08LAPAZ2569" in a.text
