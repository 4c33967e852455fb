"""How well a paragraph supports a sentence: a score in [0, 1] and the span that matches best.

Score = w * lexical recall of the sentence's content words in the best-matching span + (1 - w) * embedding cosine
with that span, minus penalties for numbers, names and negations the span does not carry (a changed figure is the
classic fabrication). A verbatim (or near-verbatim) quote is supported outright. The weights and thresholds are
Settings fields (`check_*`), calibrated by `eval/calibrate_checker.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..backends.embedder import Embedder
from ..ids import ParagraphRef
from ..settings import Settings
from ..text.sentences import split_sentences
from ..text.words import names, normalize, numbers, tokenize
from .citations import strip_citations

Idf = Callable[[str], float]
_ROLE_SPAN = 8  # words between two names read as one action
_NEG = re.compile(r"\b(not|no|never|neither|nor|none|without|n't)\b", re.I)  # "refused", "denied" are verbs
_META = re.compile(
    r"^(the )?(indexed )?cables?( here)? (do|does) not|^i (do not|don't|cannot) know|^no (answer|information)", re.I
)


@dataclass(frozen=True)
class SupportScore:
    score: float
    span: str
    ref: ParagraphRef | None


NO_SUPPORT = SupportScore(0.0, "", None)


def is_factual(sentence: str) -> bool:
    s = strip_citations(sentence)
    if s.endswith("?") or _META.search(s):
        return False
    return len(tokenize(s)) >= 4 or bool(numbers(s))


def new_figures(sentence: str, text: str, given: str = "") -> set[str]:
    """Figures the sentence states that neither the paragraph nor the question carries (a changed number or date)."""
    return numbers(strip_citations(sentence)) - numbers(text) - numbers(given)


_RUN = re.compile(r"[A-Z][\w'-]*(?:\s+(?:[A-Z]\.\s+)*(?:(?:al|bin|de|da|von|van)[- ])?[A-Z][\w'-]*)*")


def new_names(sentence: str, text: str, given: str = "") -> set[str]:
    """Names the sentence states that neither the paragraph nor the question carries, not even in part: a changed
    name ("the German and Fabrik missions" for "German and French"). A full name around a surname the paragraph
    gives ("Ambassador Charles A. Ray" for RAY) and a hyphenated compound of known words ("British-born") pass."""
    claim = strip_citations(sentence)
    known = set(tokenize(f"{text} {given}"))
    unknown = {n for n in names(claim) if not set(tokenize(n)) & known}
    if not unknown:
        return set()
    out: set[str] = set()
    for run in _RUN.findall(claim):
        words = set(tokenize(run))
        if words & unknown and not words & known:
            out |= words & unknown
    return out


def negation_flip(sentence: str, text: str, given: str = "") -> bool:
    """The sentence says "not" (never, no...) where the paragraph's sentence it matches best does not, or the other
    way round: a negated or un-negated claim, rejected before any judge (small judges miss a lone "not")."""
    claim = strip_citations(sentence)
    if _NEG.search(given):
        return False
    ctoks = set(tokenize(claim))
    sents = split_sentences(text)
    if not ctoks or not sents:
        return False
    best = max(sents, key=lambda x: len(ctoks & set(tokenize(x))))
    return bool(_NEG.search(claim)) != bool(_NEG.search(best))


# words after which a clause is reported, not asserted: "denied (reports) that X", "asked whether X", "urged that X"
_UNASSERTED = re.compile(
    r"\b(deny|denies|denied|denying|reject(?:s|ed)?|dismiss(?:es|ed)?|refute[sd]?|ask(?:s|ed)?|wonder(?:s|ed)?|"
    r"question(?:s|ed)?|inquired|whether|if|unless|urge[sd]?|propose[sd]?|hope[sd]?|want(?:s|ed)?|demand(?:s|ed)?|"
    r"call(?:s|ed)? for|recommend(?:s|ed)?|rumou?rs?|allegations?|speculation|suggestions?)"
    r"(?: [a-z]+){0,3}? (?:that )?$"
)


def unasserted(sentence: str, text: str) -> bool:
    """The sentence occurs in the paragraph only inside a clause the paragraph reports rather than asserts ("He
    denied reports that the minister resigned" does not support "the minister resigned")."""
    claim = normalize(strip_citations(sentence))
    if len(claim.split()) < 4:
        return False
    found = False
    for sent in split_sentences(text):  # the words before it, within its own sentence
        body = normalize(sent)
        for i in (m.start() for m in re.finditer(re.escape(claim), body)):
            if not _UNASSERTED.search(body[max(0, i - 80) : i].rstrip() + " "):
                return False  # asserted somewhere
            found = True
    return found


# relations that read the same both ways round ("A met B" = "B met A"): never a swap
_SYMMETRIC = frozenset(
    ("met", "meet", "meets", "meeting", "talked", "spoke", "discussed", "negotiated", "agreed", "clashed", "fought")
)


def _orders(ws: list[str], a: str, b: str, acts: set[str]) -> set[tuple[bool, bool]]:
    """In one sentence's words, for each `a` and `b` with an act between them: (a comes first, "by" between)."""
    out: set[tuple[bool, bool]] = set()
    for i in (k for k, w in enumerate(ws) if w == a):
        for j in (k for k, w in enumerate(ws) if w == b):
            span = set(ws[min(i, j) + 1 : max(i, j)])
            if acts & span:
                out.add((i < j, "by" in span))
    return out


def swapped_roles(sentence: str, text: str) -> bool:
    """The sentence puts two names around an action the other way round from the paragraph, which never has them
    in the sentence's order ("Saleh congratulated Benjamin" against "Benjamin congratulated Saleh"; "hosted by
    Japan" against "hosted by Donors"): who did what to whom changed. Each pair of name occurrences is read with
    the words between them only, and compared with the paragraph's pairs of the same voice (active with active,
    "by" with "by"). Symmetric relations ("met") are left to the judge."""
    said = strip_citations(sentence)
    claim = normalize(said).split()
    who = names(f"x {said}")
    capitalised = {normalize(w) for w in re.findall(r"\b[A-Z][\w'-]*", said)}  # names, titles
    at = [(k, w) for k, w in enumerate(claim) if w in who]
    sents = [normalize(x).split() for x in split_sentences(text)]
    for (i, a), (j, b) in ((x, y) for x in at for y in at if x[0] < y[0] and x[1] != y[1]):
        between = claim[i + 1 : j]
        acts = {w for w in between if w not in capitalised and len(w) > 3} - _SYMMETRIC
        if not acts or len(between) > _ROLE_SPAN:
            continue
        passive = "by" in between
        seen = set().union(*(_orders(ws, a, b, acts) for ws in sents if a in ws and b in ws))
        if {first for first, by in seen if by == passive} == {False}:
            return True
    return False


def coverage(query: str, text: str, idf: Idf) -> float:
    """IDF-weighted share of the query's words that occur in `text`."""
    q = set(tokenize(query))
    if not q:
        return 0.0
    t = set(tokenize(text))
    w = {x: idf(x) for x in q}
    total = sum(w.values())
    return sum(v for x, v in w.items() if x in t) / total if total else 0.0


def _spans(text: str) -> list[str]:
    sents = split_sentences(text)
    spans = list(sents)
    spans += [f"{a} {b}" for a, b in zip(sents, sents[1:], strict=False)]
    return spans or [text]


class Scorer:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder

    def verdict(self, score: float) -> str:
        s = self.settings
        return "supported" if score >= s.check_supported else "partial" if score >= s.check_partial else "unsupported"

    def support(self, sentence: str, ref: ParagraphRef | None, text: str, given: str = "") -> SupportScore:
        """How well `text` supports `sentence`. Words, numbers and names also in `given` (the question an answer
        restates) need no support; only what the sentence adds is judged."""
        s = self.settings
        claim = strip_citations(sentence)
        if len(normalize(claim)) >= 20 and normalize(claim) in normalize(text):
            return SupportScore(1.0, claim, ref)
        ctoks = set(tokenize(claim)) - set(tokenize(given))
        if not ctoks:
            return SupportScore(0.0, "", ref)
        spans = _spans(text)
        lex = [len(ctoks & set(tokenize(x))) / len(ctoks) for x in spans]
        best = int(np.argmax(lex))
        span = spans[best]
        score = lex[best]
        if self.embedder is not None:
            w = s.check_lexical_weight
            top = sorted(range(len(spans)), key=lambda i: -lex[i])[:4]
            # a short answer ("35 minutes") means little alone: embed it with the question it answers
            probe = f"{given} {claim}" if given and len(tokenize(claim)) < 6 else claim
            vecs = self.embedder.embed_batch([probe] + [spans[i] for i in top])
            sims = vecs[1:] @ vecs[0]
            j = int(np.argmax(w * np.array([lex[i] for i in top]) + (1 - w) * sims))
            span = spans[top[j]]
            score = w * lex[top[j]] + (1 - w) * float(sims[j])
        penalty = min(0.6, s.check_number_penalty * len(numbers(claim) - numbers(text) - numbers(given)))
        known = {x.lower() for x in re.findall(r"[A-Za-z']+", text + " " + given)}
        missing_names = names(claim) - set(tokenize(text)) - known
        penalty += min(0.5, s.check_name_penalty * len(missing_names))
        if bool(_NEG.search(claim)) != bool(_NEG.search(span)) and not _NEG.search(given):
            penalty += s.check_negation_penalty
        return SupportScore(max(0.0, score - penalty), span, ref)
