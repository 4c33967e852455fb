"""No cable text is lost in parsing (issue 16): every sample cable keeps >= 99% of its body's letters and digits,
measured against an extraction of the viewer's <pre> body written here, independently of the parser; what the
parser drops as boilerplate is counted, per cable and in the ingest report."""

from __future__ import annotations

import html
import re
from pathlib import Path

from rag.index.reader import Index
from rag.ingest.build import ingest
from rag.ingest.parse import parse_one
from rag.records import Cable
from rag.settings import Settings

from . import samples
from .conftest import FIXTURES, FakeEmbedder

pages = samples.pages  # fixtures shared by the parser tests
sample = samples.sample

K = 10  # letters and digits in a row that must match for a body character to count as kept
# what is not cable text, by this test's own definition: the viewer's numbers and portion markings, page-break
# lines, SIPDIS, the viewer's date line, the database artefact, a post's "Visit our Classified Web Site" line,
# end-of-message marks
NOT_TEXT = (
    re.compile(r"^[ \t]*\d{1,3}\.[ \t]*(?:\([A-Za-z/ \-]{1,24}\))?", re.M),
    re.compile(r"^[ \t]*[A-Z][A-Z .'\-]{1,30}[ \t]+\d{5,9}[ \t]+\d{3}(?:\.\d)?[ \t]+OF[ \t]+\d{3}[ \t]*$", re.M),
    re.compile(r"PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .]{1,30}?[ \t]+\d{3,6}[ \t]+\d{2}[ \t]+OF[ \t]+\d{2}[ \t]+\d{6}Z"),
    re.compile(r"\bSIPDIS\b", re.I),
    re.compile(r"^\w+day, \d{1,2} \w+ \d{4}, \d{2}:\d{2}[ \t]*$", re.M),
    re.compile(r"^SELECT \* FROM .*$", re.M),
    re.compile(
        r"(?:please\s+)?visit\s[^\n]{0,80}classified\s*web\s*-?\s*site[^\n]*"
        r"(?:\n[^\n]*(?:http|www|\.gov|\.cfm|Portal|blog)[^\n]*){0,2}",
        re.I,
    ),
    re.compile(r"^[ \t]*(?:NNNN|\*+|-+|=+.*CABLE ENDS.*)[ \t]*$", re.M),
)


def _alnum(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def viewer_body(page: str) -> str:
    body = re.findall(r"<pre>(.*?)</pre>", page, re.S)[-1]
    body = re.sub(r"<a id='par\w+' href='#par\w+'>¶</a>", "", body)
    text = html.unescape(re.sub(r"<[^>]+>", "", body))
    for pat in NOT_TEXT:
        text = pat.sub(" ", text)
    return _alnum(text)


def kept_share(theirs: str, cable: Cable) -> float:
    """Share of the body's letters and digits that lie in a run of K found in the parsed paragraphs."""
    ours = _alnum(" ".join(f"{p.heading} {p.text}" for p in cable.paragraphs))
    grams = {ours[i : i + K] for i in range(len(ours) - K + 1)}
    covered = bytearray(len(theirs))
    for i in range(len(theirs) - K + 1):
        if theirs[i : i + K] in grams:
            covered[i : i + K] = b"\x01" * K
    return sum(covered) / len(theirs) if theirs else 1.0


def test_every_sample_cable_keeps_its_text(pages: dict[str, str], sample: dict[str, Cable]) -> None:
    shares = {cid: kept_share(viewer_body(page), sample[cid]) for cid, page in pages.items()}
    worst = sorted(shares.items(), key=lambda kv: kv[1])[:5]
    assert len(shares) == 1295
    assert all(s >= 0.99 for s in shares.values()), worst


def test_the_four_reported_losses_are_gone(sample: dict[str, Cable]) -> None:
    p1 = sample["04PARIS8983"].paragraph("1")
    assert p1 is not None and len(p1.text) > 14000 and "OVERVIEW" in p1.text
    assert p1.text.index("OVERVIEW") < len(p1.text) - 10000  # the whole annual report follows the heading
    p10 = sample["10USNATO52"].paragraph("10")
    assert p10 is not None and len(p10.text.split("BEGIN TEXT", 1)[1]) > 1500
    p12 = sample["10BELGRADE19"].paragraph("12")
    assert p12 is not None and len(p12.text.split("ADDRESS BY", 1)[1]) > 2000
    berlin = sample["08BERLIN1068"]
    assert [p.label for p in berlin.paragraphs] == ["0", "1", "2", "3", "4"]
    assert [p.marking for p in berlin.paragraphs[1:]] == ["U", "S", "S", "SBU"]
    assert "On August 4" not in berlin.paragraphs[0].text and "On August 4" in berlin.paragraphs[3].text
    assert berlin.paragraphs[4].text.endswith("paragraph 3. Koenig") and berlin.signer == "KOENIG"


def test_headings_and_quoted_texts_after_the_last_paragraph_stay() -> None:
    c = parse_one(FIXTURES / "headers" / "89USUNNEWYORK567.txt")
    last = c.paragraphs[-1].text
    assert "BEGIN TEXT" in last and "OVERVIEW THE STATEMENT WAS AGREED" in last and last.endswith("PICKERING")
    assert "NNNN" not in last and not last.endswith("CONFIDENTIAL")


def test_dropped_boilerplate_is_counted(sample: dict[str, Cable]) -> None:
    ankara = sample["09ANKARA1549"]
    assert "Classified Web Site" not in ankara.paragraphs[-1].text and ankara.signer == "JEFFREY"
    assert ankara.dropped_chars >= len(_alnum("Visit Ankara's Classified Web Site at http://www.intelink.sgov.gov"))
    web = parse_one(FIXTURES / "seeds" / "000_d0dd0442f83ff540.txt")
    chrome = _alnum("Wikileaks Advertisements Post a comment or leave a trackback: Trackback URL. Leave a Reply")
    assert web.dropped_chars >= len(chrome) and "WordPress" not in web.paragraphs[-1].text
    assert web.paragraphs[-1].text.endswith("BURNS")
    assert sum(c.dropped_chars for c in sample.values()) > 0


def test_ingest_report_counts_dropped_characters(tmp_path: Path) -> None:
    seeds = FIXTURES / "seeds"
    expected = sum(parse_one(p).dropped_chars for p in sorted(seeds.glob("*.txt")))
    report = ingest([seeds], Settings(index_dir=str(tmp_path / "i")), embedder=FakeEmbedder(), progress=False)
    assert report.dropped_chars == expected > 0
    assert f"{expected} characters dropped as boilerplate" in report.summary()


def test_references_survive_the_index(tmp_path: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "i"))
    ingest([FIXTURES / "headers"], s, embedder=FakeEmbedder(), progress=False)
    stored = Index.load(s, expect_embedder=FakeEmbedder.name).cable("08LAPAZ2999")
    assert stored is not None
    assert stored.refs == parse_one(FIXTURES / "headers" / "08LAPAZ2999.txt").refs
