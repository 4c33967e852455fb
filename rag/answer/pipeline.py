"""Grounded answers: retrieve, ask the local model with a short prompt, then hand every sentence to the verification
gate (rag/check/gate.py). An `Answer` is built in one place here (`_answer`), from the gate's report only: nothing the
gate did not decide reaches the screen, and citations never depend on the model obeying a format.

Tokens are streamed as a draft (the chat greys it out, "checking…") and replaced by the verified answer. A refusal by
the model is an abstention; a passage sentence may stand in as the answer only if the judge says it answers the
question; a metadata answer is given only when the current question itself asks for a named cable's metadata."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..backends.llm import LLM, Message
from ..check.attribution import REFUSAL
from ..check.gate import Gate
from ..check.judge import Frame
from ..errors import InputTooLargeError
from ..records import EMPTY_REPORT, Answer, CitationReport, Hit, Timing
from ..retrieve.fusion import Retrieval, Retriever
from ..retrieve.parts import is_multi, search_parts
from ..retrieve.query import Filters
from ..settings import Settings
from ..text.sentences import split_sentences
from . import prompting
from .conversation import Turn, standalone_question
from .coverage import coverage
from .metadata import asked_field, metadata_answers

ABSTAIN_TEXT = "The indexed cables do not answer this question."
VERIFIED = ("supported", "partial")


@dataclass(frozen=True)
class Status:
    text: str


@dataclass(frozen=True)
class Token:
    """A piece of the model's draft: shown as a draft while it is written, never as the answer."""

    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Status | Token | Done


class Answerer:
    def __init__(self, retriever: Retriever, llm: LLM, gate: Gate, settings: Settings) -> None:
        self.retriever = retriever
        self.llm = llm
        self.gate = gate
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
        # long: one pass through the stages, in order, each step a line or two
        s = self.settings
        if len(question) > s.max_question_chars:
            raise InputTooLargeError(f"question is {len(question)} characters; the limit is {s.max_question_chars}")
        history = list(history)[-s.max_history_turns :]
        t0 = time.perf_counter()
        sq = standalone_question(question, history, s.follow_up_context_chars)
        yield Status("retrieving")
        r = search_parts(self.retriever, sq, k=s.k, filters=filters)
        t_ret = time.perf_counter() - t0
        if not r.hits or not r.relevant:  # nothing retrieved is about the question (rag/retrieve/relevance.py)
            yield Done(self._answer(question, sq, None, r, (), Timing(t_ret, 0.0, time.perf_counter() - t0)))
            return
        meta = self._metadata(question)
        if meta is not None:
            yield Status("checking citations")
            if any(x.verdict == "supported" for x in meta.sentences):
                t = time.perf_counter() - t0
                yield Done(self._answer(question, sq, meta, r, (), Timing(t_ret, t, t), "metadata"))
                return
        ps = self.prompts
        multi = is_multi(r.query)
        shown = list(r.hits[: s.multi_part_passages if multi else s.prompt_passages])
        budget = s.multi_part_token_budget if multi else s.prompt_token_budget
        last = (history[-1].question, history[-1].answer) if history else None
        meta_of = self.retriever.index.cable_meta
        parts = prompting.answer_parts(ps, question, shown, meta_of, last, budget, s.history_answer_chars)
        prompt = prompting.user_message(ps, parts, prompting.every_part(question) if multi else question)
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
        report = self._verify(raw, shown, sq, self._frame(ps, parts))
        timing = Timing(t_ret, ttft, time.perf_counter() - t0)
        yield Done(self._answer(question, sq, report, r, tuple(shown), timing, self.llm.name, prompt))

    def _frame(self, ps: prompting.PromptSet, parts: tuple[str, str]) -> Frame:
        """A judge question put in the answer prompt's place: same system prompt, same passages, so llama.cpp
        re-uses the KV cache of everything before the question."""

        def frame(ask: str) -> list[Message]:
            return [Message("system", ps.system), Message("user", prompting.user_message(ps, parts, ask))]

        return frame

    def _verify(self, raw: str, shown: Sequence[Hit], sq: str, frame: Frame) -> CitationReport | None:
        """The gate's report on the model's answer; if nothing in it is verified, on the passage sentence that best
        matches the question (shown only if the judge says it answers it); None to abstain. A refusal abstains."""
        first = next(iter(split_sentences(raw)), "")
        if not raw or REFUSAL.search(first):
            return None
        report = self.gate.verify(self.gate.attributor.answer_drafts(raw, shown, sq), frame)
        if any(x.verdict in VERIFIED for x in report.sentences):
            return report
        quote = self.gate.attributor.quote_draft(sq, shown)
        if quote is None:
            return None
        report = self.gate.verify([quote], frame)
        return report if report.sentences[0].verdict == "supported" else None

    def _metadata(self, question: str) -> CitationReport | None:
        asked = asked_field(question)
        cable = self.retriever.index.cable(asked[1]) if asked else None
        if asked is None or cable is None:
            return None
        answers = metadata_answers(asked[0], cable)
        if not answers:
            return None
        drafts = [self.gate.attributor.metadata_draft(m.text, m.value, m.ref, question) for m in answers]
        return self.gate.verify(drafts)

    def _answer(
        self,
        question: str,
        sq: str,
        report: CitationReport | None,
        r: Retrieval,
        shown: tuple[Hit, ...],
        timing: Timing,
        model: str = "",
        prompt: str = "",
    ) -> Answer:
        """The one place an Answer is made: from the gate's report, or an abstention (report None). Under filters it
        says what it drew on (`coverage`: plain information, not a verified claim)."""
        cov = coverage(self.retriever.index, r.filters, report, shown)
        if report is None:
            a = ABSTAIN_TEXT
            return Answer(question, a, True, EMPTY_REPORT, r.hits, timing, self.llm.name, prompt, sq, cov)
        text = " ".join(x.text for x in report.sentences)
        return Answer(question, text, False, report, r.hits, timing, model or self.llm.name, prompt, sq, cov)
