"""REF threads on real cables: cites / cited by across segments (superseded copies left out), the cable panel's
thread links, retrieval that follows a reference, the follow-up rule, and the thread filters."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from rag.answer.conversation import Turn, standalone_question
from rag.cli.common import threads_of
from rag.index.reader import Index
from rag.ingest.build import ingest
from rag.present.html import cable_html
from rag.present.json import hit_json
from rag.records import CableLink
from rag.retrieve.fusion import Retriever
from rag.retrieve.query import Filters, analyze
from rag.retrieve.thread import asks_about_refs, lean_of
from rag.settings import Settings

from .conftest import FIXTURES, FakeEmbedder, extract_subset

OSLO = ("08OSLO629", "08OSLO670")  # 08OSLO670: "REF: A. OSLO 629 B. OSLO 585 C. OSLO 522"; 629 cites 585
TALLINN = ("07TALLINN366", "07TALLINN375")  # 375: "REF: A. TALLINN 366 B. TALLINN 347"
LEANING_Q = "Which Norwegian ministers did the visiting USG officials meet in the fall to make the case for the JSF?"


def _load(s: Settings) -> Index:
    return Index.load(s, expect_embedder=FakeEmbedder.name)


@pytest.fixture(scope="module")
def cables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_subset(tmp_path_factory.mktemp("thread-cables"), OSLO + TALLINN)


@pytest.fixture(scope="module")
def two_segments(cables: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """08OSLO629 and 07TALLINN366 in one segment, the cables citing them in a second one."""
    s = Settings(index_dir=str(tmp_path_factory.mktemp("threads") / "idx"))
    ingest([cables / "08OSLO629.html", cables / "07TALLINN366.html"], s, embedder=FakeEmbedder(), progress=False)
    ingest([cables / "08OSLO670.html", cables / "07TALLINN375.html"], s, embedder=FakeEmbedder(), progress=False)
    return s


def test_cites_and_cited_by_both_ways_across_segments(two_segments: Settings) -> None:
    idx = _load(two_segments)
    assert len(idx.segments) == 2
    assert idx.cites("08OSLO670") == [
        CableLink("08OSLO629", "A", True),
        CableLink("08OSLO585", "B", False),
        CableLink("08OSLO522", "C", False),
    ]
    assert idx.cited_by("08OSLO629") == [CableLink("08OSLO670", "A")]
    assert idx.cited_by("08OSLO585") == [CableLink("08OSLO629", ""), CableLink("08OSLO670", "B")]
    assert idx.cited_by("07TALLINN366") == [CableLink("07TALLINN375", "A")]
    assert idx.cited_by("08OSLO670") == [] and idx.cites("09NOWHERE1") == []


def test_a_superseded_copy_no_longer_cites(two_segments: Settings, cables: Path, tmp_path: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "idx"))
    ingest([cables], s, embedder=FakeEmbedder(), progress=False)
    assert _load(s).cited_by("08OSLO629") == [CableLink("08OSLO670", "A")]
    edited = tmp_path / "08OSLO670.html"
    edited.write_text((cables / "08OSLO670.html").read_text().replace("A. A: OSLO 629 B.", "B."))
    ingest([edited], s, embedder=FakeEmbedder(), progress=False)
    idx = _load(s)
    assert len(idx.segments) == 2  # the old copy (citing 629) is still stored, superseded
    assert idx.cited_by("08OSLO629") == []
    assert [x.cable_id for x in idx.cites("08OSLO670")] == ["08OSLO585", "08OSLO522"]
    assert not any(m.any() for m in idx.allowed(Filters(references=("08OSLO629",))) if m is not None)


def test_panel_links_open_indexed_cables_and_say_when_one_is_not(two_segments: Settings) -> None:
    idx = _load(two_segments)
    cable = idx.cable("08OSLO670")
    assert cable is not None
    html = cable_html(cable, None, idx.cites("08OSLO670"), idx.cited_by("08OSLO670"))
    assert 'data-pid="08OSLO629 ¶0"' in html and 'class="cite thread"' in html  # opens in the panel
    assert "08OSLO585" in html and "not in this index" in html
    assert 'data-pid="08OSLO585' not in html  # nothing to open
    back = cable_html(idx.cable("08OSLO629"), None, idx.cites("08OSLO629"), idx.cited_by("08OSLO629"))  # type: ignore[arg-type]
    assert "Cited by" in back and 'data-pid="08OSLO670 ¶0"' in back


def test_retrieval_follows_the_reference_the_best_paragraph_leans_on(two_segments: Settings) -> None:
    idx = _load(two_segments)
    s = two_segments
    q = LEANING_Q  # its best paragraph, 08OSLO670 ¶2, says "(see refs A,B)"; of those the index holds only A
    on = Retriever(idx, FakeEmbedder(), s, "bm25").search(q, k=1).hits
    off = Retriever(idx, FakeEmbedder(), Settings(index_dir=s.index_dir, follow_refs=False), "bm25").search(q, k=1)
    assert on[0].passage.cable_id == "08OSLO670" and "refs A,B" in on[0].passage.text
    via = [h for h in on if h.via]
    assert via and via[0].rank == 2 and via[0].passage.cable_id == "08OSLO629" and via[0].via == "08OSLO670 REF A"
    assert {h.passage.num for h in via} <= {1, 2, 3, 4, 5} and len(via) <= s.follow_refs_hits  # never the header
    assert [h.passage.cable_id for h in off.hits] == ["08OSLO670"]


def test_a_question_about_a_cables_reference_reads_the_referenced_cable(two_segments: Settings) -> None:
    idx = _load(two_segments)
    r = Retriever(idx, FakeEmbedder(), two_segments, "bm25").search("What did REF A of 07TALLINN375 report?")
    assert r.hits and r.hits[0].passage.cable_id == "07TALLINN366"
    citing = [h for h in r.hits if h.passage.cable_id == "07TALLINN375"]  # only what 375 says about its REF A
    assert len(citing) == 1 and citing[0].rank == 2 and "(Ref A)" in citing[0].passage.text and citing[0].via
    assert {h.passage.cable_id for h in r.hits} == {"07TALLINN366", "07TALLINN375"}
    r = Retriever(idx, FakeEmbedder(), two_segments, "bm25").search("What did REF B of 07TALLINN375 report?")
    assert "07TALLINN347" in r.query.unknown_ids  # not in this index: said, not invented


def test_the_follow_up_about_the_referenced_cable_joins_the_question_it_follows() -> None:
    turn = Turn("What did 08OSLO670 say about the JSF decision?", "Norway bought the F-35.", "What did 08OSLO670 say")
    assert standalone_question("What did the referenced cable say?", [turn]).startswith("What did 08OSLO670 say")
    assert standalone_question("And what did REF A report about it?", [turn]).startswith("What did 08OSLO670")
    assert standalone_question("What did the referenced cable say?", []) == "What did the referenced cable say?"
    q = "What did 07TALLINN375 report about the riots?"
    assert standalone_question(q, [turn]) == q
    assert asks_about_refs("what did REF A say?") and asks_about_refs("what did the referenced cable say")
    assert not asks_about_refs("What did the refugees say?")
    lean = lean_of("Efforts reaped some apparent success (ref B). Next.")
    assert lean is not None and lean.letters == ("B",) and lean.sentence.startswith("Efforts")
    assert lean_of("The referee said nothing.") is None
    letters = {t: lean_of(t).letters for t in ("(see REFTEL D)", "push (refs A-C) to", "see ref a for", "per reftel")}  # type: ignore[union-attr]
    assert letters == {"(see REFTEL D)": ("D",), "push (refs A-C) to": ("A", "B", "C"), "see ref a for": ("A",),
                       "per reftel": ()}  # fmt: skip


def test_thread_filters_in_words() -> None:
    q = analyze("Which cables reference 08OSLO629?")
    assert q.filters.references == ("08OSLO629",) and q.cable_ids == ()
    assert analyze("cables citing 07 TALLINN 366 on riots").filters.references == ("07TALLINN366",)
    assert analyze("Show me cables signed by Ambassador Whitney about the JSF").filters.signers == ("Whitney",)
    assert analyze("Who signed 08OSLO670?").filters.signers == ()
    f = Filters(references=("08OSLO629",), signers=("Whitney",))
    assert {c.kind for c in f.chips()} == {"cites", "signer"}
    assert not f.without(f.chips()[0]).references and f.without(f.chips()[1]).signers == ()


def test_thread_filters_over_columns_agree_with_filters_matches(tmp_path: Path, cables: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "idx"))
    ingest([FIXTURES / "plain-text", cables], s, embedder=FakeEmbedder(), progress=False)
    idx = _load(s)
    metas = list(idx.store.cable_meta())
    cited = sorted({r for m in metas for r in m.refs})
    signers = sorted({m.signer for m in metas if m.signer})
    assert "08OSLO629" in cited and "WHITNEY" in signers
    rng = random.Random(5)
    for i in range(60):
        f = Filters(
            references=tuple(rng.sample(cited, rng.randint(0, 2))),
            signers=tuple(n[rng.randint(0, 2) :].lower() for n in rng.sample(signers, rng.randint(0, 2))),
            tags=tuple(rng.sample(["PREL", "PGOV", "MARR"], rng.randint(0, 1))),
        ) if i else Filters(references=("08OSLO629",))  # fmt: skip
        want = {m.id for m in metas if f.matches(m)}
        got = {p.cable_id for r, p, _ in idx.store.passage_rows() if (m := idx.allowed(f)[0]) is None or m[r]}
        assert got == want, f
        if i == 0:
            assert want == {"08OSLO670"}


def test_json_exposes_the_thread(two_segments: Settings, cables: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag.cli import main

    assert main(["--index", two_segments.index_dir, "parse", "--json", str(cables / "08OSLO629.html")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cited_by"] == [{"cable_id": "08OSLO670", "letter": "A", "indexed": True}]
    assert out["refs"][0]["cable_id"] == "08OSLO585"
    idx = _load(two_segments)
    hits = Retriever(idx, FakeEmbedder(), two_segments, "bm25").search(LEANING_Q, k=1).hits
    assert {hit_json(h)["via"] for h in hits if h.via} == {"08OSLO670 REF A"}
    threads = threads_of(idx, ["08OSLO670"])["08OSLO670"]
    assert threads["cites"][1] == {"cable_id": "08OSLO585", "letter": "B", "indexed": False}
