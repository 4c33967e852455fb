"""Drafts: every sentence that may reach the screen, before it is checked, with the paragraphs it may rest on.

A draft comes from a model's answer (its sentences, the model's [Pn] markers removed, the passages it saw as
candidates), from a text given to `cables check` (its sentences and the paragraphs they cite), from a passage sentence
quoted as the answer, or from a cable's metadata. Drafts decide nothing: `gate.py` turns them into verdicts."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..ids import ParagraphRef
from ..ingest.passages import paragraph_text
from ..records import Cable, CitationRef, CitationReport, Hit, SentenceCheck
from ..text.sentences import split_sentences
from ..text.words import numbers, tokenize
from .citations import find_citations, strip_citations
from .support import Idf, coverage

Lookup = Callable[[str], Cable | None]
# a model's own citation markers: [P1], (P2), P3 at the end of a sentence; never "P5+1" or "the P5 members"
_MARKER = re.compile(r"[\[(]\s*P\s*(\d{1,2})\s*[\])]|(?<![\w+\-/])P(\d{1,2})(?![\w+\-/])(?=\s*[.,;:]?\s*$)")
# a model saying the passages do not answer
REFUSAL = re.compile(
    r"NOT IN (THE )?CABLES|not (contained|mentioned|provided|found|stated|given) in the (passages|cables)|"
    r"\b(passages?|cables?|texts?|documents?|context)\b[^.]{0,40}?\b(do|does|did) not (contain|mention|say|state|"
    r"provide|specify|answer|include|give)|no information|cannot be (answered|determined)",
    re.I,
)
_WANTS_NUMBER = re.compile(r"^\s*(how (many|much|long|old|far)|when|what (date|year|time|day))\b", re.I)


@dataclass(frozen=True)
class Candidate:
    """A paragraph a sentence may rest on: its key, the text it is judged against, and its name in the prompt."""

    ref: ParagraphRef
    text: str
    label: str  # "P2" for a passage the model saw; the reference itself otherwise

    @classmethod
    def shown(cls, hits: Sequence[Hit]) -> tuple[Candidate, ...]:
        return tuple(cls(h.ref, h.passage.text, f"P{i}") for i, h in enumerate(hits, 1))


@dataclass(frozen=True)
class Draft:
    text: str  # as it will be shown
    origin: str  # model | quote | metadata | text
    candidates: tuple[Candidate, ...]  # the paragraphs it may rest on, the model's marked ones first
    citations: tuple[CitationRef, ...] = ()  # citations written in a checked text, valid or not
    question: str = ""  # the question an answer restates: its words need no support; a short answer is read with it
    value: str = ""  # a metadata answer's value (the only data in a sentence we word ourselves)


def build_report(
    sentences: Sequence[SentenceCheck], invalid: Sequence[CitationRef] = (), contributing: int | None = None
) -> CitationReport:
    """Citation recall: share of factual sentences judged supported. Citation precision: share of valid citations
    whose sentence they support at least partly (`contributing`, counted by the gate when a sentence cites several
    paragraphs)."""
    factual = [s for s in sentences if s.verdict != "not_factual"]
    recall = (sum(1 for s in factual if s.verdict == "supported") / len(factual)) if factual else 1.0
    total_valid = sum(1 for s in sentences for c in s.citations if c.status == "valid")
    if contributing is None:
        contributing = sum(len(s.citations) for s in sentences if s.verdict in ("supported", "partial"))
    precision = contributing / total_valid if total_valid else (1.0 if not invalid else 0.0)
    return CitationReport(tuple(sentences), round(recall, 4), round(precision, 4), tuple(invalid))


class Attributor:
    def __init__(self, lookup: Lookup, idf: Idf, extract_min_cover: float) -> None:
        self.lookup = lookup
        self.idf = idf
        self.extract_min_cover = extract_min_cover

    def resolve(self, cable_id: str, labels: tuple[str, ...], raw: str) -> list[tuple[CitationRef, str]]:
        """Each cited paragraph with its text ('' when invalid); a whole-cable citation gets all its text."""
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

    def text_drafts(self, text: str) -> list[Draft]:
        """One draft per sentence of any text that cites cables; a blank line or list item ends a sentence."""
        out: list[Draft] = []
        sents: list[str] = []
        for sent in split_sentences(text):
            if sents and not re.search(r"[A-Za-z0-9]", _MARKER.sub("", strip_citations(sent))) and find_citations(sent):
                sents[-1] = f"{sents[-1]} {sent}"  # "... thaw. [08MOSCOW1215 ¶3]": the citation closes the sentence
            else:
                sents.append(sent)
        for sent in sents:
            refs: list[CitationRef] = []
            cands: list[Candidate] = []
            for fc in find_citations(sent):
                for ref, ptext in self.resolve(fc.cable_id, fc.paragraphs, fc.raw):
                    refs.append(ref)
                    if ref.status == "valid":
                        key = ref.ref or ParagraphRef(ref.cable_id, "0")
                        cands.append(Candidate(key, ptext, str(ref.ref) if ref.ref else ref.cable_id))
            out.append(Draft(sent, "text", tuple(cands), tuple(refs)))
        return out

    def answer_drafts(self, raw: str, shown: Sequence[Hit], question: str) -> list[Draft]:
        """Each sentence of a model's answer; its candidates are the passages the model saw, marked ones first."""
        out: list[Draft] = []
        cands = Candidate.shown(shown)
        for sent in split_sentences(raw):
            marks = [int(a or b) for a, b in _MARKER.findall(sent)]
            clean = _MARKER.sub("", strip_citations(sent)).strip()
            clean = re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", clean))
            if not clean or not re.search(r"[A-Za-z0-9]", clean):
                continue
            marked = tuple(cands[m - 1] for m in dict.fromkeys(marks) if 1 <= m <= len(cands))
            rest = tuple(c for c in cands if c not in marked)
            out.append(Draft(clean, "model", marked + rest, (), question))
        return out

    def quote_draft(self, question: str, shown: Sequence[Hit]) -> Draft | None:
        """The passage sentence that best matches the question, quoted verbatim, as a candidate answer (the gate
        shows it only if the judge says it answers the question); None when none matches well enough."""
        if not tokenize(question):
            return None
        best: tuple[float, str, Candidate] | None = None
        for cand in Candidate.shown(shown):
            for sent in split_sentences(cand.text):
                cover = coverage(question, sent, self.idf)
                if _WANTS_NUMBER.search(question) and numbers(sent) - numbers(question):
                    cover += 0.15  # a "how many / how long / when" question wants a sentence with a new figure
                if best is None or cover > best[0]:
                    best = (cover, sent, cand)
        if best is None or best[0] < self.extract_min_cover:
            return None
        _, sent, cand = best
        return Draft(f"\u201c{sent}\u201d", "quote", (cand,), (), question)

    def metadata_draft(self, text: str, value: str, ref: ParagraphRef, question: str) -> Draft:
        """A sentence stating a cable's metadata, to be checked against the paragraph that carries the value."""
        cable = self.lookup(ref.cable_id)
        para = cable.paragraph(ref.label) if cable else None
        ptext = paragraph_text(cable, para) if cable and para else ""
        cands = (Candidate(ref, ptext, str(ref)),) if ptext else ()
        return Draft(text, "metadata", cands, (), question, value)
