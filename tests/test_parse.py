"""The real parser on real cables: seeds, the whole sample, HTML/text pairs, the CSV layout, the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from rag.ingest.parse import iter_cables, parse_bytes, parse_one
from rag.ingest.parse.body import PAGE_BREAK
from rag.records import Cable

from . import samples
from .conftest import FIXTURES, REPO

pages = samples.pages  # fixtures shared by the parser tests
sample = samples.sample

SEED_WEB = FIXTURES / "seeds" / "000_d0dd0442f83ff540.txt"
SEED_RAW = FIXTURES / "seeds" / "001_60a81c5ffc7b069b.txt"
PAIRS = [
    "01PRETORIA1173",
    "05BRASILIA1207",
    "08CAIRO1637",
    "08RIYADH1134",
    "09ABUDHABI347",
    "09ANKARA1583",
    "09ASHGABAT248",
    "09KHARTOUM249",
    "09MANAMA642",
    "09STATE14577",
    "10RIYADH123",
    "89PANAMA8545",
]


def test_seed_web_page_copy() -> None:
    c = parse_one(SEED_WEB)
    assert (c.id, c.created, c.released) == ("07MOSCOW828", "2007-02-27 16:37", "2011-08-30 01:44")
    assert (c.origin, c.classification) == ("Embassy Moscow", "CONFIDENTIAL")
    assert c.subject == "AMBASSADOR DISCUSSES HAMAS VISIT, SYRIA, AND IRAQ WITH DFM SALTANOV"
    assert c.tags == ("PREL", "KPAL", "EAID", "IS", "LE", "SY", "IZ", "SA", "RS")
    assert c.signer == "BURNS"
    assert [p.num for p in c.paragraphs] == list(range(10))
    p5 = c.paragraphs[5].text
    assert "Saltanov did note that" in p5 and "did n ote" not in p5
    assert "00000828" not in p5 and "002 OF 002" not in p5
    assert all("SIPDIS" not in p.text for p in c.paragraphs[1:])
    assert "Wikileaks" not in c.paragraphs[-1].text and "WordPress" not in c.paragraphs[-1].text
    assert c.paragraphs[-1].text.endswith("BURNS")
    assert c.paragraphs[2].heading == "HAMAS VISIT"  # the heading left ¶1 and introduces ¶2
    assert "HAMAS VISIT" not in c.paragraphs[1].text
    assert all(p.marking == "C" for p in c.paragraphs[1:])


def test_seed_raw_telegram() -> None:
    c = parse_one(SEED_RAW)
    assert c.id == "06MOSCOW1323"
    assert c.created == "2006-02-10 15:26"
    assert (c.origin, c.classification) == ("Embassy Moscow", "CONFIDENTIAL")
    assert c.subject == "RUSSIAN DFM SALTANOV ON INVITATION TO HAMAS"
    assert c.tags == ("PREL", "PGOV", "PTER", "RS")
    assert c.signer == "BURNS"
    assert [p.num for p in c.paragraphs] == list(range(8))
    assert "[PREL](#)" not in c.paragraphs[0].text
    assert c.classified_by.startswith("Ambassador William J. Burns")


def test_whole_sample_parses(sample: dict[str, Cable]) -> None:
    assert len(sample) == 1295
    assert sum(c.partial for c in sample.values()) == 92
    assert sum(not c.numbered for c in sample.values()) <= 30
    # the link text, not the (wrong) title attribute, gives the classification
    assert sample["07TALLINN366"].classification in {
        "CONFIDENTIAL",
        "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
        "SECRET",
        "UNCLASSIFIED",
        "SECRET//NOFORN",
        "CONFIDENTIAL//NOFORN",
    }
    assert sum(bool(c.signer) for c in sample.values()) >= 1100
    assert sum(bool(c.tags) for c in sample.values()) >= 1250


def _viewer_paragraphs(page: str) -> dict[int, str] | None:
    """The viewer's own ¶ numbering, for cables numbered regularly (consecutive, no repeats)."""
    body = re.findall(r"<pre>(.*?)</pre>", page, re.S)[-1]
    parts = re.split(r"<a id='par\w+' href='#par\w+'>¶</a>(\w+)\.", body)
    labels, texts = parts[1::2], parts[2::2]
    nums = [int(x) for x in labels if x.isdigit()]
    if not nums or nums != list(range(nums[0], nums[0] + len(nums))):
        return None
    out: dict[int, str] = {}
    cur = None
    for lab, t in zip(labels, texts, strict=True):
        t = unescape(re.sub(r"<[^>]+>", "", t))
        if lab.isdigit():
            cur = int(lab)
            out[cur] = t
        elif cur is not None:
            out[cur] += f" {lab}. {t}"
    return out


