"""Frozen records passed between pipeline stages.

Cable/Paragraph (parse) -> Passage (chunk) -> Hit (retrieve) -> Answer (answer) -> CitationReport (check).
The paragraph ID (`pid`) is the one key used everywhere: index row map, citations, gold set, UI.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

_SUFFIXES = string.ascii_lowercase


def paragraph_label(num: int, dup: int = 1) -> str:
    """The cable's own number, plus a letter for the 2nd, 3rd... paragraph that repeats it (3, 3b, 3c)."""
    return f"{num}{_SUFFIXES[dup - 1] if dup > 1 else ''}" if dup <= 26 else f"{num}.{dup}"


def label_num(label: str | None) -> int | None:
    """The cable's own paragraph number of a label ("3b" -> 3); None for a whole-cable citation."""
    if label is None:
        return None
    digits = "".join(ch for ch in label.split(".")[0] if ch.isdigit())
    return int(digits) if digits else None


def ref_json(cable_id: str, label: str | None, **extra: object) -> dict[str, object]:
    """A cited or retrieved paragraph in the CLI's JSON: `paragraph` is the cable's own number (an integer, as in
    the gold files; 0 is the header), `label` tells repeated numbers apart ("3b")."""
    return {"cable_id": cable_id, "paragraph": label_num(label), "label": label, **extra}


def make_pid(cable_id: str, num: int, dup: int = 1) -> str:
    """Stable paragraph ID, also the citation text: `07MOSCOW828 ¶5`."""
    return f"{cable_id} ¶{paragraph_label(num, dup)}"


@dataclass(frozen=True)
class Paragraph:
    cable_id: str
    num: int  # the cable's own number; 0 is the header before ¶1
    text: str
    marking: str = ""  # portion marking without parentheses: C, S/NF, SBU, U
    dup: int = 1  # 2 for the second paragraph carrying the same number, ...
    heading: str = ""  # section heading printed just before this paragraph

    @property
    def label(self) -> str:
        return paragraph_label(self.num, self.dup)

    @property
    def pid(self) -> str:
        return make_pid(self.cable_id, self.num, self.dup)


@dataclass(frozen=True)
class Cable:
    id: str
    paragraphs: tuple[Paragraph, ...]
    created: str = ""  # "YYYY-MM-DD HH:MM"
    released: str = ""
    origin: str = ""
    classification: str = ""
    subject: str = ""
    tags: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    classified_by: str = ""
    signer: str = ""
    caveats: tuple[str, ...] = ()
    source: str = ""  # file path (or archive member) it came from
    fmt: str = ""  # html | text | csv
    numbered: bool = True  # False when paragraphs fell back to blank-line blocks
    partial: bool = False  # WikiLeaks "partial extract" record

    @property
    def year(self) -> int | None:
        return int(self.created[:4]) if self.created[:4].isdigit() else None

    def paragraph(self, label: str) -> Paragraph | None:
        for p in self.paragraphs:
            if p.label == label:
                return p
        return None


@dataclass(frozen=True)
class Passage:
    """One embedded unit: a paragraph, or one window of a long paragraph (same pid, same citation)."""

    pid: str
    cable_id: str
    num: int
    window: int  # 0 for the first (or only) window
    text: str  # paragraph text of this window, as shown to the model
    context: str  # cable context line (subject, origin, date) prepended for embedding


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score, higher is better
    dense: float | None = None
    bm25: float | None = None
    rank: int = 0

    @property
    def pid(self) -> str:
        return self.passage.pid


@dataclass(frozen=True)
class CitationRef:
    """One cited paragraph as found in a text."""

    cable_id: str
    paragraph: str | None  # label ("5", "3b") or None for a whole-cable citation
    raw: str = ""
    status: str = "valid"  # valid | unknown_cable | unknown_paragraph

    @property
    def pid(self) -> str | None:
        return f"{self.cable_id} ¶{self.paragraph}" if self.paragraph is not None else None


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    citations: tuple[CitationRef, ...]
    verdict: str  # supported | partial | unsupported | uncited | not_factual
    score: float
    best_pid: str | None = None
    span: str = ""  # the cited paragraph's best-matching span


@dataclass(frozen=True)
class CitationReport:
    sentences: tuple[SentenceCheck, ...]
    citation_recall: float
    citation_precision: float
    invalid_citations: tuple[CitationRef, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.invalid_citations and all(s.verdict != "unsupported" for s in self.sentences if s.citations)


@dataclass(frozen=True)
class Timing:
    retrieve_s: float = 0.0
    ttft_s: float = 0.0
    total_s: float = 0.0


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    sentences: tuple[SentenceCheck, ...]
    hits: tuple[Hit, ...]
    timing: Timing = field(default_factory=Timing)
    model: str = ""
    prompt: str = ""
    standalone_question: str = ""

    @property
    def citations(self) -> tuple[CitationRef, ...]:
        seen: dict[str, CitationRef] = {}
        for s in self.sentences:
            for c in s.citations:
                seen.setdefault(f"{c.cable_id}|{c.paragraph}", c)
        return tuple(seen.values())
