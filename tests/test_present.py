"""Pure formatting helpers of the chat (no browser), and the app's listening rules."""

from __future__ import annotations

import json

import pytest

from rag.check.attribution import build_report
from rag.errors import CablesError
from rag.ids import ParagraphRef
from rag.present.export import ExportIds, export_json, export_markdown
from rag.present.html import answer_html, cable_html, chip, evidence_rows
from rag.records import EMPTY_REPORT, Answer, Cable, CitationRef, Hit, Paragraph, Passage, SentenceCheck
from rag.settings import Settings

CABLE = Cable(
    "08ATLANTIS777",
    (
        Paragraph("08ATLANTIS777", 0, "C O N F I D E N T I A L ATLANTIS 000777"),
        Paragraph("08ATLANTIS777", 1, "Harvest <script>alert(1)</script> reached 4,200 tonnes.", "C"),
        Paragraph("08ATLANTIS777", 2, "The minister resigned. TESTER", "S/NF", heading="POLITICS"),
    ),
    created="2008-11-04 06:06",
    origin="Embassy Atlantis",
    classification="CONFIDENTIAL",
    subject="HARVEST",
    tags=("PREL",),
    signer="TESTER",
)
HIT = Hit(
    Passage(ParagraphRef("08ATLANTIS777", "1"), 0, "Harvest <b>reached</b> 4,200 tonnes.", "ctx"), 0.5, 0.71, 3.2, 1
)


def answer(verdict: str = "supported", abstained: bool = False) -> Answer:
    refs = (CitationRef("08ATLANTIS777", "1", "08ATLANTIS777 ¶1"),) if verdict != "unsupported" else ()
    s = SentenceCheck(
        "The harvest reached <i>4,200</i> tonnes.", refs, verdict, 0.8, ParagraphRef("08ATLANTIS777", "1")
    )
    return Answer("q?", "text", abstained, EMPTY_REPORT if abstained else build_report([s]), (HIT,), model="m")


def test_chip_and_answer_are_escaped() -> None:
    html = answer_html(answer())
    assert chip(ParagraphRef("08ATLANTIS777", "1")) in html and 'class="cite"' in html
    assert "<i>" not in html and "&lt;i&gt;" in html
    assert 'class="badge supported"' in html


def test_unsupported_sentence_is_flagged_and_uncited() -> None:
    html = answer_html(answer("unsupported"))
    assert "unverified" in html and 'class="cite"' not in html and "badge unsupported" in html


def test_abstention_lists_closest_paragraphs() -> None:
    a = Answer("q?", "The indexed cables do not answer this question.", True, EMPTY_REPORT, (HIT,))
    html = answer_html(a)
    assert "do not answer" in html and "08ATLANTIS777 ¶1" in html and "&lt;b&gt;" in html


def test_cable_panel_highlights_cited_paragraph() -> None:
    html = cable_html(CABLE, ParagraphRef("08ATLANTIS777", "2"))
    assert html.count('class="para cited"') == 1
    assert 'id="para-2"' in html and "(S/NF)" in html and "POLITICS" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    for field in ("Embassy Atlantis", "CONFIDENTIAL", "PREL", "TESTER", "2008-11-04"):
        assert field in html


def test_evidence_rows() -> None:
    assert evidence_rows([HIT]) == [[1, "08ATLANTIS777 ¶1", 0.5, 0.71, 3.2, HIT.passage.text]]


def test_exports_quote_cited_paragraphs_verbatim() -> None:
    ids = ExportIds("qwen-0.5b", "ab" * 32, "v1", "minilm")
    lookup = {"08ATLANTIS777": CABLE}.get
    data = json.loads(export_json([answer()], lookup, ids))
    assert data["model"] == "qwen-0.5b" and data["index_version"] == "v1"
    assert data["prompts_sha256"] == "ab" * 32 and "prompts" not in data  # by content hash, not by a local path
    cited = data["turns"][0]["cited_paragraphs"][0]
    assert cited["text"] == CABLE.paragraphs[1].text and cited["origin"] == "Embassy Atlantis"
    md = export_markdown([answer()], lookup, ids)
    assert CABLE.paragraphs[1].text in md and "index `v1`" in md


def test_listening_beyond_localhost_needs_a_password() -> None:
    from app import launch_options

    assert launch_options(Settings(host="127.0.0.1"))["server_name"] == "127.0.0.1"
    assert "auth" not in launch_options(Settings())
    with pytest.raises(CablesError, match="password"):
        launch_options(Settings(host="0.0.0.0"))
    with pytest.raises(CablesError, match="at least 12 characters"):
        launch_options(Settings(host="0.0.0.0", password="s3cret"))  # any non-empty password used to do
    good = "correct horse battery"
    assert launch_options(Settings(host="0.0.0.0", password=good))["auth"] == ("analyst", good)
    tls = launch_options(Settings(host="0.0.0.0", password=good, tls_cert="c.pem", tls_key="k.pem"))
    assert (tls["ssl_certfile"], tls["ssl_keyfile"]) == ("c.pem", "k.pem")
    with pytest.raises(CablesError, match="TLS needs both"):
        launch_options(Settings(tls_cert="c.pem"))


def test_upload_rejects_bad_types_and_sizes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rag.ui.actions import ingest_uploads
    from rag.ui.session import ChatContext

    s = Settings(index_dir=str(tmp_path / "idx"), max_upload_mb=1)
    exe = tmp_path / "evil.exe"
    exe.write_bytes(b"MZ")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (2 * 1024 * 1024))
    msg = list(ingest_uploads(ChatContext(s), [str(exe), str(big)]))[-1]
    assert "evil.exe: not a supported type" in msg and "big.txt: 2 MB is over the 1 MB limit" in msg


def test_the_page_renders_no_markdown_and_exposes_no_api(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The chat shows the HTML rag/present builds, without a Markdown or LaTeX pass; every event is private to the
    page; Gradio's cache of uploads and downloads is deleted after `temp_ttl_s`."""
    from app import build
    from rag.fakes import FakeEmbedder
    from rag.ui.session import ChatContext

    s = Settings(index_dir=str(tmp_path / "idx"), temp_ttl_s=600)
    demo = build(ChatContext(s, embedder=FakeEmbedder()))
    chat = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "chat")
    assert chat.render_markdown is False and chat.latex_delimiters == [] and chat.sanitize_html is True
    fns = [f for f in demo.fns.values() if f.fn is not None]
    assert fns and all(f.api_visibility == "private" for f in fns)
    assert demo.delete_cache == (150, 600)
