"""A conversation exported as JSON and Markdown: every answer with its verdicts and the cited paragraphs quoted
verbatim with their cable's metadata; the run is named by model, prompt hash, index version and embedder."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..records import Answer, Cable, CitationRef
from .json import answer_json
from .text import answer_text, coverage_text

Lookup = Callable[[str], Cable | None]


@dataclass(frozen=True)
class ExportIds:
    model: str
    prompts_sha256: str
    index_version: str
    embedder: str


def _cited(c: CitationRef, lookup: Lookup) -> dict[str, Any]:
    cable = lookup(c.cable_id)
    p = cable.paragraph(c.paragraph) if cable and c.paragraph is not None else None
    return {
        "cable_id": c.cable_id,
        "paragraph": c.paragraph,
        "text": p.text if p else None,
        "marking": p.marking if p else None,
        "origin": cable.origin if cable else None,
        "created": cable.created if cable else None,
        "classification": cable.classification if cable else None,
        "subject": cable.subject if cable else None,
    }


def export_json(turns: Sequence[Answer], lookup: Lookup, ids: ExportIds) -> str:
    out: dict[str, Any] = {**asdict(ids), "turns": []}
    for a in turns:
        turn = answer_json(a)
        turn["cited_paragraphs"] = [_cited(c, lookup) for c in a.citations]
        turn["prompt"] = a.prompt
        out["turns"].append(turn)
    return json.dumps(out, indent=1, ensure_ascii=False)


def export_markdown(turns: Sequence[Answer], lookup: Lookup, ids: ExportIds) -> str:
    md = [
        f"# Conversation\n\nModel `{ids.model}`, prompts sha256 `{ids.prompts_sha256[:16]}`, index "
        f"`{ids.index_version}` (embedder `{ids.embedder}`).\n"
    ]
    for n, a in enumerate(turns, 1):
        md.append(f"## {n}. {a.question}\n\n{answer_text(a)}\n")
        if a.coverage:
            md.append(f"_{coverage_text(a.coverage)}_\n")
        for c in a.citations:
            q = _cited(c, lookup)
            if q["text"] is not None:
                md.append(
                    f"> **{c.ref or c.cable_id}** ({q['origin']}, {q['created']}, "
                    f"{q['classification']}; {q['subject']})  \n> ({q['marking']}) {q['text']}\n"
                )
    return "\n".join(md)
