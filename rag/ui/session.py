"""Chat sessions: the shared context (index, embedder, model, loaded lazily and separately) and the step run for
each question, as a generator of screen updates. Tested without a browser (tests/test_session.py)."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType

from ..answer.conversation import Turn
from ..answer.pipeline import Answerer, Done, Event, Status, Token
from ..backends.embedder import Embedder
from ..backends.llm import LLM
from ..backends.loaders import load_llm
from ..components import Components, open_answerer, open_components
from ..errors import CablesError, InputTooLargeError
from ..present.html import answer_html, draft_html, esc, evidence_rows
from ..records import Answer
from ..retrieve.query import Filters
from ..settings import Settings
from .files import TempFiles
from .worker import GatedLLM, ModelGate, Worker

STATUS = MappingProxyType(
    {
        "retrieving": "Retrieving paragraphs…",
        "generating": "Generating the answer…",
        "checking citations": "Checking every sentence against its paragraph…",
    }
)
Message = dict[str, str]


@dataclass(frozen=True)
class Session:
    """One browser session's conversation (Gradio keeps one copy per session)."""

    turns: tuple[Turn, ...] = ()
    answers: tuple[Answer, ...] = ()
    messages: tuple[Message, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChatUpdate:
    """What one step shows. None leaves a widget as it is."""

    session: Session
    messages: tuple[Message, ...]
    status: str
    citations: tuple[str, ...] | None = None
    evidence: list[list[str | float]] | None = None
    question: str = ""


class ChatContext:
    """The shared pipeline. The index and embedder load on first use; the language model only when a question needs
    it; an upload is ingested in the background and its index swapped in when done, without loading the model.

    Only generation is serialised (`gate`: llama.cpp contexts are not thread-safe); retrieval, checking and ingestion
    run in parallel. `_load` guards loading and swapping the index, `_model_load` loading the model; neither is held
    while a question is answered."""

    def __init__(self, settings: Settings, llm: LLM | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.gate = ModelGate()
        self.ingests = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cables-ingest")  # uploads, in order
        self.files = TempFiles(settings.temp_ttl_s)
        self._load = threading.Lock()
        self._model_load = threading.Lock()
        self._components: Components | None = None
        self._answerer: Answerer | None = None
        self._llm = GatedLLM(llm, self.gate) if llm is not None else None
        self._embedder = embedder

    def loaded(self) -> bool:
        return self._answerer is not None

    def components(self) -> Components:
        with self._load:
            if self._components is None:
                self._components = open_components(self.settings, embedder=self._embedder)
                self._embedder = self._components.embedder
            return self._components

    def answerer(self) -> Answerer:
        self.components()
        with self._model_load:  # the first question loads the model; the panel and uploads need not wait for it
            if self._llm is None:
                self._llm = GatedLLM(load_llm(self.settings), self.gate)
        with self._load:
            if self._answerer is None:
                self._answerer = open_answerer(self.settings, llm=self._llm, components=self._components)
            return self._answerer

    def embedder(self) -> Embedder | None:
        """The embedder once loaded (an ingest reuses it instead of loading its own)."""
        return self._embedder

    def reload(self) -> None:
        """Open the index's new version, keeping the embedder (and the model, if loaded). Questions already being
        answered finish on the version they started with."""
        c = open_components(self.settings, embedder=self._embedder)
        with self._load:
            self._components, self._embedder = c, c.embedder
            if self._answerer is not None:
                self._answerer = open_answerer(self.settings, llm=self._llm, components=c)


def filters_from(
    origins: list[str] | None, date_from: str, date_to: str, classes: list[str] | None, tags: str
) -> Filters:
    return Filters(
        origins=tuple(origins or ()),
        date_from=(date_from or "").strip(),
        date_to=(date_to or "").strip(),
        classifications=tuple(classes or ()),
        tags=tuple(t.upper() for t in (tags or "").replace(",", " ").split()),
    )


def friendly(e: BaseException) -> str:
    if isinstance(e, CablesError):
        return f"⚠ {esc(str(e))}"
    print(traceback.format_exc(), file=sys.stderr)
    return f"⚠ Something went wrong ({type(e).__name__}); the details are in the server log."


@dataclass(frozen=True)
class Waiting:
    """The question's place in the line for the model: 0 once it holds it."""

    ahead: int


def answer_events(ctx: ChatContext, q: str, turns: tuple[Turn, ...], filters: Filters) -> Iterator[Event | Waiting]:
    """The pipeline's events for one question, run in a worker thread, with `Waiting` while it queues for the model.
    Closing this generator (a closed tab) withdraws the question; a question already generating stops at its next
    token."""
    worker: Worker[Event] = Worker(lambda: ctx.answerer().stream(q, turns, filters), ctx.gate)
    last: list[int | None] = [None]

    def idle() -> Waiting | None:
        n = ctx.gate.ahead(worker.thread)
        if n is None or n == last[0]:
            return None
        last[0] = n
        return Waiting(n)

    try:
        yield from worker.items(idle)
    finally:
        worker.cancel()


def chat_step(ctx: ChatContext, question: str, s: Session, filters: Filters) -> Iterator[ChatUpdate]:
    """One question: the updates to show while it is answered, the last one with the new session."""
    q = (question or "").strip()
    msgs = list(s.messages)
    if not q:
        yield ChatUpdate(s, tuple(msgs), "Type a question first.")
        return
    msgs += [{"role": "user", "content": esc(q)}, {"role": "assistant", "content": "…"}]
    yield ChatUpdate(s, tuple(msgs), "Loading the model…" if not ctx.loaded() else "Retrieving paragraphs…")
    settings = ctx.settings
    try:
        if len(q) > settings.max_question_chars:
            raise InputTooLargeError(f"the question is {len(q)} characters; the limit is {settings.max_question_chars}")
        a: Answer | None = None
        text = ""
        for ev in answer_events(ctx, q, s.turns, filters):
            if isinstance(ev, Waiting):
                yield ChatUpdate(s, tuple(msgs), waiting_status(ev.ahead))
            elif isinstance(ev, Status):
                yield ChatUpdate(s, tuple(msgs), STATUS.get(ev.text, ev.text))
            elif isinstance(ev, Token):  # a draft until the gate has checked it
                text += ev.text
                msgs[-1] = {"role": "assistant", "content": draft_html(text)}
                yield ChatUpdate(s, tuple(msgs), "Generating a draft answer (not yet verified)…")
            elif isinstance(ev, Done):
                a = ev.answer
        assert a is not None
        msgs[-1] = {"role": "assistant", "content": answer_html(a)}
        keep = settings.max_history_turns
        cited = tuple(dict.fromkeys(c.cable_id for c in a.citations))
        turns = (*s.turns, Turn(q, a.text, a.standalone_question or q, cited))[-keep:]
        s2 = Session(turns, (*s.answers, a)[-keep:], tuple(msgs))
        refs = [c.ref for c in a.citations if c.ref is not None] or [h.ref for h in a.hits[:3]]
        done = (
            f"Answered in {a.timing.total_s:.1f}s (first token {a.timing.ttft_s:.1f}s)."
            if not a.abstained
            else "No answer in the indexed cables; closest paragraphs listed."
        )
        yield ChatUpdate(s2, tuple(msgs), done, tuple(str(r) for r in refs), evidence_rows(a.hits))
    except Exception as e:  # noqa: BLE001 - shown as a message, never a stack trace
        msgs[-1] = {"role": "assistant", "content": friendly(e)}
        s_err = Session(s.turns, s.answers, tuple(msgs))
        yield ChatUpdate(s_err, tuple(msgs), "Error.", question=q)


def waiting_status(ahead: int) -> str:
    return f"Waiting for the model ({ahead} ahead)…" if ahead else "Generating the answer…"
