"""HTML for the chat: answers with verdict badges and citation chips, the cable panel, the evidence table.
Everything from a cable, a model or a user is escaped with `esc`: it is data, inert to HTML and to Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType

from ..ids import ParagraphRef
from ..records import Answer, Cable, CableLink, Hit, SentenceCheck
from .text import CLOSEST_HEADING, MARKS, coverage_text

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


def chip(ref: ParagraphRef, partial: bool = False) -> str:
    """A clickable citation chip; app.py's script opens the cable panel when one is clicked. A partial one says so."""
    pid = esc(str(ref))
    if partial:
        title = f"partly supports: {pid}"
        return f'<a class="cite partial" href="#cable-panel" title="{title}" data-pid="{pid}">partly {pid}</a>'
    return f'<a class="cite" href="#cable-panel" title="{pid}" data-pid="{pid}">{pid}</a>'


def sentence_html(s: SentenceCheck) -> str:
    """One sentence with its badge; a chip only for a supported or partial verdict (the gate's, as reported)."""
    icon, _, title = MARKS.get(s.verdict, ("?", s.verdict, s.verdict))
    badge = f'<span class="badge {esc(s.verdict)}" title="{esc(title)}">{icon}</span>'
    if s.verdict in ("supported", "partial"):
        cites = " ".join(chip(r, s.verdict == "partial") for r in (c.ref for c in s.citations) if r is not None)
        return f"{esc(s.text)} {badge}{' ' + cites if cites else ''}"
    return f'<span class="unverified {esc(s.verdict)}">{esc(s.text)}</span> {badge}'


def closest_html(hits: Sequence[Hit]) -> str:
    items = "".join(f"<li>{esc(str(h.ref))}: {esc(h.passage.text[:160])}…</li>" for h in hits[:3])
    return f'<p>{esc(CLOSEST_HEADING)}</p><ul class="closest">{items}</ul>' if items else ""


def coverage_html(a: Answer) -> str:
    """The coverage line under an answer given under filters: plain text, no badge, no chip."""
    return f'<p class="coverage"><small>{esc(coverage_text(a.coverage))}</small></p>' if a.coverage else ""


def answer_html(a: Answer) -> str:
    if a.abstained:
        return f'<p class="abstain">{esc(a.text)}</p>' + coverage_html(a) + closest_html(a.hits)
    return " ".join(sentence_html(s) for s in a.sentences) + coverage_html(a)


def draft_html(text: str) -> str:
    """The model's words while it writes: visibly a draft, replaced by the verified answer when checking ends."""
    return (
        f'<div class="draft" style="opacity:0.55;font-style:italic">{esc(text)} ▌'
        "<br><small>draft, checking…: not yet verified</small></div>"
    )


# where the telegram proper starts after a routing block (VZCZC... RUEH...) in the header paragraph
_AFTER_ROUTING = re.compile(
    r"\b(?:C ?O ?N ?F ?I ?D ?E ?N ?T ?I ?A ?L|S ?E ?C ?R ?E ?T|U ?N ?C ?L ?A ?S ?S ?I ?F ?I ?E ?D|UNCLAS|"
    r"LIMITED OFFICIAL USE)\b(?!//)|\b(?:E\.O\.|TAGS|SUBJECT)\b",
    re.I,
)


def _split_routing(header: str) -> tuple[str, str]:
    """(routing block, rest) of the header paragraph; the routing block is empty when there is none."""
    start = header.find("VZCZC")
    if start < 0:
        return "", header
    m = _AFTER_ROUTING.search(header, start)
    cut = m.start() if m else len(header)
    return header[:cut].strip(), header[cut:].strip()


def _reference_html(cable: Cable) -> str:
    items = []
    for r in cable.refs:
        letter = f"{esc(r.letter)}. " if r.letter else ""
        kind = "" if r.kind == "cable" else f' <span class="ref-kind">({esc(r.kind)})</span>'
        items.append(f"{letter}{esc(str(r))}{kind}")
    return "; ".join(items)


def _header_html(cable: Cable, text: str) -> str:
    """The header paragraph: the fields it states, labelled, and the telegram header as sent folded away, with
    its routing block folded apart."""
    fields = [
        ("Subject", esc(cable.subject)),
        ("TAGS", esc(" ".join(cable.tags))),
        ("REF", _reference_html(cable)),
        ("Classified by", esc(cable.classified_by)),
        ("Handling", esc(" ".join(cable.caveats))),
    ]
    lines = "".join(f'<div class="hfield"><b>{k}:</b> {v}</div>' for k, v in fields if v)
    routing, rest = _split_routing(text)
    fold = f'<details class="routing"><summary>routing</summary>{esc(routing)}</details>' if routing else ""
    raw = f'<details class="raw-header"><summary>header as sent</summary>{fold}{esc(rest)}</details>'
    return lines + raw


def source_line(cable: Cable) -> str:
    """Where the indexed text came from: file (or archive member), when it was added (UTC), through which channel."""
    when = f"added {cable.added.replace('T', ' ').replace('Z', ' UTC')}" if cable.added else ""
    return " · ".join(x for x in (cable.source, when.strip(), f"via {cable.via}" if cable.via else "") if x)


def _thread_html(links: Sequence[CableLink]) -> str:
    """Thread links: an indexed cable opens in the panel when clicked (a chip on its header); one the index lacks
    says so."""
    items = []
    for x in links:
        letter = f"{esc(x.letter)}. " if x.letter else ""
        if x.indexed:
            pid = esc(str(ParagraphRef(x.cable_id, "0")))
            items.append(f'{letter}<a class="cite thread" href="#cable-panel" data-pid="{pid}">{esc(x.cable_id)}</a>')
        else:
            items.append(f'{letter}{esc(x.cable_id)} <span class="not-indexed">(not in this index)</span>')
    return "; ".join(items)


def cable_html(
    cable: Cable,
    highlight: ParagraphRef | None = None,
    cites: Sequence[CableLink] = (),
    cited_by: Sequence[CableLink] = (),
) -> str:
    """The cable's metadata and paragraphs; the cited one highlighted (class `cited`) with its marking; the header
    paragraph as labelled fields with the raw header (and its routing block) folded away; the REF thread (`cites`,
    `cited_by`: rag/index/reader.py) as links."""
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
        ("Source", source_line(cable)),
    ]
    meta = "".join(f"<tr><th>{k}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
    if cable.refs:
        meta += f"<tr><th>References</th><td>{_reference_html(cable)}</td></tr>"
    if cites:
        meta += f'<tr><th>Cites</th><td class="thread">{_thread_html(cites)}</td></tr>'
    if cited_by:
        meta += f'<tr><th>Cited by</th><td class="thread">{_thread_html(cited_by)}</td></tr>'

    paras = []
    for p in cable.paragraphs:
        cited = highlight == p.ref
        mark = f'<span class="marking">({esc(p.marking)})</span> ' if p.marking else ""
        head = f'<div class="heading">{esc(p.heading)}</div>' if p.heading else ""
        label = "header" if p.num == 0 else f"¶{esc(p.label)}"
        body = _header_html(cable, p.text) if p.num == 0 else esc(p.text)
        paras.append(
            f'{head}<div class="para{" cited" if cited else ""}" id="para-{esc(p.label)}" data-pid="{esc(str(p.ref))}">'
            f'<span class="plabel">{label}</span> {mark}{body}</div>'
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
