"""Frozen records passed between pipeline stages, in the order the data flows:

Cable/Paragraph (ingest.parse) -> Passage (ingest.passages) -> Hit (retrieve) -> Answer (answer), which carries
the CitationReport (check) of every sentence it shows. `ParagraphRef` (rag/ids.py) is the one paragraph key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ids import ParagraphRef, paragraph_label


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
    def ref(self) -> ParagraphRef:
        return ParagraphRef(self.cable_id, self.label)


REFERENCE_KINDS = ("cable", "e-mail", "telcon", "memo", "report", "other")


@dataclass(frozen=True)
class Reference:
    """One item of a cable's REF line: `A. 07 MOSCOW 123` is a cable (`cable_id` 07MOSCOW123); e-mails, telcons,
    memos, reports and anything else are kept with their kind and no invented ID."""

    letter: str  # "A", "B"... as the cable letters it; "" for an unlettered reference
    kind: str  # one of REFERENCE_KINDS
    cable_id: str = ""  # canonical cable ID when kind == "cable" and the item names one ("" if redacted)
    text: str = ""  # the item as written, e.g. "05 ABU DHABI 3243" or "LEE-GOLDSTEIN EMAIL 05/11/07"

    def __str__(self) -> str:
        return self.cable_id or self.text


@dataclass(frozen=True)
class CableLink:
    """One step along a REF thread: a cable this one cites (`letter` as its REF line letters it) or one that cites
    it (`letter` as that cable letters this one); `indexed` says whether the index holds it."""

    cable_id: str
    letter: str = ""
    indexed: bool = True


@dataclass(frozen=True)
class CableMeta:
    """What filters, prompts and lists need of a cable without its paragraphs."""

    id: str
    created: str = ""
    origin: str = ""
    classification: str = ""
    subject: str = ""
    tags: tuple[str, ...] = ()
    signer: str = ""
    refs: tuple[str, ...] = ()  # canonical IDs of the cables it references (Cable.referenced_ids)


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
    refs: tuple[Reference, ...] = ()
    classified_by: str = ""
    signer: str = ""
    caveats: tuple[str, ...] = ()
    source: str = ""  # file path (or archive member) it came from
    fmt: str = ""  # html | text | csv
    numbered: bool = True  # False when paragraphs fell back to blank-line blocks
    partial: bool = False  # WikiLeaks "partial extract" record
    dropped_chars: int = 0  # letters and digits of the telegram text left out as boilerplate (page breaks, SIPDIS...)
    added: str = ""  # provenance, set when the index stores it: UTC ISO time of the ingest that added this text
    via: str = ""  # ... and the channel it came through: cli | ui | another channel's name

    @property
    def referenced_ids(self) -> tuple[str, ...]:
        """The canonical IDs of the cables this cable references, in REF order, without repeats."""
        return tuple(dict.fromkeys(r.cable_id for r in self.refs if r.cable_id))

    @property
    def year(self) -> int | None:
        return int(self.created[:4]) if self.created[:4].isdigit() else None

    @property
    def meta(self) -> CableMeta:
        return CableMeta(
            self.id, self.created, self.origin, self.classification, self.subject, self.tags, self.signer,
            tuple(i for i in self.referenced_ids if i != self.id),
        )  # fmt: skip

    def paragraph(self, label: str) -> Paragraph | None:
        for p in self.paragraphs:
            if p.label == label:
                return p
        return None


@dataclass(frozen=True)
class Passage:
    """One embedded unit: a paragraph, or one window of a long paragraph (same ref, same citation)."""

    ref: ParagraphRef
    window: int  # 0 for the first (or only) window
    text: str  # paragraph text of this window, as shown to the model
    context: str  # cable context line (ID, origin, date, subject...) prepended for embedding

    @property
    def cable_id(self) -> str:
        return self.ref.cable_id

    @property
    def num(self) -> int:
        return self.ref.num


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score, higher is better
    dense: float | None = None
    bm25: float | None = None
    rank: int = 0
    via: str = ""  # reached through a reference: "08OSLO670 REF A" (rag/retrieve/thread.py); "" when found directly

    @property
    def ref(self) -> ParagraphRef:
        return self.passage.ref


@dataclass(frozen=True)
class CitationRef:
    """One cited paragraph as found in (or attached to) a text."""

    cable_id: str
    paragraph: str | None  # label ("5", "3b") or None for a whole-cable citation
    raw: str = ""
    status: str = "valid"  # valid | unknown_cable | unknown_paragraph

    @classmethod
    def to(cls, ref: ParagraphRef) -> CitationRef:
        return cls(ref.cable_id, ref.label, str(ref), "valid")

    @property
    def ref(self) -> ParagraphRef | None:
        return ParagraphRef(self.cable_id, self.paragraph) if self.paragraph is not None else None


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    citations: tuple[CitationRef, ...]
    verdict: str  # supported | partial | unsupported | uncited | not_factual
    score: float
    best: ParagraphRef | None = None  # the paragraph that supports it best
    span: str = ""  # that paragraph's best-matching span
    origin: str = "text"  # what produced it: model | quote | metadata | text (a text given to `cables check`)
    basis: str = ""  # what decided a supported/partial verdict: judge | verbatim | lexical (judge off)


@dataclass(frozen=True)
class CitationReport:
    sentences: tuple[SentenceCheck, ...]
    citation_recall: float  # share of factual sentences judged supported
    citation_precision: float  # share of valid citations that support their sentence
    invalid_citations: tuple[CitationRef, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.invalid_citations and all(s.verdict != "unsupported" for s in self.sentences if s.citations)

    @property
    def citations(self) -> tuple[CitationRef, ...]:
        seen: dict[tuple[str, str | None], CitationRef] = {}
        for s in self.sentences:
            for c in s.citations:
                seen.setdefault((c.cable_id, c.paragraph), c)
        return tuple(seen.values())


EMPTY_REPORT = CitationReport((), 1.0, 1.0)


@dataclass(frozen=True)
class Timing:
    retrieve_s: float = 0.0
    ttft_s: float = 0.0
    total_s: float = 0.0


@dataclass(frozen=True)
class Coverage:
    """What an answer under filters drew on: `paragraphs` paragraphs of `cables` of the `matching` cables that pass
    the filters named `scope` ("Embassy Ankara, 2009"). Plain information, not a verified claim."""

    paragraphs: int
    cables: int
    matching: int
    scope: str


@dataclass(frozen=True)
class Answer:
    """What the user is shown: `text` is the answer in plain words (no citation labels); `report` says, sentence by
    sentence, what was verified and where. Renderers (rag/ui) put the labels and marks back."""

    question: str
    text: str
    abstained: bool
    report: CitationReport
    hits: tuple[Hit, ...]
    timing: Timing = field(default_factory=Timing)
    model: str = ""
    prompt: str = ""
    standalone_question: str = ""
    coverage: Coverage | None = None  # set when the search ran under filters (chips or the user's own)

    @property
    def sentences(self) -> tuple[SentenceCheck, ...]:
        return self.report.sentences

    @property
    def citations(self) -> tuple[CitationRef, ...]:
        return self.report.citations
