"""Grounded answers: retrieve, ask the local model with a short prompt, then attribute every sentence to
the paragraph that supports it (citations never depend on the model obeying a format)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from . import prompts, tokens
from .check import Checker, Support, numbers
from .citations import strip_citations
from .errors import InputTooLargeError
from .lexical import tokenize
from .llm import LLM, Message
from .metadata import metadata_answer
from .query import Filters, find_cable_ids
from .records import Answer, CitationRef, Hit, SentenceCheck, Timing
from .retrieve import Retrieval, Retriever
from .sentences import split_sentences
from .settings import Settings

ABSTAIN_TEXT = "The indexed cables do not answer this question."
DENSE_FLOOR = 0.28  # below this cosine nothing retrieved is about the question
SPAN_MIN_COVER = 0.25  # IDF-weighted share of the question's words the supporting span must carry
EXTRACT_MIN_COVER = 0.6  # share of the question's content words a quoted sentence must carry
_WANTS_NUMBER = re.compile(r"^\s*(how (many|much|long|old|far)|when|what (date|year|time|day))\b", re.I)
_META_ANSWER = re.compile(r"^(the )?(passages?|cables?|text)\b|\bpassages? (do|does)\b", re.I)
_MARKER = re.compile(r"\[\s*P\s*(\d{1,2})\s*\]|\bP(\d{1,2})\b")
_NOT_IN = re.compile(
    r"NOT IN (THE )?CABLES|not (contained|mentioned|provided|found|stated|given) in the (passages|cables)|"
    r"passages do not (contain|mention|say|state|provide)|no information",
    re.I,
)
_FOLLOW_UP = re.compile(
    r"^(and|what about|how about|also|then|but|so)\b|\b(he|she|him|her|his|hers|they|them|their|"
    r"it|its|that|this|those|these|there|the same)\b",
    re.I,
)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str
    standalone: str


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


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """A follow-up ("what did he say about Syria?", "and in 2008?") joined to the question it follows."""
    if not history:
        return question
    q = question.strip()
    if find_cable_ids(q) and not _FOLLOW_UP.match(q):
        return q
    if _FOLLOW_UP.search(q) or len(q.split()) <= 5:
        return f"{history[-1].standalone} {q}"
    return q


def compress(text: str, question: str, budget: int) -> str:
    """The passage's sentences most relevant to the question, in their order, within `budget` tokens."""
    if tokens.count(text) <= budget:
        return text
    qt = set(tokenize(question))
    sents = split_sentences(text)
    ranked = sorted(range(len(sents)), key=lambda i: (-len(qt & set(tokenize(sents[i]))), i))
    keep: list[int] = []
    used = 0
    for i in ranked:
        n = tokens.count(sents[i])
        if used + n > budget and keep:
            continue
        keep.append(i)
        used += n
        if used >= budget:
            break
    return " ... ".join(sents[i] for i in sorted(keep))


