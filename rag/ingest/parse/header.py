"""Metadata found in the telegram text itself: TAGS, SUBJECT, REF, classified-by, caveats, signer, DTG."""

from __future__ import annotations

import re
from types import MappingProxyType

from ...ids import canonical_id

CAVEATS = ("NOFORN", "NODIS", "EXDIS", "LIMDIS", "STADIS", "SIPDIS", "ROGER", "ORCON", "REL TO", "SENSITIVE")
MONTHS = MappingProxyType(
    {
        m: i + 1
        for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
    }
)
_FIELD_END = r"(?=\n[ \t]*\n|\n[ \t]*(?:REF|REFS|REFTEL|SUBJECT|SUBJ|TAGS|Classified|CLASSIFIED|E\.O\.|EO)\b|\Z)"


def _field(header: str, names: str) -> str:
    m = re.search(rf"^[ \t]*(?:{names})\b[ \t]*:?[ \t]*(.*?){_FIELD_END}", header, re.M | re.S | re.I)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


def tags(header: str) -> tuple[str, ...]:
    raw = _field(header, "TAGS")
    raw = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", raw)  # markdown links pasted from web pages
    out: list[str] = []
    for t in re.split(r"[\s,;]+", raw):
        t = t.strip(".")
        if re.fullmatch(r"[A-Z][A-Z0-9_\-]{1,11}", t) and t not in out:
            out.append(t)
    return tuple(out)


def subject(header: str) -> str:
    s = _field(header, "SUBJECT|SUBJ")
    s = re.sub(r"\bSIPDIS\b", "", s)
    return re.sub(r"\s+", " ", s).strip(" .")


def classified_by(header: str) -> str:
    m = re.search(r"^[ \t]*(Classified\s+By|CLASSIFIED\s+BY)[ \t]*:?[ \t]*(.*?)(?=\n[ \t]*\n|\Z)", header, re.M | re.S)
    return re.sub(r"\s+", " ", m.group(2)).strip() if m else ""


_REF_ITEM = re.compile(r"\b(?:(\d{2})\s*)?([A-Z][A-Z]{2,20}(?:\s[A-Z]{3,12})?)\s+0*(\d{1,6})\b")
_NOT_ORIGINS = frozenset(
    {"REF", "REFS", "REFTEL", "AND", "THE", "SECTION", "DATED", "PARA", "PARAS", "DTG", "OF", "TAGS"}
)


def refs(header: str, year: int | None) -> tuple[str, ...]:
    """REF lines resolved to cable IDs where they name an origin and number ("ANKARA 1561", "07 STATE 123")."""
    raw = _field(header, "REF|REFS|REFTEL")
    out: list[str] = []
    for m in _REF_ITEM.finditer(raw):
        origin = m.group(2).replace(" ", "")
        if origin in _NOT_ORIGINS:
            continue
        yy = m.group(1) or (f"{year % 100:02d}" if year else None)
        if yy is None:
            continue
        cid = canonical_id(f"{yy}{origin}{m.group(3)}")
        if cid and cid not in out:
            out.append(cid)
    return tuple(out)


def caveats(text: str) -> tuple[str, ...]:
    return tuple(c for c in CAVEATS if re.search(rf"\b{c}\b", text))


_TRAILERS = re.compile(r'(\s*(?:"?Visit [^"]{0,80}Classified Web ?Site.*|N ?N ?N ?N|NNNN|Nnnn)\s*)+$', re.S)
_NOT_NAMES = frozenset(
    {"END", "COMMENT", "SUMMARY", "NOTE", "CONFIDENTIAL", "SECRET", "UNCLASSIFIED", "NOFORN", "SIPDIS"}
)


