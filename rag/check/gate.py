"""The one verification stage. Every sentence that can reach the screen (a model's sentence, a quoted passage
sentence, a metadata answer, a sentence of a text given to `cables check`) is a `Draft` (attribution.py), and
`Gate.verify` is the only function that turns drafts into verdicts: the `CitationReport` an `Answer` carries.

For each sentence, the paragraphs it may rest on pass the cheap filters first: no figure the paragraph (or the
question) does not carry; not found only inside a clause the paragraph reports rather than asserts ("denied that
X", "asked whether X", "urged that X"); no "not" (never, no...) on one side only of the claim and the paragraph
sentence it matches best; a support score (support.py: lexical recall, embedding similarity, penalties
for names and negations the paragraph does not carry) of at least `check_partial`. An answer's candidates are the
passages the model was shown, nothing else retrieved.
Of those that pass, the best `judge_candidates` are decided:
- a sentence that is verbatim a whole sentence of the paragraph is `supported` (basis "verbatim"), and so is a
  metadata answer (worded by us from the record) whose value is verbatim in the header or signed paragraph;
- otherwise the entailment judge decides: YES is `supported` (basis "judge"), NO is `unsupported`;
- with the judge off (`Settings.judge = "none"`), passing the filters earns only `partial` (basis "lexical": the
  words, numbers and names match, the meaning was not checked), so no ✔ is shown without the judge except for a
  verbatim whole sentence.
A quote offered as the answer must be judged to answer the question: with the judge off it is never shown.
A sentence nothing supports is `unsupported` and carries no citation in an answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..records import CitationRef, CitationReport, SentenceCheck
from ..settings import Settings
from ..text.sentences import split_sentences
from ..text.words import normalize, tokenize
from .attribution import REFUSAL, Attributor, Candidate, Draft, build_report
from .citations import strip_citations
from .judge import Claim, Frame, Judge
from .support import (
    Idf,
    Scorer,
    SupportScore,
    coverage,
    is_factual,
    negation_flip,
    new_figures,
    new_names,
    swapped_roles,
    unasserted,
)

Progress = Callable[[int, int], None]
# sentences about the passages rather than about the world
_META_ANSWER = re.compile(r"^(the )?(passages?|cables?|text)\b|\bpassages? (do|does)\b", re.I)


class Gate:
    def __init__(
        self, attributor: Attributor, scorer: Scorer, idf: Idf, settings: Settings, judge: Judge | None
    ) -> None:
        self.attributor = attributor
        self.scorer = scorer
        self.idf = idf
        self.settings = settings
        self.judge = judge

    def with_judge(self, judge: Judge | None) -> Gate:
        return Gate(self.attributor, self.scorer, self.idf, self.settings, judge)

    def verify(
        self, drafts: Sequence[Draft], frame: Frame | None = None, progress: Progress | None = None
    ) -> CitationReport:
        """Verdicts for every draft; `frame` puts a judge question in the answer prompt's place (chat)."""
        sentences: list[SentenceCheck] = []
        invalid = [c for d in drafts for c in d.citations if c.status != "valid"]
        contributing = 0
        for i, d in enumerate(drafts, 1):
            check, accepted = self._decide(d, frame)
            sentences.append(check)
            contributing += accepted
            if progress is not None:
                progress(i, len(drafts))
        return build_report(sentences, invalid, contributing)

    def check_text(self, text: str, progress: Progress | None = None) -> CitationReport:
        """`cables check`: per-sentence verdicts for any text that cites cables."""
        return self.verify(self.attributor.text_drafts(text), progress=progress)

    # -- one sentence
    def _decide(self, d: Draft, frame: Frame | None) -> tuple[SentenceCheck, int]:
        if d.origin == "text" and not d.citations:
            verdict = "uncited" if is_factual(d.text) else "not_factual"
            return SentenceCheck(d.text, (), verdict, 0.0, origin=d.origin), 0
        if d.origin == "model" and not self._factual(d):
            return SentenceCheck(d.text, (), "not_factual", 0.0, origin=d.origin), 0
        passing = self._filter(d)
        best = passing[0][1] if passing else self._best_score(d)
        shown_refs = d.citations  # a checked text keeps its own citations whatever the verdict
        accepted: list[tuple[Candidate, SupportScore, str]] = []
        for cand, sup in passing[: max(1, self.settings.judge_candidates)]:
            basis = self._accept(d, cand, sup.span, frame)
            if basis:
                accepted.append((cand, sup, basis))
                if d.origin != "text":
                    break  # an answer sentence needs one paragraph; a checked text has each citation counted
        if accepted:
            cand, sup, basis = accepted[0]
            verdict = "partial" if basis == "lexical" else "supported"
            refs = shown_refs or (CitationRef.to(cand.ref),)
            score = round(sup.score, 3)
            check = SentenceCheck(d.text, refs, verdict, score, cand.ref, sup.span, d.origin, basis)
            return check, len(accepted)
        return SentenceCheck(d.text, shown_refs, "unsupported", round(best.score, 3), best.ref, best.span, d.origin), 0

    def _factual(self, d: Draft) -> bool:
        """An answer sentence states something: not a question, not about the passages, not only the question's
        own words back."""
        if REFUSAL.search(d.text) or _META_ANSWER.search(d.text) or d.text.rstrip().endswith("?"):
            return False
        return bool(set(tokenize(d.text)) - set(tokenize(d.question)))

    def _filter(self, d: Draft) -> list[tuple[Candidate, SupportScore]]:
        """The candidates that pass the cheap checks, best first."""
        floor = self.settings.check_partial
        out: list[tuple[Candidate, SupportScore, float]] = []
        for rank, cand in enumerate(d.candidates):
            if d.origin == "metadata":  # worded by us from the record: only its value is data, checked verbatim
                if d.value and normalize(d.value) in normalize(cand.text):
                    out.append((cand, SupportScore(1.0, d.value, cand.ref), 1.0))
                continue
            if new_figures(d.text, cand.text, d.question):
                continue  # a figure the paragraph does not carry: rejected outright, whatever the words
            if new_names(d.text, cand.text, d.question):
                continue  # a name neither the paragraph nor the question carries, not even in part
            if unasserted(d.text, cand.text):
                continue  # the words are there, but only as something denied, asked about or proposed
            if negation_flip(d.text, cand.text, d.question):
                continue  # "not" on one side only
            if swapped_roles(d.text, cand.text):
                continue  # the same two names around the same action, the other way round
            sup = self.scorer.support(d.text, cand.ref, cand.text, d.question)
            if sup.score < floor and not (d.origin == "quote" and _verbatim(d.text, cand.text)):
                continue
            out.append((cand, sup, sup.score - 0.01 * rank))
        out.sort(key=lambda x: -x[2])
        return [(c, s) for c, s, _ in out]

    def _fragment_in_sentence(self, d: Draft, paragraph: str) -> bool:
        """A short answer ("35 minutes", "33") whose every new word stands in one sentence of the paragraph that
        also carries most of the question ("During a 35-minute meeting on January 31, ... Benjamin ... Saleh"):
        the paragraph answers the question with it. (The small judge says NO to such fragments.)"""
        words = _fragment_words(d, self.settings.fragment_max_words)
        if not words or not d.question:
            return False
        return any(
            words <= set(tokenize(s)) and coverage(d.question, s, self.idf) >= self.settings.fragment_min_cover
            for s in split_sentences(paragraph)
        )

    def _best_score(self, d: Draft) -> SupportScore:
        scored = [self.scorer.support(d.text, c.ref, c.text, d.question) for c in d.candidates]
        return max(scored, key=lambda x: x.score, default=SupportScore(0.0, "", None))

    def _accept(self, d: Draft, cand: Candidate, span: str, frame: Frame | None) -> str:
        """'verbatim', 'judge' or 'lexical' when the paragraph is accepted as this sentence's support; '' if not."""
        if d.origin == "metadata" or (d.origin != "quote" and _verbatim(d.text, cand.text)):
            return "verbatim"  # a metadata sentence passed the filter only with its value verbatim in the paragraph
        if d.origin == "model" and self._fragment_in_sentence(d, cand.text):
            return "span"
        if self.judge is None:
            return "" if d.origin == "quote" else "lexical"
        in_prompt = frame if d.origin in ("model", "quote") else None
        passage = window(cand.text, span, self.settings.judge_passage_chars)
        said = strip_citations(d.text) if d.origin == "text" else d.text.strip("\u201c\u201d")
        claim = Claim(said, passage, cand.label, d.question, d.origin == "quote")
        return "judge" if self.judge.entails(claim, in_prompt) else ""


