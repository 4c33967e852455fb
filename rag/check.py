"""Citation checking: find each citation, resolve it, and judge each sentence by its cited paragraph(s).

Score of a sentence against a paragraph = 0.55 * lexical recall of the sentence's content words in the
best-matching span + 0.45 * embedding cosine with that span, minus penalties for numbers, names and
negations the span does not carry (a changed figure is the classic fabrication). A verbatim (or
near-verbatim) quote is supported outright. Thresholds are calibrated by `eval/calibrate_checker.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .chunk import header_text
from .citations import find_citations, strip_citations
from .embed import Embedder
from .lexical import STOP, tokenize
from .metrics import NUMBER_WORDS as _NUM_WORDS
from .metrics import normalize
from .records import Cable, CitationRef, CitationReport, SentenceCheck
from .sentences import split_sentences

SUPPORTED = 0.60
PARTIAL = 0.45
_NEG = re.compile(r"\b(not|no|never|neither|nor|none|without|refused|denied|rejected|n't)\b", re.I)
_META = re.compile(
    r"^(the )?(indexed )?cables?( here)? (do|does) not|^i (do not|don't|cannot) know|^no (answer|information)", re.I
)


@dataclass(frozen=True)
class Support:
    score: float
    span: str
    pid: str


def numbers(text: str) -> set[str]:
    found = {n.replace(",", "").lstrip("0") or "0" for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    found |= {_NUM_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUM_WORDS}
    return {n.rstrip(".") for n in found}


def names(text: str) -> set[str]:
    """Capitalised words not at a sentence start: people, places, organisations."""
    out: set[str] = set()
    words = re.findall(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z'\-]{2,})", text)
    for w in words:
        lw = w.lower()
        if lw not in STOP and lw not in {"ambassador", "minister", "president", "embassy", "government"}:
            out.add(lw.split("'")[0])
    return out


def is_factual(sentence: str) -> bool:
    s = strip_citations(sentence)
    if s.endswith("?") or _META.search(s):
        return False
    content = [t for t in tokenize(s)]
    return len(content) >= 4 or bool(numbers(s))


def _spans(text: str) -> list[str]:
    sents = split_sentences(text)
    spans = list(sents)
    spans += [f"{a} {b}" for a, b in zip(sents, sents[1:], strict=False)]
    return spans or [text]


class Checker:
    def __init__(
        self,
        lookup: Callable[[str], Cable | None],
        embedder: Embedder | None = None,
        supported: float = SUPPORTED,
        partial: float = PARTIAL,
    ) -> None:
        self.lookup = lookup
        self.embedder = embedder
        self.supported = supported
        self.partial = partial

    # -- scoring
    def support(self, sentence: str, pid: str, text: str, given: str = "") -> Support:
        """How well `text` supports `sentence`. Words, numbers and names also in `given` (the question an
        answer restates) need no support; only what the sentence adds is judged."""
        claim = strip_citations(sentence)
        if len(normalize(claim)) >= 20 and normalize(claim) in normalize(text):
            return Support(1.0, claim, pid)
        ctoks = set(tokenize(claim)) - set(tokenize(given))
        if not ctoks:
            return Support(0.0, "", pid)
        spans = _spans(text)
        lex = [len(ctoks & set(tokenize(s))) / len(ctoks) for s in spans]
        best = int(np.argmax(lex))
        span = spans[best]
        score = lex[best]
        if self.embedder is not None:
            top = sorted(range(len(spans)), key=lambda i: -lex[i])[:4]
            # a short answer ("35 minutes") means little alone: embed it with the question it answers
            probe = f"{given} {claim}" if given and len(tokenize(claim)) < 6 else claim
            vecs = self.embedder.embed([probe] + [spans[i] for i in top])
            sims = vecs[1:] @ vecs[0]
            j = int(np.argmax(0.55 * np.array([lex[i] for i in top]) + 0.45 * sims))
            span = spans[top[j]]
            score = 0.55 * lex[top[j]] + 0.45 * float(sims[j])
        penalty = 0.0
        missing_nums = numbers(claim) - numbers(text) - numbers(given)
        penalty += min(0.6, 0.45 * len(missing_nums))
        known = {w.lower() for w in re.findall(r"[A-Za-z']+", text + " " + given)}
        missing_names = names(claim) - set(tokenize(text)) - known
        penalty += min(0.5, 0.3 * len(missing_names))
        if bool(_NEG.search(claim)) != bool(_NEG.search(span)) and not _NEG.search(given):
            penalty += 0.15
        return Support(max(0.0, score - penalty), span, pid)

    def verdict(self, score: float) -> str:
        return "supported" if score >= self.supported else "partial" if score >= self.partial else "unsupported"

    def best_support(self, sentence: str, candidates: Sequence[tuple[str, str]], given: str = "") -> Support:
        """Best of (pid, text) candidates for a sentence."""
        best = Support(0.0, "", "")
        for pid, text in candidates:
            s = self.support(sentence, pid, text, given)
            if s.score > best.score:
                best = s
        return best

    # -- resolving
    def resolve(self, cable_id: str, labels: tuple[str, ...], raw: str) -> list[tuple[CitationRef, str]]:
        """Each cited paragraph with its text ('' when invalid)."""
        cable = self.lookup(cable_id)
        if cable is None:
            return [(CitationRef(cable_id, labels[0] if labels else None, raw, "unknown_cable"), "")]
        if not labels:
            body = " ".join(p.text for p in cable.paragraphs)
            return [(CitationRef(cable_id, None, raw, "valid"), body)]
        out = []
        for lab in labels:
            p = cable.paragraph(lab)
            text = (header_text(cable, p) if p.num == 0 else p.text) if p else ""
            out.append((CitationRef(cable_id, lab, raw, "valid" if p else "unknown_paragraph"), text))
        return out

    def check_text(self, text: str) -> CitationReport:
        """Per-sentence verdicts for any text that cites cables (a memo, an answer)."""
        sentences: list[SentenceCheck] = []
        invalid: list[CitationRef] = []
        contributing = total_valid = 0
        for sent in split_sentences(text):
            found = find_citations(sent)
            if not found:
                verdict = "uncited" if is_factual(sent) else "not_factual"
                sentences.append(SentenceCheck(sent, (), verdict, 0.0))
                continue
            refs: list[CitationRef] = []
            scored: list[Support] = []
            for fc in found:
                for ref, ptext in self.resolve(fc.cable_id, fc.paragraphs, fc.raw):
                    refs.append(ref)
                    if ref.status != "valid":
                        invalid.append(ref)
                        continue
                    total_valid += 1
                    pid = ref.pid or ref.cable_id
                    scored.append(self.support(sent, pid, ptext))
            best = max(scored, key=lambda s: s.score) if scored else Support(0.0, "", "")
            contributing += sum(1 for s in scored if s.score >= self.partial)
            verdict = self.verdict(best.score) if scored else "unsupported"
            sentences.append(
                SentenceCheck(sent, tuple(refs), verdict, round(best.score, 3), best.pid or None, best.span)
            )
        return report(sentences, invalid, contributing, total_valid)


def report(
    sentences: Sequence[SentenceCheck], invalid: Sequence[CitationRef], contributing: int, total_valid: int
) -> CitationReport:
    factual = [s for s in sentences if s.verdict != "not_factual"]
    recall = (sum(1 for s in factual if s.verdict == "supported") / len(factual)) if factual else 1.0
    precision = contributing / total_valid if total_valid else (1.0 if not invalid else 0.0)
    return CitationReport(tuple(sentences), round(recall, 4), round(precision, 4), tuple(invalid))
