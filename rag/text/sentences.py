"""Sentence splitting that survives cable prose (U.S., Amb., Jan., initials, ¶ labels)."""

from __future__ import annotations

import re

_ABBR = (
    "U.S",
    "U.K",
    "U.N",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Gen",
    "Lt",
    "Col",
    "Maj",
    "Capt",
    "Amb",
    "Sen",
    "Rep",
    "Gov",
    "St",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "No",
    "para",
    "paras",
    "approx",
    "e.g",
    "i.e",
    "etc",
    "vs",
    "Inc",
    "Co",
    "Corp",
    "Ltd",
    "Jr",
    "Sr",
    "Prof",
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9¶])")


def split_sentences(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start()]
        last = re.search(r"(\S+)$", before)
        word = last.group(1).rstrip(".\"')]") if last else ""
        if word in _ABBR or re.fullmatch(r"[A-Z]", word) or re.fullmatch(r"(?:[A-Z]\.)+[A-Z]?", word):
            continue
        seg = text[start : m.end()].strip()
        if seg:
            out.append(seg)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
