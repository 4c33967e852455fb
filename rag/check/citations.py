"""Finding cable citations in free text, in the forms seen in the wild.

`07MOSCOW828 ¶5`, `[07MOSCOW828 ¶5]`, `07MOSCOW828 para 5`, `07MOSCOW828, paras 2-4`,
`(07 MOSCOW 828, ¶¶ 2, 3)`, `MOSCOW 828 of 2007`, and a bare ID (a whole-cable citation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ids import canonical_id

_ID = r"(?P<yy>\d{2})\s?(?P<org>[A-Z]{3,30})\s?0*(?P<num>\d{1,7})"
_OF = r"(?P<org2>[A-Z]{3,30})\s0*(?P<num2>\d{1,7})\s+of\s+(?:19|20)(?P<yy2>\d{2})"
_NUM = r"\d{1,3}[a-z]?(?![A-Za-z0-9])"
_PARAS = rf"(?:,?\s*(?:¶¶?|paras?\.?|paragraphs?|pars?\.)\s*(?P<paras>{_NUM}(?:\s*(?:[-–,]|and|&)\s*{_NUM})*))?"
CITATION = re.compile(rf"(?<![A-Za-z0-9])(?:{_ID}|{_OF}){_PARAS}")
_MAX_RANGE = 60
_NOT_ORIGINS = frozenset(
    {
        "OF",
        "AND",
        "THE",
        "SECTION",
        "PARA",
        "PARAS",
        "PAGE",
        "DECL",
        "TO",
        "IN",
        "ON",
        "AT",
        "BY",
        "AM",
        "PM",
        "UTC",
        "GMT",
        "EO",
        "USD",
        "EUR",
        "KM",
        "MB",
        "GB",
        "NO",
        "NR",
        "UNSCR",
        "RES",
        "TAGS",
        "HRS",
        "HOURS",
        "LOCAL",
    }
    # dates written telegram-style ("21 DEC 2009", "3 JANUARY 2010") look like an ID: two digits, letters, digits
    | frozenset(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT", "NOV", "DEC"])
    | frozenset(["JANUARY", "FEBRUARY", "MARCH", "APRIL", "JUNE", "JULY", "AUGUST", "SEPTEMBER"])
    | frozenset(["OCTOBER", "NOVEMBER", "DECEMBER"])
    | frozenset(["MON", "TUE", "TUES", "WED", "THU", "THUR", "THURS", "FRI", "SAT", "SUN"])
)


@dataclass(frozen=True)
class FoundCitation:
    cable_id: str
    paragraphs: tuple[str, ...]  # labels; empty for a whole-cable citation
    start: int
    end: int
    raw: str


def _expand(spec: str) -> list[str]:
    out: list[str] = []
    for part in re.split(r"\s*(?:,|and|&)\s*", spec.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d{1,3})\s*[-–]\s*(\d{1,3})", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a <= b and b - a <= _MAX_RANGE:
                out.extend(str(i) for i in range(a, b + 1))
            continue
        if re.fullmatch(r"\d{1,3}[a-z]?", part):
            out.append(part)
    return list(dict.fromkeys(out))


def find_citations(text: str) -> list[FoundCitation]:
    out: list[FoundCitation] = []
    for m in CITATION.finditer(text):
        if m.group("org"):
            raw_id = f"{m.group('yy')}{m.group('org')}{m.group('num')}"
        else:
            raw_id = f"{m.group('yy2')}{m.group('org2')}{m.group('num2')}"
        cid = canonical_id(raw_id)
        if cid is None or (m.group("org") or m.group("org2")) in _NOT_ORIGINS or len(cid) < 6:
            continue
        paras = tuple(_expand(m.group("paras"))) if m.group("paras") else ()
        out.append(FoundCitation(cid, paras, m.start(), m.end(), m.group(0)))
    return out


def strip_citations(text: str) -> str:
    """The text with citation markers (and the brackets around them) removed."""
    t = CITATION.sub("", text)
    t = re.sub(r"[\[(]\s*[;,]?\s*[\])]", "", t)
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", t)).strip()
