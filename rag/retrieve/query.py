"""Question analysis without an LLM: cable IDs and paragraphs named, the attribute asked for, the parts of a
multi-part question, the names and figures it carries, and filters in words (rag/retrieve/filters.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ids import canonical_id
from .asks import calls_for
from .filters import FilterChip, Filters, filters_in_words

__all__ = ["FilterChip", "Filters", "Query", "analyze", "find_cable_ids"]

_MONTHS = (
    "JAN FEB MAR APR MAY JUN JUL AUG SEP SEPT OCT NOV DEC JANUARY FEBRUARY MARCH APRIL JUNE JULY AUGUST "
    "SEPTEMBER OCTOBER NOVEMBER DECEMBER"
)
# words that sit between two numbers without being a cable's origin: dates, times, units
_NOT_ORIGIN = frozenset((_MONTHS + " AM PM GMT UTC EST EDT CET HRS HR HOURS KM KG MM CM PERCENT PCT AND OR TO").split())
_ID_FORMS = (
    re.compile(r"\b(\d{2})(\s?)([A-Z]{2,30})\s?0*(\d{1,7})\b"),  # 07MOSCOW828, 07 MOSCOW 828
    re.compile(r"\b([A-Z]{3,30})\s0*(\d{1,7})\s+of\s+((?:19|20)\d{2})\b"),  # MOSCOW 828 of 2007
)
_PARA = re.compile(r"(?:¶¶?|\bparas?\.?|\bparagraphs?)\s*(\d{1,3}[a-z]?)", re.I)
# the attribute asked for, tried in this order on each part of the question
_ASKS = (
    (
        "number",
        r"\bhow (?:many|much|long|large|big|old|far|often)\b|\bwhat (?:share|percentage|proportion|number|"
        r"amount|sum|price|figure|vote)\b|\bby (?:how much|what margin)\b",
    ),
    ("when", r"\bwhen\b|\b(?:on |by )?what (?:date|day|year|time|month)\b|\bwhich (?:date|day|year|month)\b"),
    (
        "where",
        r"\bwhere\b|\b(?:in |to |from )?(?:which|what) (?:city|town|country|place|village|region|province|"
        r"district|site|hotel|mosque|airport)\b",
    ),
    ("why", r"\bwhy\b|\bfor what reasons?\b|\bon what grounds\b|\bwhat (?:reasons?|motive)\b"),
    (
        "who",
        r"\bwho(?:m|se)?\b|\b(?:which|what) (?:\w+ ){0,3}(?:official|minister|ambassador|leader|president|"
        r"judge|prosecutor|officer|commander|chief|general|director|secretary|diplomat|lawyer|spokesman|person|"
        r"man|woman|adviser|advisor|cleric|sheikh|king|prince|senators?)\b",
    ),
    (
        "list",
        r"\b(?:which|what) (?:\w+ ){0,3}(?:countries|governments|parties|measures|steps|conditions|officials|"
        r"people|banks|firms|companies|states|members|issues|items|demands|hurdles|drugs|cities|names)\b|\blist\b",
    ),
)
_PART_SPLIT = re.compile(
    r",?\s+and\s+(?=(?:on |by |in |to |from |at )?(?:what|which|who|whom|whose|when|where|why|how)\b)", re.I
)
_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][\w'\-]+(?:\s+(?:al-|bin |de |da |von |van )?[A-Z][\w'\-]+)*)")
_FIGURE = re.compile(r"\b\d[\d,.]*\b")


@dataclass(frozen=True)
class Query:
    text: str
    cable_ids: tuple[str, ...] = ()  # cable IDs named (the retriever keeps those in the index)
    paragraph: str | None = None  # "¶5" named together with a cable
    wants_header: bool = False
    wants_signature: bool = False
    filters: Filters = field(default_factory=Filters)  # stated in words: applied, and shown as removable chips
    asks: str = "factoid"  # number | when | where | why | who | list | header | signature | factoid
    parts: tuple[str, ...] = ()  # the sub-questions of a multi-part question (one item when single)
    names: tuple[str, ...] = ()  # capitalised names and quoted phrases, as written
    figures: tuple[str, ...] = ()  # numbers written in the question
    suggested: Filters = field(default_factory=Filters)  # origins only named, never applied
    unknown_ids: tuple[str, ...] = ()  # cable IDs named that the index does not hold (set by the retriever)


def find_cable_ids(text: str, stations: frozenset[str] = frozenset()) -> list[str]:
    """Cable IDs in a text. A spaced form ("07 MOSCOW 828") counts only with a known station when `stations` is
    given; dates ("21 DEC 2009") and times ("10 AM 31") never count."""
    out: list[str] = []
    for m in _ID_FORMS[0].finditer(text):
        year, space, origin, num = m.groups()
        if origin in _NOT_ORIGIN or (space and stations and origin not in stations):
            continue
        cid = canonical_id(f"{year}{origin}{num}")
        if cid and cid not in out:
            out.append(cid)
    for m in _ID_FORMS[1].finditer(text):
        if m.group(1) in _NOT_ORIGIN:
            continue
        cid = canonical_id(f"{m.group(3)[2:]}{m.group(1)}{m.group(2)}")
        if cid and cid not in out:
            out.append(cid)
    return out


def asked(text: str) -> str:
    """The attribute a question (or one part of it) asks for."""
    places = calls_for(text)
    if "signature" in places:
        return "signature"
    if "header" in places:
        return "header"
    head = text[:80]
    for kind, pattern in _ASKS:
        if re.search(pattern, head, re.I):
            return kind
    return "factoid"


def split_parts(text: str) -> tuple[str, ...]:
    """ "When was X arrested, and what did the court rule?" -> the two questions; else the question itself."""
    pieces = [p.strip(" ,;?") for p in _PART_SPLIT.split(text) if p.strip(" ,;?")]
    return tuple(pieces) if len(pieces) > 1 else (text.strip(),)


def _names(text: str) -> tuple[str, ...]:
    quoted = re.findall(r"[\"\u201c'\u2018]([^\"\u201d'\u2019]{3,60})[\"\u201d'\u2019]", text)
    found = [n for n in _NAME.findall(text) if n.upper() not in _NOT_ORIGIN]
    return tuple(dict.fromkeys([*found, *quoted]))


def analyze(text: str, known_origins: frozenset[str] = frozenset(), stations: frozenset[str] = frozenset()) -> Query:
    applied, suggested = filters_in_words(text, known_origins)
    ids = tuple(i for i in find_cable_ids(text, stations) if i not in applied.references)  # a filter, not the topic
    para = None
    if ids:
        pm = _PARA.search(text)
        para = pm.group(1) if pm else None
    parts = split_parts(text)
    places = calls_for(text)
    return Query(
        text,
        ids,
        para,
        wants_header="header" in places,
        wants_signature="signature" in places,
        filters=applied,
        asks=asked(parts[0]),
        parts=parts,
        names=_names(text),
        figures=tuple(dict.fromkeys(_FIGURE.findall(text))),
        suggested=suggested,
    )