def _fragment_words(d: Draft, max_words: int) -> set[str]:
    said = tokenize(strip_citations(d.text))
    return set(said) - set(tokenize(d.question)) if 0 < len(said) <= max_words else set()


def _verbatim(sentence: str, paragraph: str) -> bool:
    """The sentence (its citations removed) is, word for word, one whole sentence of the paragraph."""
    claim = normalize(strip_citations(sentence))
    return len(claim) >= 20 and any(normalize(s) == claim for s in split_sentences(paragraph))


def window(text: str, span: str, chars: int) -> str:
    """The paragraph, or when it is longer than `chars`, the part of it around the best-matching span (whole
    sentences, the span's neighbours first): what a judge working alone reads. Judge cost grows with its length."""
    if len(text) <= chars:
        return text
    sents = split_sentences(text)
    hit = next((i for i, s in enumerate(sents) if s and s in span), 0)
    lo = hi = hit
    while True:
        grew = False
        for j in (lo - 1, hi + 1):
            if 0 <= j < len(sents) and len(" ".join(sents[min(lo, j) : max(hi, j) + 1])) <= chars:
                lo, hi, grew = min(lo, j), max(hi, j), True
        if not grew:
            return " ".join(sents[lo : hi + 1])[: max(chars, len(sents[hit]))]
