"""Question analysis without an LLM: cable IDs and paragraphs named, metadata asked for, filters in words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..ids import canonical_id
from ..records import CableMeta

_ID_FORMS = (
    re.compile(r"\b(\d{2})\s?([A-Z]{2,30})\s?0*(\d{1,7})\b"),  # 07MOSCOW828, 07 MOSCOW 828
    re.compile(r"\b([A-Z]{3,30})\s0*(\d{1,7})\s+of\s+((?:19|20)\d{2})\b"),  # MOSCOW 828 of 2007
)
_PARA = re.compile(r"(?:¶¶?|\bparas?\.?|\bparagraphs?)\s*(\d{1,3}[a-z]?)", re.I)
_HEADER_WORDS = re.compile(
    r"\b(classif\w*|TAGS?|tagged|subject line|reference[sd]?|refs?|caveat|NOFORN|EXDIS|NODIS|"
    r"classifying authority|classified by|transmi\w+|what date was .* (?:sent|written|created)|"
    r"when was .* (?:sent|written|created|cabled)|released)\b",
    re.I,
)
_SIGN_WORDS = re.compile(r"\b(sign(?:ed|s|ature|atory|er)|who sent|whose name appears at the end)\b", re.I)
_YEAR_FILTER = re.compile(
    r"\b(?:cables?|telegrams?|reporting|sent|written|dated)\s+(?:from|of|in|during)\s+"
    r"((?:19|20)\d{2})\b|\b(?:in|from)\s+((?:19|20)\d{2})\s+cables?\b",
    re.I,
)
_TAG_FILTER = re.compile(r"\b(?:tagged|with (?:the )?tags?|TAGS?:?)\s+((?:[A-Z]{2,6}(?:\s*(?:,|and|or)\s*|\s+)?)+)")


@dataclass(frozen=True)
class Filters:
    origins: tuple[str, ...] = ()
    date_from: str = ""  # inclusive, "YYYY" or "YYYY-MM-DD"
    date_to: str = ""
    classifications: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    cable_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.origins or self.date_from or self.date_to or self.classifications or self.tags or self.cable_ids
        )

    def merge(self, other: Filters) -> Filters:
        return Filters(
            self.origins or other.origins,
            self.date_from or other.date_from,
            self.date_to or other.date_to,
            self.classifications or other.classifications,
            self.tags or other.tags,
            self.cable_ids or other.cable_ids,
        )

    def matches(self, m: CableMeta) -> bool:
        if self.cable_ids and m.id not in self.cable_ids:
            return False
        if self.origins and not any(o.lower() in m.origin.lower() for o in self.origins):
            return False
        if self.date_from and m.created[: len(self.date_from)] < self.date_from:
            return False
        if self.date_to and m.created[: len(self.date_to)] > self.date_to:
            return False
        if self.classifications and not any(c.upper() in m.classification.upper() for c in self.classifications):
            return False
        return not (self.tags and not {t.upper() for t in self.tags} & set(m.tags))


@dataclass(frozen=True)
class Query:
    text: str
    cable_ids: tuple[str, ...] = ()
    paragraph: str | None = None  # "¶5" named together with a cable
    wants_header: bool = False
    wants_signature: bool = False
    filters: Filters = field(default_factory=Filters)


def find_cable_ids(text: str) -> list[str]:
    out: list[str] = []
    for m in _ID_FORMS[0].finditer(text):
        cid = canonical_id("".join(m.groups()))
        if cid and cid not in out:
            out.append(cid)
    for m in _ID_FORMS[1].finditer(text):
        cid = canonical_id(f"{m.group(3)[2:]}{m.group(1)}{m.group(2)}")
        if cid and cid not in out:
            out.append(cid)
    return out


def analyze(text: str, known_origins: frozenset[str] = frozenset()) -> Query:
    ids = tuple(find_cable_ids(text))
    para = None
    if ids:
        pm = _PARA.search(text)
        para = pm.group(1) if pm else None
    filters = Filters()
    ym = _YEAR_FILTER.search(text)
    year = (ym.group(1) or ym.group(2)) if ym else None
    for o in sorted(known_origins, key=len, reverse=True):
        om = re.search(rf"\b{re.escape(o)}\b", text)
        if om:
            filters = replace(filters, origins=(o,))
            near = re.match(r"[^.?!]{0,25}?\bin ((?:19|20)\d{2})\b", text[om.end() :])
            year = year or (near.group(1) if near else None)
            break
    if year:
        filters = replace(filters, date_from=year, date_to=year)
    tm = _TAG_FILTER.search(text)
    if tm:
        tags = tuple(t for t in re.findall(r"[A-Z]{2,6}", tm.group(1)) if t not in {"AND", "OR"})
        filters = replace(filters, tags=tags)
    return Query(text, ids, para, bool(_HEADER_WORDS.search(text)), bool(_SIGN_WORDS.search(text)), filters)
