"""The chat's session step and actions without a browser: real parser and index, fake embedder and model."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from rag.fakes import FakeEmbedder, FakeLLM, ScriptedLLM
from rag.ingest.build import ingest
from rag.present.html import esc
from rag.retrieve.query import Filters
from rag.settings import Settings
from rag.ui.actions import export_files, ingest_uploads, open_cable
from rag.ui.session import ChatContext, Session, chat_step
from rag.ui.worker import ModelGate, Withdrawn

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


TOPICS = ("Hamas", "Lebanon", "Algeria", "Abu Mazen", "London commitments", "Lavrov", "aid", "Quartet")


def test_eight_generating_sessions_one_leaves_one_uploads(tmp_path: Path) -> None:
    """Eight sessions ask at once and every answer is generated (a scripted model, 10 ms a word: no metadata shortcut).
    Session 0's tab closes mid-answer: its step is left suspended, never resumed nor closed. A cable is uploaded
    meanwhile. The seven others finish two questions each, each sees only its own, the model sees each session's
    own history only, waiting sessions are told their place, and the upload is served at once."""
    s = Settings(index_dir=str(tmp_path / "idx"), cache_dir=str(tmp_path / "cache"))
    emb = FakeEmbedder()
    ingest([SEED], s, embedder=emb, progress=False)
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"quote_first_passage": True, "reply": "", "token_delay_s": 0.01}))
    llm = ScriptedLLM(str(script))
    ctx = ChatContext(s, llm=llm, embedder=emb)
    asked = {i: (f"What did Saltanov say about {t}?", f"And what did he add about {t}?") for i, t in enumerate(TOPICS)}
    left = chat_step(ctx, asked[0][0], Session(), Filters())
    while "▌" not in next(left).messages[-1]["content"]:
        pass  # session 0 now holds the model; its tab closes here
    sessions: dict[int, Session] = {}
    statuses: set[str] = set()

    def run(i: int) -> None:
        sess = Session()
        for q in asked[i]:
            for u in chat_step(ctx, q, sess, Filters()):
                statuses.add(u.status)
            sess = u.session
        sessions[i] = sess

    upload: list[str] = []
    new_cable = str(FIXTURES / "plain-text" / "09KHARTOUM249.txt")
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(1, 8)]
    threads.insert(4, threading.Thread(target=lambda: upload.extend(ingest_uploads(ctx, [new_cable])), daemon=True))
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a session or the upload never finished"
    assert upload[0].startswith("Adding the cables in the background") and upload[-1].startswith("Added 1,")
    assert "09KHARTOUM249" in open_cable(ctx, "09KHARTOUM249 ¶1")
    assert any(st.startswith("Waiting for the model (") for st in statuses), statuses
    for i in range(1, 8):
        sess = sessions[i]
        assert [t.question for t in sess.turns] == list(asked[i])
        users = [m["content"] for m in sess.messages if m["role"] == "user"]
        assert users == [esc(q) for q in asked[i]]
        generated = [p for p in llm.prompts if p.rstrip().endswith(f"Question: {asked[i][0]}\nAnswer:")]
        assert len(generated) == 1  # the model wrote this answer: no metadata shortcut
        follow_up = next(p for p in llm.prompts if p.rstrip().endswith(f"Question: {asked[i][1]}\nAnswer:"))
        others = [asked[j][0] for j in asked if j != i]
        assert f"Q: {asked[i][0]}" in follow_up and not any(o in follow_up for o in others)


def test_model_gate_first_come_first_served_and_withdrawal() -> None:
    """The gate serves threads in arrival order, counts who is ahead, and a withdrawn waiter leaves the line."""
    gate = ModelGate()
    order: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with gate.hold():
            entered.set()
            release.wait(10)
            order.append("holder")

    def waiter(name: str) -> None:
        try:
            with gate.hold():
                order.append(name)
        except Withdrawn:
            order.append(f"{name} withdrawn")

    def queued(t: threading.Thread) -> None:
        deadline = time.monotonic() + 10
        while gate.ahead(t) is None:
            assert time.monotonic() < deadline and t.is_alive(), f"{t.name} never queued, or went straight through"
            time.sleep(0.001)

    h = threading.Thread(target=holder, daemon=True)
    h.start()
    assert entered.wait(10)
    w1 = threading.Thread(target=waiter, args=("first",), daemon=True)
    w1.start()
    queued(w1)
    w2 = threading.Thread(target=waiter, args=("second",), daemon=True)
    w2.start()
    queued(w2)
    assert (gate.ahead(h), gate.ahead(w1), gate.ahead(w2)) == (0, 1, 2)
    gate.withdraw(w1)
    w1.join(10)
    assert gate.ahead(w2) == 1
    release.set()
    for t in (h, w2):
        t.join(10)
    assert order == ["first withdrawn", "holder", "second"]


def test_exports_are_private_and_deleted_after_their_time(ctx: ChatContext) -> None:
    """Exported conversations quote classified paragraphs: they live in the server's own 0700 folder and are
    deleted once older than `temp_ttl_s` (the next export or upload purges them), and the folder at exit."""
    s = list(chat_step(ctx, "What did Saltanov say about Hamas?", Session(), Filters()))[-1].session
    first = [Path(f) for f in export_files(ctx, s)]
    root = ctx.files.root
    assert all(root in f.parents for f in first) and root.stat().st_mode & 0o077 == 0
    assert ctx.files.purge() == [] and all(f.exists() for f in first)  # not yet old
    gone = ctx.files.purge(now=time.time() + ctx.settings.temp_ttl_s + 1)
    assert first[0].parent in gone and not any(f.exists() for f in first)
    second = export_files(ctx, s)
    ctx.files.remove()
    assert not root.exists() and not any(Path(f).exists() for f in second)
