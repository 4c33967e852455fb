"""The chat's session step and actions without a browser: real parser and index, fake embedder and model."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.fakes import FakeEmbedder, FakeLLM
from rag.ingest.build import ingest
from rag.retrieve.query import Filters
from rag.settings import Settings
from rag.ui.actions import export_files, ingest_uploads, open_cable
from rag.ui.session import ChatContext, Session, chat_step

from .conftest import FIXTURES

SEED = FIXTURES / "seeds" / "001_60a81c5ffc7b069b.txt"
REPLY = "Saltanov indicated that a Hamas visit to Moscow is still in the planning stages [P1]."


@pytest.fixture
def ctx(tmp_path: Path) -> ChatContext:
    s = Settings(index_dir=str(tmp_path / "idx"), cache_dir=str(tmp_path / "cache"))
    emb = FakeEmbedder()
    ingest([SEED], s, embedder=emb, progress=False)
    return ChatContext(s, llm=FakeLLM(REPLY), embedder=emb)


def test_a_question_streams_then_lands_in_the_session(ctx: ChatContext) -> None:
    updates = list(
        chat_step(ctx, "What did Saltanov say about the timing of a Hamas visit to Moscow?", Session(), Filters())
    )
    assert updates[0].messages[-1]["content"] == "…"  # the placeholder first
    assert any("▌" in u.messages[-1]["content"] for u in updates)  # the draft while tokens arrive
    last = updates[-1]
    assert len(last.session.turns) == 1 and len(last.session.answers) == 1
    assert last.citations and last.evidence and last.status.startswith("Answered")
    assert 'class="cite"' in last.messages[-1]["content"]


def test_sessions_do_not_share_history(ctx: ChatContext) -> None:
    a = list(chat_step(ctx, "What did Saltanov say about Hamas?", Session(), Filters()))[-1].session
    b = list(chat_step(ctx, "Who signed the cable about Hamas?", Session(), Filters()))[-1].session
    assert [t.question for t in a.turns] == ["What did Saltanov say about Hamas?"]
    assert [t.question for t in b.turns] == ["Who signed the cable about Hamas?"]


def test_errors_are_messages_and_keep_the_question(ctx: ChatContext) -> None:
    last = list(chat_step(ctx, "x" * (ctx.settings.max_question_chars + 1), Session(), Filters()))[-1]
    assert last.status == "Error." and "limit" in last.messages[-1]["content"] and last.question.startswith("x")
    assert list(chat_step(ctx, "  ", Session(), Filters()))[-1].status == "Type a question first."


def test_upload_before_any_question_does_not_load_the_model(tmp_path: Path) -> None:
    """The model is not needed to add cables; with real model loading disabled in tests, loading it would fail."""
    s = Settings(index_dir=str(tmp_path / "idx"), cache_dir=str(tmp_path / "cache"))
    emb = FakeEmbedder()
    ingest([FIXTURES / "plain-text" / "09KHARTOUM249.txt"], s, embedder=emb, progress=False)
    ctx = ChatContext(s, embedder=emb)  # no model given: a real one would be loaded on demand
    msg = list(ingest_uploads(ctx, [str(SEED)]))[-1]
    assert msg.startswith("Added 1,"), msg
    assert not ctx.loaded()
    assert "06MOSCOW1323" in open_cable(ctx, "06MOSCOW1323 ¶2")  # the new cable is served at once


def test_panel_and_export(ctx: ChatContext) -> None:
    assert "Click a citation" in open_cable(ctx, "not a reference")
    assert "not in the index" in open_cable(ctx, "99FAKE1 ¶1")
    html = open_cable(ctx, "06MOSCOW1323 ¶2")
    assert html.count('class="para cited"') == 1
    assert export_files(ctx, Session()) == []
    s = list(chat_step(ctx, "What did Saltanov say about Hamas?", Session(), Filters()))[-1].session
    files = export_files(ctx, s)
    assert [Path(f).name for f in files] == ["conversation.md", "conversation.json"]