# a post's "Visit our Classified Web Site at <url>" line: boilerplate the parser drops (and counts), wherever it is
SITE = re.compile(
    r"(?:please\s+)?visit\s[^\n]{0,80}classified\s*web\s*-?\s*site[^\n]*(?:\n[^\n]*(?:http|www|\.gov|\.cfm|Portal|blog)[^\n]*){0,2}",
    re.I,
)


def _keep_name(m: re.Match[str]) -> str:
    """The signer's name may stand on the site line, after the URL: it stays."""
    name = re.search(r"\s([A-Z][A-Za-z'\-]{2,})\s*$", m.group(0))
    return f" {name.group(1)}" if name else " "


def _words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", s.lower())


def test_agreement_with_viewer_numbering(pages: dict[str, str], sample: dict[str, Cable]) -> None:
    """Numbers equal the viewer's; each text is the viewer's paragraph minus page breaks, SIPDIS, marking and a
    trailing section heading (which moves to the next paragraph)."""
    regular = agree = 0
    for cid, page in pages.items():
        ref = _viewer_paragraphs(page)
        if ref is None:
            continue
        regular += 1
        c = sample[cid]
        ours = [p for p in c.paragraphs if p.num > 0]
        if [p.num for p in ours] != list(ref):
            continue
        ok = True
        for i, p in enumerate(ours):
            # letters and digits only, so re-joined words and collapsed spaces compare equal
            allowed = _words(ours[i + 1].heading) if i + 1 < len(ours) else []
            theirs = " ".join(ref[p.num].split("\n"))
            no_site = SITE.sub(_keep_name, ref[p.num])
            theirs_j = "".join(w for w in _words(PAGE_BREAK.sub("", no_site)) if w != "sipdis")
            mine_j = "".join(_words(p.text))
            for w in [*allowed, *_words(p.marking)]:
                theirs_j = theirs_j.replace(w, "", 1) if w in theirs_j and w not in mine_j else theirs_j
            # ours may drop what follows the signature (site links, declassification stamps)
            if (
                mine_j not in theirs_j
                and not theirs_j.startswith(mine_j[:-40] if len(mine_j) > 40 else mine_j)
                or len(theirs_j) - len(mine_j) > max(160, 0.15 * len(theirs_j))
            ):
                ok = False
            if not ok or not theirs:
                break
        agree += ok
    assert regular >= 1050
    assert agree / regular >= 0.99, f"{agree}/{regular}"


@pytest.mark.parametrize("cid", PAIRS)
def test_same_cable_html_and_text(cid: str, pages: dict[str, str]) -> None:
    h = parse_bytes(pages[cid].encode(), f"{cid}.html")
    t = parse_one(FIXTURES / "plain-text" / f"{cid}.txt")
    assert t.id == h.id == cid
    assert [(p.label, p.marking, p.text) for p in t.paragraphs] == [(p.label, p.marking, p.text) for p in h.paragraphs]
    assert t.signer == h.signer and t.tags == h.tags


def test_csv_release_layout_matches_html(pages: dict[str, str]) -> None:
    results = list(iter_cables([FIXTURES / "csv" / "cables.csv"]))
    cables = [r for r in results if isinstance(r, Cable)]
    errors = [r for r in results if not isinstance(r, Cable)]
    assert len(cables) == 6
    assert len(errors) == 1 and "expected 8 columns" in str(errors[0]) and "row 7" in str(errors[0])
    ids = [c.id for c in cables]
    assert "08BUENOSAIRES235" in ids  # the glued-in malformed ID 08EFTOBUENOSAIRES235 repaired from the banner
    for c in cables:
        h = parse_bytes(pages[c.id].encode(), c.id)
        assert [(p.label, p.text) for p in c.paragraphs] == [(p.label, p.text) for p in h.paragraphs]
        assert c.created == h.created


