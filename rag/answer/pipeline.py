"""Grounded answers: retrieve, ask the local model with a short prompt, then hand every sentence to the checking
stage (rag/check/attribution.py), which attributes it to the paragraph that supports it. Citations never depend on
the model obeying a format."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..backends.llm import LLM, Message
from ..check.attribution import REFUSAL, Attributor, build_report
from ..errors import InputTooLargeError
from ..records import EMPTY_REPORT, Answer, Hit, SentenceCheck, Timing
from ..retrieve.fusion import Retrieval, Retriever
from ..retrieve.query import Filters
from ..settings import Settings
from . import prompting
from .conversation import Turn, standalone_question
from .metadata import metadata_answer

ABSTAIN_TEXT = "The indexed cables do not answer this question."


@dataclass(frozen=True)
class Status:
    text: str


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Status | Token | Done


class Answerer:
    def __init__(self, retriever: Retriever, llm: LLM, attributor: Attributor, settings: Settings) -> None:
        self.retriever = retriever
        self.llm = llm
        self.attributor = attributor
        self.settings = settings

    @property
    def prompts(self) -> prompting.PromptSet:
        return prompting.load_set(self.settings.prompts_dir)

    def ask(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None) -> Answer:
        for ev in self.stream(question, history, filters):
            if isinstance(ev, Done):
                return ev.answer
        raise RuntimeError("answer stream ended without a result")

    def stream(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None) -> Iterator[Event]:
        s = self.settings
        if len(question) > s.max_question_chars:
            raise InputTooLargeError(f"question is {len(question)} characters; the limit is {s.max_question_chars}")
        history = list(history)[-s.max_history_turns :]
        t0 = time.perf_counter()
        sq = standalone_question(question, history)
        yield Status("retrieving")
        r = self.retriever.search(sq, k=s.k, filters=filters)
        t_ret = time.perf_counter() - t0
        if not r.hits or (r.top_dense < s.dense_floor and not r.query.cable_ids):
            yield Done(self._abstain(question, sq, r.hits, Timing(t_ret, 0.0, time.perf_counter() - t0)))
            return
        direct = self._metadata(question if not history else sq, r)
        if direct is not None:
            yield Token(direct.text)
            t = time.perf_counter() - t0
            report = build_report([direct])
            yield Done(Answer(question, direct.text, False, report, r.hits, Timing(t_ret, t, t), "metadata", "", sq))
            return
        ps = self.prompts
        shown = list(r.hits[: s.prompt_passages])
        last = (history[-1].question, history[-1].answer) if history else None
        meta = self.retriever.index.cable_meta
        prompt = prompting.answer_prompt(ps, question, shown, meta, last, s.prompt_token_budget, s.history_answer_chars)
        yield Status("generating")
        pieces: list[str] = []
        ttft = 0.0
        for piece in self.llm.stream([Message("system", ps.system), Message("user", prompt)], s.max_answer_tokens):
            if not pieces:
                ttft = time.perf_counter() - t0
            pieces.append(piece)
            yield Token(piece)
        raw = "".join(pieces).strip()
        yield Status("checking citations")
        sentences = [] if REFUSAL.search(raw) else self.attributor.attribute(raw, shown, list(r.hits), sq)
        if not any(x.verdict in ("supported", "partial") for x in sentences):
            quote = self.attributor.quote(sq, shown)
            if quote is None:
                yield Done(self._abstain(question, sq, r.hits, Timing(t_ret, ttft, time.perf_counter() - t0)))
                return
            sentences = [quote]
        timing = Timing(t_ret, ttft, time.perf_counter() - t0)
        text = " ".join(x.text for x in sentences)
        yield Done(Answer(question, text, False, build_report(sentences), r.hits, timing, self.llm.name, prompt, sq))

    def _metadata(self, question: str, r: Retrieval) -> SentenceCheck | None:
        known = [c for c in r.query.cable_ids if c in self.retriever.index.cable_meta]
        if len(known) != 1:
            return None
        cable = self.retriever.index.cable(known[0])
        m = metadata_answer(question, cable) if cable else None
        if m is None:
            return None
        return self.attributor.metadata_sentence(m.text, m.ref, r.hits, question)

    def _abstain(self, question: str, sq: str, hits: Sequence[Hit], timing: Timing) -> Answer:
        return Answer(question, ABSTAIN_TEXT, True, EMPTY_REPORT, tuple(hits), timing, self.llm.name, "", sq)
