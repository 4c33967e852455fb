"""Verdicts, sentence by sentence, for any text that cites cables (`cables check`) and for chat answers (every
sentence attributed to the retrieved paragraph that supports it, whatever markers the model wrote). The only place
where a sentence becomes `supported`, `partial` or `unsupported`, and the only builder of a CitationReport."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..ids import ParagraphRef
from ..ingest.passages import paragraph_text
from ..records import Cable, CitationRef, CitationReport, Hit, SentenceCheck
from ..settings import Settings
from ..text.sentences import split_sentences
from ..text.words import numbers, tokenize
from .citations import find_citations, strip_citations
from .support import NO_SUPPORT, Idf, Scorer, SupportScore, coverage, is_factual

Lookup = Callable[[str], Cable | None]
# a model's own citation markers: [P1], P2
_MARKER = re.compile(r"\[\s*P\s*(\d{1,2})\s*\]|\bP(\d{1,2})\b")
# sentences about the passages rather than about the world
_META_ANSWER = re.compile(r"^(the )?(passages?|cables?|text)\b|\bpassages? (do|does)\b", re.I)
# a model saying the passages do not answer
REFUSAL = re.compile(
    r"NOT IN (THE )?CABLES|not (contained|mentioned|provided|found|stated|given) in the (passages|cables)|"
    r"passages do not (contain|mention|say|state|provide)|no information",
    re.I,
)
_WANTS_NUMBER = re.compile(r"^\s*(how (many|much|long|old|far)|when|what (date|year|time|day))\b", re.I)


@dataclass(frozen=True)
class Candidate:
    """A paragraph a sentence may rest on, with the text it is judged against."""

    ref: ParagraphRef
    text: str

    @classmethod
    def of(cls, hit: Hit) -> Candidate:
        return cls(hit.ref, hit.passage.text)


def build_report(
    sentences: Sequence[SentenceCheck], invalid: Sequence[CitationRef] = (), contributing: int | None = None
) -> CitationReport:
    """Citation recall: share of factual sentences judged supported. Citation precision: share of valid citations
    whose sentence they support at least partly (`contributing`, counted by the caller when a sentence cites
    several paragraphs)."""
    factual = [s for s in sentences if s.verdict != "not_factual"]
    recall = (sum(1 for s in factual if s.verdict == "supported") / len(factual)) if factual else 1.0
    total_valid = sum(1 for s in sentences for c in s.citations if c.status == "valid")
    if contributing is None:
        contributing = sum(len(s.citations) for s in sentences if s.verdict in ("supported", "partial"))
    precision = contributing / total_valid if total_valid else (1.0 if not invalid else 0.0)
    return CitationReport(tuple(sentences), round(recall, 4), round(precision, 4), tuple(invalid))


class Attributor:
    def __init__(self, scorer: Scorer, lookup: Lookup, idf: Idf, settings: Settings) -> None:
        self.scorer = scorer
        self.lookup = lookup
        self.idf = idf
        self.settings = settings

    # -- any text with citations
    def resolve(self, cable_id: str, labels: tuple[str, ...], raw: str) -> list[tuple[CitationRef, str]]:
        """Each cited paragraph with its text ('' when invalid)."""
        cable = self.lookup(cable_id)
        if cable is None:
            return [(CitationRef(cable_id, labels[0] if labels else None, raw, "unknown_cable"), "")]
        if not labels:
            return [(CitationRef(cable_id, None, raw, "valid"), " ".join(p.text for p in cable.paragraphs))]
        out = []
        for lab in labels:
            p = cable.paragraph(lab)
            text = paragraph_text(cable, p) if p else ""
            out.append((CitationRef(cable_id, lab, raw, "valid" if p else "unknown_paragraph"), text))
        return out

    def check_text(self, text: str) -> CitationReport:
        """Per-sentence verdicts for any text that cites cables (a memo, an answer)."""
        sentences: list[SentenceCheck] = []
        invalid: list[CitationRef] = []
        contributing = 0
        for sent in split_sentences(text):
            found = find_citations(sent)
            if not found:
                verdict = "uncited" if is_factual(sent) else "not_factual"
                sentences.append(SentenceCheck(sent, (), verdict, 0.0))
                continue
            refs: list[CitationRef] = []
            scored: list[SupportScore] = []
            for fc in found:
                for ref, ptext in self.resolve(fc.cable_id, fc.paragraphs, fc.raw):
                    refs.append(ref)
                    if ref.status != "valid":
                        invalid.append(ref)
                        continue
                    scored.append(self.scorer.support(sent, ref.ref, ptext))
            best = max(scored, key=lambda x: x.score) if scored else NO_SUPPORT
            contributing += sum(1 for x in scored if x.score >= self.settings.check_partial)
            verdict = self.scorer.verdict(best.score) if scored else "unsupported"
            sentences.append(SentenceCheck(sent, tuple(refs), verdict, round(best.score, 3), best.ref, best.span))
        return build_report(sentences, invalid, contributing)

    # -- chat answers
    def attribute(self, raw: str, shown: Sequence[Hit], hits: Sequence[Hit], question: str) -> list[SentenceCheck]:
        """Each sentence of a model's answer, attributed to the shown or retrieved paragraph that supports it best
        among those about the question; the model's [Pn] markers are tried first and kept only if they check out."""
        out: list[SentenceCheck] = []
        cands = [Candidate.of(h) for h in shown] + [Candidate.of(h) for h in hits if h not in shown]
        for sent in split_sentences(raw):
            marks = [int(a or b) for a, b in _MARKER.findall(sent)]
            clean = _MARKER.sub("", strip_citations(sent)).strip()
            clean = re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", clean))
            if not clean or not re.search(r"[A-Za-z0-9]", clean):
                continue
            if not (set(tokenize(clean)) - set(tokenize(question))) or _META_ANSWER.search(clean):
                out.append(SentenceCheck(clean, (), "not_factual", 0.0))
                continue
            marked = [Candidate.of(shown[m - 1]) for m in marks if 1 <= m <= len(shown)]
            best = self._best(clean, marked, question) if marked else NO_SUPPORT
            if best.score < self.settings.check_partial:
                best = self._best(clean, cands, question)
            verdict = self.scorer.verdict(best.score)
            if verdict != "unsupported" and coverage(question, best.span, self.idf) < self.settings.span_min_cover:
                verdict = "unsupported"  # true of some paragraph, but that paragraph is not about the question
            refs = (CitationRef.to(best.ref),) if verdict != "unsupported" and best.ref else ()
            out.append(SentenceCheck(clean, refs, verdict, round(best.score, 3), best.ref, best.span))
        return out

    def _best(self, sentence: str, cands: Sequence[Candidate], question: str) -> SupportScore:
        """The candidate that supports the sentence best among spans that are about the question."""
        scored = [self.scorer.support(sentence, c.ref, c.text, question) for c in cands]
        if not scored:
            return NO_SUPPORT
        floor = self.settings.span_min_cover
        return max(scored, key=lambda x: x.score + (0.5 if coverage(question, x.span, self.idf) >= floor else 0.0))

    def quote(self, question: str, shown: Sequence[Hit]) -> SentenceCheck | None:
        """When the model gives nothing verifiable: the passage sentence that best matches the question, quoted
        verbatim, if it matches well enough; else None."""
        if not tokenize(question):
            return None
        best: tuple[float, str, Hit] | None = None
        for h in shown[:3]:
            for sent in split_sentences(h.passage.text):
                cover = coverage(question, sent, self.idf)
                if _WANTS_NUMBER.search(question) and numbers(sent) - numbers(question):
                    cover += 0.15  # a "how many / how long / when" question wants a sentence with a new figure
                if best is None or cover > best[0]:
                    best = (cover, sent, h)
        if best is None or best[0] < self.settings.extract_min_cover:
            return None
        _, sent, h = best
        return SentenceCheck(f"\u201c{sent}\u201d", (CitationRef.to(h.ref),), "supported", 1.0, h.ref, sent)

    def metadata_sentence(self, text: str, ref: ParagraphRef, hits: Sequence[Hit], question: str) -> SentenceCheck:
        """A sentence stating a cable's metadata, checked against the paragraph that carries the value."""
        cands = [Candidate.of(h) for h in hits if h.ref == ref]
        scored = (self.scorer.support(text, c.ref, c.text, question) for c in cands)
        sup = max(scored, key=lambda x: x.score, default=NO_SUPPORT)
        sup = sup if sup.score > 0 else NO_SUPPORT
        verdict = "supported" if sup.score else "partial"
        return SentenceCheck(text, (CitationRef.to(ref),), verdict, round(max(sup.score, 0.5), 3), ref, sup.span)
