"""Pure formatting helpers for the chat UI and exports: answers with citation chips, the cable panel, the
evidence table, conversation export. Everything from a cable is HTML-escaped: cables are data."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .records import Answer, Cable, Hit

BADGES = {
    "supported": ("✔", "supported"),
    "partial": ("◐", "partially supported"),
    "unsupported": ("✘", "not supported by any retrieved paragraph"),
}


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def chip(pid: str) -> str:
    """A clickable citation chip; app.py's script opens the cable panel when one is clicked."""
    return f'<a class="cite" href="#cable-panel" title="{esc(pid)}" data-pid="{esc(pid)}">{esc(pid)}</a>'


def answer_html(a: Answer) -> str:
    if a.abstained:
        closest = "".join(f"<li>{chip(h.pid)} {esc(h.passage.text[:160])}…</li>" for h in a.hits[:3])
        return f'<p class="abstain">{esc(a.text)}</p>' + (
            f"<p>Closest paragraphs:</p><ul>{closest}</ul>" if closest else ""
        )
    parts = []
    for s in a.sentences:
        if s.verdict == "not_factual":
            parts.append(esc(s.text))
            continue
        icon, title = BADGES.get(s.verdict, ("", ""))
        badge = f'<span class="badge {s.verdict}" title="{esc(title)} (score {s.score:.2f})">{icon}</span>'
        cites = " ".join(chip(f"{c.cable_id} ¶{c.paragraph}") for c in s.citations)
        text = esc(s.text) if s.citations else f'<span class="unverified">{esc(s.text)}</span>'
        parts.append(f"{text} {badge}{' ' + cites if cites else ''}")
    return " ".join(parts)


def cable_html(cable: Cable, highlight: str | None = None) -> str:
    """The cable's metadata and paragraphs; the cited one highlighted (class `cited`) with its marking."""
    rows = [
        ("ID", cable.id),
        ("Date", cable.created),
        ("Origin", cable.origin),
        ("Classification", cable.classification),
        ("Subject", cable.subject),
        ("TAGS", " ".join(cable.tags)),
        ("Signer", cable.signer),
        ("Handling", " ".join(cable.caveats)),
        ("Classified by", cable.classified_by),
    ]
    meta = "".join(f"<tr><th>{k}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
    paras = []
    for p in cable.paragraphs:
        cited = highlight == p.pid
        mark = f'<span class="marking">({esc(p.marking)})</span> ' if p.marking else ""
        head = f'<div class="heading">{esc(p.heading)}</div>' if p.heading else ""
        label = "header" if p.num == 0 else f"¶{esc(p.label)}"
        paras.append(
            f'{head}<div class="para{" cited" if cited else ""}" id="para-{esc(p.label)}" data-pid="{esc(p.pid)}">'
            f'<span class="plabel">{label}</span> {mark}{esc(p.text)}</div>'
        )
    return f'<div class="cable"><table class="meta">{meta}</table>{"".join(paras)}</div>'


def evidence_rows(hits: Sequence[Hit]) -> list[list[str | float]]:
    return [
        [
            h.rank,
            h.pid,
            round(h.score, 4),
            round(h.dense, 3) if h.dense is not None else "",
            round(h.bm25, 2) if h.bm25 is not None else "",
            h.passage.text[:300],
        ]
        for h in hits
    ]


EVIDENCE_HEADERS = ["rank", "paragraph", "fused", "dense", "bm25", "text"]


@dataclass(frozen=True)
class ExportIds:
    model: str
    prompt_dir: str
    index_version: str
    embedder: str


def export_json(turns: Sequence[Answer], lookup: object, ids: ExportIds) -> str:
    out: dict[str, Any] = {
        "model": ids.model,
        "prompts": ids.prompt_dir,
        "index_version": ids.index_version,
        "embedder": ids.embedder,
        "turns": [],
    }
    for a in turns:
        cited = []
        for c in a.citations:
            cable = lookup(c.cable_id)  # type: ignore[operator]
            p = cable.paragraph(c.paragraph) if cable else None
            cited.append(
                {
                    "cable_id": c.cable_id,
                    "paragraph": c.paragraph,
                    "text": p.text if p else None,
                    "marking": p.marking if p else None,
                    "origin": cable.origin if cable else None,
                    "created": cable.created if cable else None,
                    "classification": cable.classification if cable else None,
                    "subject": cable.subject if cable else None,
                }
            )
        out["turns"].append(
            {
                "question": a.question,
                "standalone_question": a.standalone_question,
                "answer": a.text,
                "abstained": a.abstained,
                "sentences": [
                    {
                        "text": s.text,
                        "support": s.verdict,
                        "score": s.score,
                        "citations": [f"{c.cable_id} ¶{c.paragraph}" for c in s.citations],
                    }
                    for s in a.sentences
                ],
                "cited_paragraphs": cited,
                "prompt": a.prompt,
                "timing": {"retrieve_s": a.timing.retrieve_s, "ttft_s": a.timing.ttft_s, "total_s": a.timing.total_s},
            }
        )
    return json.dumps(out, indent=1, ensure_ascii=False)


def export_markdown(turns: Sequence[Answer], lookup: object, ids: ExportIds) -> str:
    md = [
        f"# Conversation\n\nModel `{ids.model}`, prompts `{ids.prompt_dir}`, index `{ids.index_version}` "
        f"(embedder `{ids.embedder}`).\n"
    ]
    for n, a in enumerate(turns, 1):
        md.append(f"## {n}. {a.question}\n\n{a.text}\n")
        for c in a.citations:
            cable = lookup(c.cable_id)  # type: ignore[operator]
            p = cable.paragraph(c.paragraph) if cable else None
            if cable and p:
                md.append(
                    f"> **{c.cable_id} ¶{c.paragraph}** ({cable.origin}, {cable.created}, "
                    f"{cable.classification}; {cable.subject})  \n> ({p.marking}) {p.text}\n"
                )
    return "\n".join(md)