class Answerer:
    def __init__(self, retriever: Retriever, llm: LLM, checker: Checker, settings: Settings) -> None:
        self.retriever = retriever
        self.llm = llm
        self.checker = checker
        self.settings = settings
        self.system = prompts.load(settings.prompts_dir, "answer_system")
        self.user_t = prompts.load(settings.prompts_dir, "answer_user")
        self.passage_t = prompts.load(settings.prompts_dir, "passage")
        self.history_t = prompts.load(settings.prompts_dir, "history")

    def ask(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None) -> Answer:
        for ev in self.stream(question, history, filters):
            if isinstance(ev, Done):
                return ev.answer
        raise RuntimeError("answer stream ended without a result")

    def _prompt(self, question: str, hits: Sequence[Hit], history: Sequence[Turn]) -> str:
        per = max(60, self.settings.prompt_token_budget // max(1, len(hits)))
        blocks = []
        for i, h in enumerate(hits, 1):
            meta = self.retriever.index.cable_meta.get(h.passage.cable_id, ("", "", "", ""))
            ctx = h.passage.context.split(" | ")
            blocks.append(
                prompts.render(
                    self.passage_t,
                    label=f"P{i}",
                    cable_id=h.passage.cable_id,
                    paragraph=h.pid.split("¶", 1)[1],
                    origin=meta[1],
                    date=meta[0][:10],
                    subject=prompts.as_data(ctx[3] if len(ctx) > 3 else ""),
                    text=prompts.as_data(compress(h.passage.text, question, per)),
                ).strip()
            )
        hist = ""
        if history:
            last = history[-1]
            hist = prompts.render(self.history_t, turns=f"Q: {last.question}\nA: {strip_citations(last.answer)[:300]}")
        return prompts.render(self.user_t, history=hist, passages="\n\n".join(blocks), question=question)

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
        named = bool(r.query.cable_ids)
        if not r.hits or (r.top_dense < DENSE_FLOOR and not named):
            yield Done(self._abstain(question, sq, r.hits, Timing(t_ret, 0.0, time.perf_counter() - t0)))
            return
        direct = self._metadata(question if not history else sq, r)
        if direct is not None:
            yield Token(direct.text)
            t = time.perf_counter() - t0
            yield Done(
                Answer(question, _display(direct), False, (direct,), r.hits, Timing(t_ret, t, t), "metadata", "", sq)
            )
            return
        shown = list(r.hits[: s.prompt_passages])
        prompt = self._prompt(question, shown, history)
        yield Status("generating")
        pieces: list[str] = []
        ttft = 0.0
        for piece in self.llm.stream([Message("system", self.system), Message("user", prompt)], s.max_answer_tokens):
            if not pieces:
                ttft = time.perf_counter() - t0
            pieces.append(piece)
            yield Token(piece)
        raw = "".join(pieces).strip()
        yield Status("checking citations")
        sentences = [] if _NOT_IN.search(raw) else self._attribute(raw, shown, list(r.hits), sq)
        supported = [x for x in sentences if x.verdict in ("supported", "partial")]
        if not supported:
            quote = self._extract(sq, shown)
            if quote is None:
                timing = Timing(t_ret, ttft, time.perf_counter() - t0)
                yield Done(self._abstain(question, sq, r.hits, timing, raw))
                return
            sentences = [quote]
        timing = Timing(t_ret, ttft, time.perf_counter() - t0)
        text = " ".join(_display(x) for x in sentences)
        yield Done(Answer(question, text, False, tuple(sentences), r.hits, timing, self.llm.name, prompt, sq))

    def _metadata(self, question: str, r: Retrieval) -> SentenceCheck | None:
        known = [c for c in r.query.cable_ids if c in self.retriever.index.cable_meta]
        if len(known) != 1:
            return None
        cable = self.retriever.index.cable(known[0])
        m = metadata_answer(question, cable) if cable else None
        if m is None:
            return None
        passages = [(h.pid, h.passage.text) for h in r.hits if h.pid == m.pid]
        sup = self.checker.best_support(m.text, passages, question) if passages else Support(0.0, "", "")
        cid, lab = m.pid.split(" ¶", 1)
        return SentenceCheck(
            m.text,
            (CitationRef(cid, lab, m.pid, "valid"),),
            "supported" if sup.score else "partial",
            round(max(sup.score, 0.5), 3),
            m.pid,
            sup.span,
        )

    def _extract(self, question: str, shown: Sequence[Hit]) -> SentenceCheck | None:
        """When the model gives nothing verifiable: the passage sentence that best matches the question,
        quoted verbatim, if it matches well enough; else None (abstain)."""
        if not tokenize(question):
            return None
        lex = self.retriever.index.lexical
        best: tuple[float, str, Hit] | None = None
        for h in shown[:3]:
            for sent in split_sentences(h.passage.text):
                cover = lex.coverage(question, sent)
                if _WANTS_NUMBER.search(question) and numbers(sent) - numbers(question):
                    cover += 0.15  # a "how many / how long / when" question wants a sentence with a new figure
                if best is None or cover > best[0]:
                    best = (cover, sent, h)
        if best is None or best[0] < EXTRACT_MIN_COVER:
            return None
        cover, sent, h = best
        cid, lab = h.pid.split(" ¶", 1)
        return SentenceCheck(
            f"\u201c{sent}\u201d", (CitationRef(cid, lab, h.pid, "valid"),), "supported", 1.0, h.pid, sent
        )

    def _attribute(self, raw: str, shown: Sequence[Hit], hits: Sequence[Hit], question: str) -> list[SentenceCheck]:
        out: list[SentenceCheck] = []
        cands = [(h.pid, h.passage.text) for h in shown] + [(h.pid, h.passage.text) for h in hits if h not in shown]
        for sent in split_sentences(raw):
            marks = [int(a or b) for a, b in _MARKER.findall(sent)]
            clean = _MARKER.sub("", strip_citations(sent)).strip()
            clean = re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", clean))
            if not clean or not re.search(r"[A-Za-z0-9]", clean):
                continue
            if not (set(tokenize(clean)) - set(tokenize(question))) or _META_ANSWER.search(clean):
                out.append(SentenceCheck(clean, (), "not_factual", 0.0))
                continue
            marked = [(shown[m - 1].pid, shown[m - 1].passage.text) for m in marks if 1 <= m <= len(shown)]
            best = self._best(clean, marked, question) if marked else Support(0.0, "", "")
            if best.score < self.checker.partial:
                best = self._best(clean, cands, question)
            verdict = self.checker.verdict(best.score)
            if verdict != "unsupported" and self.retriever.index.lexical.coverage(question, best.span) < SPAN_MIN_COVER:
                verdict = "unsupported"  # true of some paragraph, but that paragraph is not about the question
            refs: tuple[CitationRef, ...] = ()
            if verdict != "unsupported":
                cid, lab = best.pid.split(" ¶", 1)
                refs = (CitationRef(cid, lab, f"{cid} ¶{lab}", "valid"),)
            out.append(SentenceCheck(clean, refs, verdict, round(best.score, 3), best.pid or None, best.span))
        return out

    def _best(self, sentence: str, cands: Sequence[tuple[str, str]], question: str) -> Support:
        """The candidate that supports the sentence best among spans that are about the question."""
        lex = self.retriever.index.lexical
        scored = [self.checker.support(sentence, pid, text, question) for pid, text in cands]
        if not scored:
            return Support(0.0, "", "")
        return max(scored, key=lambda x: x.score + (0.5 if lex.coverage(question, x.span) >= SPAN_MIN_COVER else 0.0))

    def _abstain(self, question: str, sq: str, hits: Sequence[Hit], timing: Timing, raw: str = "") -> Answer:
        return Answer(question, ABSTAIN_TEXT, True, (), tuple(hits), timing, self.llm.name, "", sq)


def _display(s: SentenceCheck) -> str:
    if s.citations:
        return f"{s.text} [{'; '.join(c.raw for c in s.citations)}]"
    if s.verdict == "unsupported":
        return f"{s.text} [unverified]"
    return s.text