def signer(last_text: str) -> str:
    """The signature is the last word(s) of the last paragraph, after the final sentence: `... BURNS`."""
    text = _TRAILERS.sub("", last_text).rstrip()
    m = re.search(r"(?:^|[.!?)\"'\]]\s+)((?:[A-Z][A-Za-z'\-]{1,20})(?:\s[A-Z][A-Za-z'\-]{1,20})?)\s*\.?$", text)
    if not m:
        m = re.search(r"(?:END (?:COMMENT|SUMMARY|NOTE)\.?|\S*[a-z]\S*)\s+([A-Z]{3,20})$", text)
    if not m:
        return ""
    name = m.group(1).strip()
    if {w.upper() for w in name.split()} & _NOT_NAMES:
        return ""
    return name.upper() if name.isupper() or len(name.split()) == 1 else name


def banner_classification(text: str) -> str:
    m = re.search(
        r"(C O N F I D E N T I A L|S E C R E T|U N C L A S S I F I E D|UNCLAS\b|UNCLASSIFIED\b|"
        r"CONFIDENTIAL\b|SECRET\b|LIMITED OFFICIAL USE\b)",
        text,
    )
    if not m:
        return ""
    word = m.group(1).replace(" ", "")
    base = {"UNCLAS": "UNCLASSIFIED"}.get(word, word)
    if base == "LIMITEDOFFICIALUSE":
        base = "LIMITED OFFICIAL USE"
    after = text[m.end() : m.end() + 200]
    if re.match(r"\s*(?://\s*)?NOFORN", after) or ("NOFORN" in text[:2000] and base != "UNCLASSIFIED"):
        base += "//NOFORN"
    return base


def dtg(text: str) -> str:
    """Transmission date-time group `O 271637Z FEB 07` -> `2007-02-27 16:37`."""
    m = re.search(r"^[ \t]*[OPRZ]{1,2}[ \t]+(\d{2})(\d{2})(\d{2})Z[ \t]+([A-Z]{3})[ \t]+(\d{2,4})\b", text, re.M)
    if not m or m.group(4) not in MONTHS:
        return ""
    y = int(m.group(5))
    if y < 100:
        y += 2000 if y < 50 else 1900
    return f"{y:04d}-{MONTHS[m.group(4)]:02d}-{m.group(1)} {m.group(2)}:{m.group(3)}"


_POSTS = (
    ("AMEMBASSY", "Embassy"),
    ("AMCONSUL", "Consulate"),
    ("USMISSION", "Mission"),
    ("USUN", "USUN"),
    ("USEU", "USEU"),
    ("USNATO", "Mission NATO"),
)


def origin_from_fm(text: str) -> str:
    m = re.search(r"^[ \t]*FM[ \t]+(?:[A-Z]+/)?([A-Z][A-Z .]+?)[ \t]*$", text, re.M)
    if not m:
        return ""
    fm = m.group(1).strip()
    if fm.startswith("SECSTATE"):
        return "Secretary of State"
    for prefix, word in _POSTS:
        if fm.startswith(prefix):
            place = fm[len(prefix) :].strip().title()
            return f"{word} {place}".strip()
    return fm.title()


def id_from_banner(text: str, year: int | None) -> str:
    """`C O N F I D E N T I A L SECTION 01 OF 02 MOSCOW 001323` + year -> 06MOSCOW1323."""
    m = re.search(r"(?:SECTION\s+\d+\s+OF\s+\d+\s+)?\b([A-Z][A-Z ]{1,25}?)\s+0*(\d{1,7})\s*$", text, re.M)
    head = text[:3000]
    b = re.search(
        r"(?:C O N F I D E N T I A L|S E C R E T|UNCLAS(?:SIFIED)?|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)"
        r"(?:\s+SECTION\s+\d+\s+OF\s+\d+)?\s+([A-Z][A-Z ]{1,25}?)\s+0*(\d{1,7})\b",
        head,
    )
    m = b or m
    if not m or year is None:
        return ""
    origin = m.group(1).replace(" ", "")
    return canonical_id(f"{year % 100:02d}{origin}{m.group(2)}") or ""
