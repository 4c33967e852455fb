"""The entailment judge: does this paragraph state this claim (not its negation, not with the roles swapped, not as
something someone denied or asked about)? And, for a quoted sentence offered as an answer: does it answer the question?

`LlmJudge` asks the local llama.cpp model a strict YES/NO question under a grammar (one token of output). Two ways:
- in the chat, the paragraphs are already in the model's context as [P1], [P2]...: the judge's question is put in the
  answer prompt's place (`Frame`), so llama.cpp re-uses the KV of the shared prefix and prefills only the claim;
- alone (`cables check`, metadata answers): a short prompt of its own with the paragraph and the claim.
Selected by `Settings.judge` ("llm" | "none"); `rag.fakes.ScriptedJudge` stands in for it in unit tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..backends.llm import LLM, Message
from ..text.words import tokenize

# the messages that put one question about the passages already in the model's context
Frame = Callable[[str], Sequence[Message]]
YES, NO = "YES", "NO"


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence as shown
    passage: str  # the paragraph's text (used when the judge works alone)
    label: str  # how the prompt names the paragraph: "P2" in the chat, "09HARARE955 ¶2" alone
    question: str = ""  # the question the sentence answers: read with a short answer ("35 minutes")
    must_answer: bool = False  # a quote offered as the answer: judge whether it answers `question`


@dataclass(frozen=True)
class JudgePrompts:
    """Templates from prompts/ (judge_*.txt), with `{label}`, `{claim}`, `{question}`, `{passage}` fields."""

    system: str  # system prompt when the judge works alone
    alone: str  # user message when the judge works alone
    states: str  # the question put in the answer prompt's place: does [label] state the claim?
    answers: str  # the same for a quote: does the sentence from [label] answer the question?


class Judge(Protocol):
    name: str

    def entails(self, claim: Claim, frame: Frame | None = None) -> bool: ...


def claim_text(claim: Claim) -> str:
    """What is judged: a short answer is read together with the question it answers."""
    if claim.question and len(tokenize(claim.text)) < 6:
        return f'The answer to "{claim.question.strip()}" is: {claim.text}'
    return claim.text


class LlmJudge:
    """The answering model as judge. `llm` is a provider, so `cables check` loads the model only when a sentence
    passes the cheap checks."""

    def __init__(self, llm: Callable[[], LLM], prompts: JudgePrompts, passage_chars: int) -> None:
        self._llm = llm
        self.prompts = prompts
        self.passage_chars = passage_chars
        self.name = "llm"
        self.calls = 0

    def entails(self, claim: Claim, frame: Frame | None = None) -> bool:
        self.calls += 1
        return self._llm().choose(self.messages(claim, frame), (YES, NO)) == YES

    def messages(self, claim: Claim, frame: Frame | None) -> Sequence[Message]:
        p = self.prompts
        values = {"label": claim.label, "claim": _quoted(claim_text(claim)), "question": _quoted(claim.question)}
        ask = (p.answers if claim.must_answer else p.states).format(**values)
        if frame is not None:
            return frame(ask)
        passage = claim.passage[: self.passage_chars].replace("<<<", "‹‹‹").replace(">>>", "›››")
        return [Message("system", p.system), Message("user", p.alone.format(passage=passage, ask=ask, **values))]


def _quoted(text: str) -> str:
    return text.replace("\n", " ").replace('"', "'").strip()