def test_all_plain_text_fixtures_parse() -> None:
    results = list(iter_cables([FIXTURES / "plain-text"]))
    assert len(results) == 60
    assert all(isinstance(r, Cable) for r in results), [str(r) for r in results if not isinstance(r, Cable)]
    assert all(len(r.paragraphs) >= 2 for r in results if isinstance(r, Cable))


def test_duplicate_numbers_get_distinct_ids(sample: dict[str, Cable]) -> None:
    c = sample["06BEIJING23571"]
    pids = [str(p.ref) for p in c.paragraphs]
    assert len(pids) == len(set(pids))
    assert "06BEIJING23571 ¶3b" in pids and "06BEIJING23571 ¶3" in pids
    assert c.paragraph("3b") is not None and c.paragraph("3b").num == 3  # type: ignore[union-attr]


def test_years_are_not_paragraphs(sample: dict[str, Cable]) -> None:
    assert all(p.num < 300 for c in sample.values() for p in c.paragraphs)
    assert [p.num for p in sample["06MADRID2657"].paragraphs if p.num] == list(range(1, 10))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x00\x01\x02binary\x00" * 50, "binary file"),
        (b"<html><body><table class='cable'><tr><td>x</td></tr>", "no <pre>"),
        (b"just some words with no cable in them at all", "no cable ID"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, data: bytes, reason: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_bytes(data)
    [r] = list(iter_cables([f]))
    assert not isinstance(r, Cable)
    assert str(f) in str(r) and reason in str(r)


def test_truncated_html_still_parses(pages: dict[str, str]) -> None:
    page = pages["07TALLINN366"]
    cut = page[: page.find("<a id='par5'")]
    c = parse_bytes(cut.encode(), "cut.html")
    assert c.id == "07TALLINN366" and [p.num for p in c.paragraphs][-1] == 4


def test_windows_1252_text(tmp_path: Path) -> None:
    text = SEED_RAW.read_text().replace("Saltanov stressed", "Saltanov \u2019stressed\u2019")
    f = tmp_path / "cp1252.txt"
    f.write_bytes(text.encode("cp1252"))
    c = parse_one(f)
    assert "\u2019stressed\u2019" in c.paragraphs[2].text


def test_huge_file_is_refused_not_loaded(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    good = tmp_path / "good.txt"
    good.write_bytes(SEED_RAW.read_bytes())
    results = list(iter_cables([tmp_path]))
    errs = [r for r in results if not isinstance(r, Cable)]
    assert len(errs) == 1 and "200 MB" in str(errs[0])
    assert [r.id for r in results if isinstance(r, Cable)] == ["06MOSCOW1323"]


def test_one_broken_file_never_stops_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SEED_WEB.read_bytes())
    (tmp_path / "b.html").write_bytes(b"\x00\x00garbage")
    (tmp_path / "c.txt").write_bytes(SEED_RAW.read_bytes())
    results = list(iter_cables([tmp_path]))
    assert sorted(r.id for r in results if isinstance(r, Cable)) == ["06MOSCOW1323", "07MOSCOW828"]
    assert len([r for r in results if not isinstance(r, Cable)]) == 1


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_cli_parse_contract(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"")
    r = _cli("parse", str(SEED_WEB), str(tmp_path / "bad.txt"), "--json")
    assert r.returncode == 0
    obj = json.loads(r.stdout.strip().splitlines()[0])
    assert set(obj) >= {
        "id",
        "created",
        "released",
        "origin",
        "classification",
        "subject",
        "tags",
        "refs",
        "signer",
        "source",
        "paragraphs",
    }
    assert obj["paragraphs"][0]["num"] == 0 and isinstance(obj["paragraphs"][5]["num"], int)
    assert set(obj["paragraphs"][1]) >= {"num", "marking", "text"}
    assert f"{tmp_path / 'bad.txt'}: empty file" in r.stderr
    assert "parsed 1 cables, skipped 1" in r.stderr
    assert _cli("parse", str(tmp_path / "bad.txt")).returncode == 1
    assert _cli("parse").returncode == 2
