"""JSON for every record that leaves the program (CLI, exports, eval): one serializer per record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..ingest.build import IngestReport
from ..records import (
    Answer,
    Cable,
    CableLink,
    CitationRef,
    CitationReport,
    Coverage,
    Hit,
    Reference,
    SentenceCheck,
    Timing,
)
from .text import answer_text, coverage_text


def citation_json(c: CitationRef) -> dict[str, Any]:
    """A cited paragraph: `paragraph` is the cable's own number (0 = header; null for a whole-cable citation),
    `label` tells repeats apart; a citation that does not resolve carries `status` (unknown_cable, ...)."""
    ref = c.ref
    base = ref.to_json() if ref else {"cable_id": c.cable_id, "paragraph": None, "label": None}
    return base if c.status == "valid" else {**base, "status": c.status}


def hit_json(h: Hit, with_text: bool = True) -> dict[str, Any]:
    extra: dict[str, Any] = {"score": round(h.score, 5)}
    if with_text:
        extra["text"] = h.passage.text
    if h.via:
        extra["via"] = h.via  # reached through a reference ("08OSLO670 REF A")
    return h.ref.to_json(**extra)


def sentence_json(s: SentenceCheck) -> dict[str, Any]:
    return {
        "text": s.text,
        "citations": [citation_json(c) for c in s.citations],
        "verdict": s.verdict,
        "score": s.score,
        "span": s.span,
        "origin": s.origin,  # model | quote | metadata | text
        "basis": s.basis,  # judge | verbatim | span | lexical; "" unless supported or partial
    }


def report_json(r: CitationReport) -> dict[str, Any]:
    return {
        "sentences": [sentence_json(s) for s in r.sentences],
        "citation_recall": r.citation_recall,
        "citation_precision": r.citation_precision,
        "invalid_citations": [citation_json(c) for c in r.invalid_citations],
        "ok": r.ok,
    }


def timing_json(t: Timing) -> dict[str, float]:
    return {"retrieve_s": round(t.retrieve_s, 3), "ttft_s": round(t.ttft_s, 3), "total_s": round(t.total_s, 3)}


def coverage_json(c: Coverage | None) -> dict[str, Any] | None:
    """What an answer under filters drew on (null without filters); `text` is the line the chat shows."""
    if c is None:
        return None
    return {"paragraphs": c.paragraphs, "cables": c.cables, "matching": c.matching, "scope": c.scope,
            "text": coverage_text(c)}  # fmt: skip


def answer_json(a: Answer, item_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "question": a.question,
        "standalone_question": a.standalone_question,
        "answer": answer_text(a),
        "abstained": a.abstained,
        "citations": [citation_json(c) for c in a.citations],
        "sentences": [sentence_json(s) for s in a.sentences],
        "citation_recall": a.report.citation_recall,
        "citation_precision": a.report.citation_precision,
        "hits": [hit_json(h, with_text=False) for h in a.hits],
        "timing": timing_json(a.timing),
        "model": a.model,
        "coverage": coverage_json(a.coverage),
    }
    return {"id": item_id, **out} if item_id is not None else out


def reference_json(r: Reference) -> dict[str, Any]:
    """One REF item: `cable_id` is the canonical ID for a cable reference (null for other kinds or a redacted one)."""
    return {"letter": r.letter or None, "kind": r.kind, "cable_id": r.cable_id or None, "text": r.text}


def link_json(x: CableLink) -> dict[str, Any]:
    return {"cable_id": x.cable_id, "letter": x.letter or None, "indexed": x.indexed}


def thread_json(cites: Sequence[CableLink], cited_by: Sequence[CableLink]) -> dict[str, Any]:
    """A cable's REF thread in an index: the cables it cites (each says whether it is indexed) and those citing it."""
    return {"cites": [link_json(x) for x in cites], "cited_by": [link_json(x) for x in cited_by]}


def cable_json(c: Cable, cited_by: Sequence[CableLink] | None = None) -> dict[str, Any]:
    """The `cables parse --json` object; `cited_by` when an index is at hand (the indexed cables citing it)."""
    extra = {} if cited_by is None else {"cited_by": [link_json(x) for x in cited_by]}
    return {
        "id": c.id,
        "created": c.created,
        "released": c.released,
        "origin": c.origin,
        "classification": c.classification,
        "subject": c.subject,
        "tags": list(c.tags),
        "refs": [reference_json(r) for r in c.refs],
        "classified_by": c.classified_by,
        "signer": c.signer,
        "caveats": list(c.caveats),
        "source": c.source,
        "added": c.added or None,  # provenance: UTC ISO time the index stored this text (null outside the index)
        "via": c.via or None,  # cli | ui | another channel (null outside the index)
        "numbered": c.numbered,
        "partial": c.partial,
        "dropped_chars": c.dropped_chars,
        "paragraphs": [
            {"num": p.num, "label": p.label, "marking": p.marking, "heading": p.heading, "text": p.text}
            for p in c.paragraphs
        ],
    } | extra


def ingest_json(r: IngestReport) -> dict[str, Any]:
    return {
        "added": r.added,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "failed": r.failed,
        "passages": r.passages,
        "embedded": r.embedded,
        "seconds": round(r.seconds, 2),
        "version": r.version,
        "dropped_chars": r.dropped_chars,
        "refused": [{"cable_id": x.cable_id, "source": x.source, "reason": x.message()} for x in r.refused],
    }
