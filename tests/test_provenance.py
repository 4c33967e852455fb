"""Provenance and uploads: each indexed cable records where its text came from (file, when, through which channel),
the panel and the JSON show it, and an upload from the chat never replaces a cable the index already holds with
other text (any user of a shared server can upload). Real parser on a real sample cable, real index, fake embedder."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest

from rag.fakes import FakeEmbedder
from rag.index.reader import Index
from rag.ingest.build import ingest
from rag.ingest.parse import parse_bytes
from rag.present.json import cable_json, ingest_json
from rag.settings import Settings
from rag.ui.actions import ingest_uploads, open_cable
from rag.ui.session import ChatContext

from .conftest import extract_subset

CID = "09HARARE955"
ORIGINAL = "Mugabe averred that Zimbabwe was democratic."
FORGED = "Mugabe averred that Zimbabwe would hand all power to the opposition in March 2010."


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[ChatContext, Path]:
    """The real cable ingested the way `cables ingest` does it (rag/cli/ingest.py passes no channel)."""
    corpus = extract_subset(tmp_path / "corpus", [CID])
    s = Settings(index_dir=str(tmp_path / "idx"), cache_dir=str(tmp_path / "cache"))
    emb = FakeEmbedder()
    assert ingest([corpus], s, embedder=emb, progress=False).added == 1
    return ChatContext(s, embedder=emb), corpus / f"{CID}.html"


def _para3(index: Index) -> str:
    cable = index.cable(CID)
    assert cable is not None
    return next(p.text for p in cable.paragraphs if p.label == "3")


def _forged_copy(original: Path, folder: Path) -> Path:
    """The same cable with ¶3 changed, as another user might upload it."""
    html = original.read_text()
    assert ORIGINAL in html
    folder.mkdir()
    out = folder / "harare-corrected.html"
    out.write_text(html.replace(ORIGINAL, FORGED))
    return out


def test_an_upload_cannot_replace_a_cable_from_the_command_line(
    indexed: tuple[ChatContext, Path], tmp_path: Path
) -> None:
    ctx, original = indexed
    forged = _forged_copy(original, tmp_path / "from-a-user")
    other = tmp_path / "from-a-user" / "06MOSCOW1323.txt"  # a new cable in the same upload is still added
    other.write_text((Path(__file__).parent / "fixtures" / "seeds" / "001_60a81c5ffc7b069b.txt").read_text())
    msg = html.unescape(list(ingest_uploads(ctx, [str(forged), str(other)]))[-1])
    assert msg.startswith("Added 1, updated 0, unchanged 0, refused 1, failed 0."), msg
    refusal = next(line for line in msg.splitlines() if CID in line)
    assert refusal.startswith("- harare-corrected.html: refused:"), refusal
    assert f"from {original}" in refusal and "via cli" in refusal and "cannot replace" in refusal
    assert "command line" in refusal
    index = ctx.components().index
    assert ORIGINAL in _para3(index) and FORGED not in _para3(index)  # every user still reads the original
    assert index.cable("06MOSCOW1323") is not None
    assert FORGED not in open_cable(ctx, f"{CID} ¶3")


def test_the_report_lists_refusals_in_json(indexed: tuple[ChatContext, Path], tmp_path: Path) -> None:
    from rag.ingest.build import Channel

    ctx, original = indexed
    forged = _forged_copy(original, tmp_path / "up")
    report = ingest([forged.parent], ctx.settings, embedder=FakeEmbedder(), progress=False,
                    channel=Channel("ui", replace=False, root=str(forged.parent)))  # fmt: skip
    assert (report.added, report.updated, report.unchanged, report.version) == (0, 0, 0, "")
    [r] = ingest_json(report)["refused"]
    assert r["cable_id"] == CID and r["source"] == "harare-corrected.html" and "cannot replace" in r["reason"]
    assert "refused 1" in report.summary()


def test_the_panel_and_json_show_where_a_cable_came_from(indexed: tuple[ChatContext, Path]) -> None:
    ctx, original = indexed
    cable = ctx.components().index.cable(CID)
    assert cable is not None
    data = cable_json(cable)
    assert data["source"] == str(original) and data["via"] == "cli"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["added"])
    assert abs(time.mktime(time.strptime(data["added"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())) < 600
    row = re.search(r"<tr><th>Source</th><td>(.*?)</td></tr>", open_cable(ctx, f"{CID} ¶3"))
    assert row is not None
    shown = html.unescape(row.group(1))
    assert shown == f"{original} · added {data['added'][:10]} {data['added'][11:19]} UTC · via cli"
    parsed = cable_json(parse_bytes(original.read_bytes(), str(original)))  # `cables parse --json`: not indexed
    assert (parsed["source"], parsed["added"], parsed["via"]) == (str(original), None, None)


def test_an_upload_records_its_channel_and_file_name(indexed: tuple[ChatContext, Path], tmp_path: Path) -> None:
    ctx, _ = indexed
    seed = Path(__file__).parent / "fixtures" / "seeds" / "001_60a81c5ffc7b069b.txt"
    msg = list(ingest_uploads(ctx, [str(seed)]))[-1]
    assert msg.startswith("Added 1,"), msg
    cable = ctx.components().index.cable("06MOSCOW1323")
    assert cable is not None and (cable.source, cable.via) == (seed.name, "ui")  # not the temporary folder
    assert f"{seed.name} · added " in html.unescape(open_cable(ctx, "06MOSCOW1323 ¶2"))


def test_an_identical_upload_is_unchanged(indexed: tuple[ChatContext, Path], tmp_path: Path) -> None:
    ctx, original = indexed
    msg = list(ingest_uploads(ctx, [str(original)]))[-1]
    assert msg.startswith("Added 0, updated 0, unchanged 1, failed 0."), msg
    cable = ctx.components().index.cable(CID)
    assert cable is not None and cable.via == "cli"  # the record still says where the text came from


def test_the_command_line_still_replaces_a_changed_cable(indexed: tuple[ChatContext, Path], tmp_path: Path) -> None:
    ctx, original = indexed
    forged = _forged_copy(original, tmp_path / "edited")
    report = ingest([forged.parent], ctx.settings, embedder=FakeEmbedder(), progress=False)
    assert (report.added, report.updated, report.refused) == (0, 1, ())
    index = Index.load(ctx.settings, expect_embedder=FakeEmbedder().name)
    assert FORGED in _para3(index)
    cable = index.cable(CID)
    assert cable is not None and (cable.source, cable.via) == (str(forged), "cli")
