"""HTML for the chat: answers with verdict badges and citation chips, the cable panel, the evidence table.
Everything from a cable, a model or a user is escaped with `esc`: it is data, inert to HTML and to Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType

from ..ids import ParagraphRef
from ..records import Answer, Cable, Hit

BADGES = MappingProxyType(
    {
        "supported": ("✔", "supported"),
        "partial": ("◐", "partially supported"),
        "unsupported": ("✘", "not supported by any retrieved paragraph"),
    }
)


# Markup characters of HTML and of the Markdown (and LaTeX) Gradio renders: links and images `![x](url)`, emphasis,
# code, tables, headings, backslash escapes, `$$` formulas. Each becomes a character reference: the browser shows the
# character as written, and no Markdown parser reads a reference as markup (CommonMark, "Entity references").
_INERT = MappingProxyType(
    {
        **{ord(c): f"&#{ord(c)};" for c in "`\\[]()!*_~#|${}"},
        **{ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;"},
    }
)
# what GFM turns into a link without any markup (`https://…`, `www.…`, `name@host`), and what starts a block at the
# start of a line (indented code, `-`/`+` lists and rules, `=` headings, `1.` lists)
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp|file|mailto|data|javascript)(:)|\bwww(\.)|(@)")
_LINE_START = re.compile(r"(?m)^([ \t]*)(?:([-+=])|\d{1,9}(\.))?")


def _ref(c: str) -> str:
    return f"&#{ord(c)};"


def _line_start(m: re.Match[str]) -> str:
    lead = "".join(_ref(c) for c in m.group(1))
    mark = m.group(2) or m.group(3)
    head = m.group(0)[len(m.group(1)) :]
    return lead + (head[: -len(mark)] + _ref(mark) if mark else head)


def esc(text: str) -> str:
    """`text` as inert HTML: shown literally by a browser, never read as HTML or Markdown markup."""
    out = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + _ref(m.group(0)[-1]), text.translate(_INERT))
    return _LINE_START.sub(_line_start, out)


def chip(ref: ParagraphRef) -> str:
    """A clickable citation chip; app.py's script opens the cable panel when one is clicked."""
    pid = esc(str(ref))
    return f'<a class="cite" href="#cable-panel" title="{pid}" data-pid="{pid}">{pid}</a>'


def answer_html(a: Answer) -> str:
    if a.abstained:
        closest = "".join(f"<li>{chip(h.ref)} {esc(h.passage.text[:160])}…</li>" for h in a.hits[:3])
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
        cites = " ".join(chip(r) for r in (c.ref for c in s.citations) if r is not None)
        text = esc(s.text) if s.citations else f'<span class="unverified">{esc(s.text)}</span>'
        parts.append(f"{text} {badge}{' ' + cites if cites else ''}")
    return " ".join(parts)


def cable_html(cable: Cable, highlight: ParagraphRef | None = None) -> str:
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
        cited = highlight == p.ref
        mark = f'<span class="marking">({esc(p.marking)})</span> ' if p.marking else ""
        head = f'<div class="heading">{esc(p.heading)}</div>' if p.heading else ""
        label = "header" if p.num == 0 else f"¶{esc(p.label)}"
        paras.append(
            f'{head}<div class="para{" cited" if cited else ""}" id="para-{esc(p.label)}" data-pid="{esc(str(p.ref))}">'
            f'<span class="plabel">{label}</span> {mark}{esc(p.text)}</div>'
        )
    return f'<div class="cable"><table class="meta">{meta}</table>{"".join(paras)}</div>'


def evidence_rows(hits: Sequence[Hit]) -> list[list[str | float]]:
    return [
        [
            h.rank,
            str(h.ref),
            round(h.score, 4),
            round(h.dense, 3) if h.dense is not None else "",
            round(h.bm25, 2) if h.bm25 is not None else "",
            h.passage.text[:300],
        ]
        for h in hits
    ]


EVIDENCE_HEADERS = ("rank", "paragraph", "fused", "dense", "bm25", "text")
