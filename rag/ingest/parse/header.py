"""Metadata found in the telegram text itself: TAGS, SUBJECT, REF, classified-by, caveats, signer, DTG."""

from __future__ import annotations

import re
from types import MappingProxyType

from ...ids import canonical_id
from ...text.jargon import TAGS
from .body import drop_page_lines

CAVEATS = ("NOFORN", "NODIS", "EXDIS", "LIMDIS", "STADIS", "SIPDIS", "ROGER", "ORCON", "REL TO", "SENSITIVE")
MONTHS = MappingProxyType(
    {
        m: i + 1
        for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
    }
)
# a header field ends at a blank line, at the next label on a new line, or at REF:/Classified By on the same line
_LABELS = (
    r"REF(?:TEL)?S?\b[ \t]*:|REFTELS?\b|Classified[ \t]+By\b|CLASSIFIED[ \t]+BY\b|Derived[ \t]+From\b|"
    r"E\.[ \t]?O\.[ \t]?\d|EO[ \t]+\d{5}|TAGS?\b|TABS\b|SUBJECT\b|SUBJ\b|SIPDIS\b|(?:BEGIN[ \t]+)?SUMMARY\b|"
    r"(?:¶[ \t]*)?1\.[ \t]|¶[ \t]*\d"
)
_FIELD_END = (
    rf"(?=\n[ \t]*\n|\n[ \t]*(?i:{_LABELS})|[ \t]+(?:REF(?:TEL)?S?[ \t]*:|Ref[ \t]*:|Refs[ \t]*:|"
    rf"Classified[ \t]+By\b|CLASSIFIED[ \t]+BY\b)|\Z)"
)


def _field(header: str, names: str) -> str:
    header = drop_page_lines(header)
    m = re.search(rf"^[ \t]*(?:{names})\b[ \t]*:?[ \t]*(.*?){_FIELD_END}", header, re.M | re.S | re.I)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


# organisation tags longer than a subject code, kept whole; and 4-letter subject codes start with these letters
_LONG_TAGS = frozenset({"INTERPOL", "MINUSTAH", "MERCOSUR", "COUNTERTERRORISM", "CARICOM", "UNESCO", "ECOWAS"})
_GLUED = re.compile(r"^((?:[ABCEKMOPST][A-Z]{3}){1,5})([A-Z]{2})?$")
_CODE = re.compile(r"[A-Z][A-Z0-9_\-]{1,11}")


def _split_glued(tok: str) -> list[str]:
    """`KDEMAF` -> KDEM, AF; `EINDETRD` -> EIND, ETRD (tags typed without a separator)."""
    m = _GLUED.match(tok)
    if len(tok) < 6 or tok in _LONG_TAGS or not m or (len(tok) == 6 and not m.group(2)):
        return [tok]
    codes = [m.group(1)[i : i + 4] for i in range(0, len(m.group(1)), 4)]
    if not any(c in TAGS for c in codes):  # POLITICS, BRUSSELS: words, not codes
        return [tok]
    return codes + ([m.group(2)] if m.group(2) else [])


def _namelike(word: str, letters: int) -> bool:
    """A surname or given name, not a tag code: letters only, long enough, two vowels, no known tag."""
    w = word.rstrip(".").replace("-", "").replace("'", "")
    vowels = sum(ch in "AEIOUY" for ch in w)
    return w.isalpha() and len(w) >= letters and vowels >= 2 and w not in _LONG_TAGS and w not in TAGS


def _person(a: str, b: str) -> bool:
    """`BIDEN, JOSEPH` is one person tag: a surname, then a given name (and initials), not two codes."""
    wa, wb = a.split(), b.split()
    if len(wa) != 1 or not 1 <= len(wb) <= 3 or not all(len(w.rstrip(".")) == 1 for w in wb[1:]):
        return False
    return _namelike(a, 5) and _namelike(wb[0], 5)


def tags(header: str) -> tuple[str, ...]:
    """TAGS (also `Tags:`, `TAG:`, `TABS:`): codes in capitals, in order; `SIPDIS` is no tag; a person tag such as
    `BIDEN, JOSEPH` or `OVIP (STEINBERG, JAMES B.)` stays one tag; glued codes (`KDEMAF`) are split."""
    raw = _field(header, "TAGS?|TABS|TAGSS")
    raw = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", raw).upper()  # markdown links pasted from web pages
    out: list[str] = []
    pieces = [m.group(1) or m.group(2) for m in re.finditer(r"\(([^()]{0,60})\)|([^,;()]+)", raw)]
    pieces = [re.sub(r"\s+", " ", p).strip() for p in pieces if p and p.strip()]
    i = 0
    while i < len(pieces):
        p = pieces[i]
        if "," in p or i + 1 < len(pieces) and _person(p, pieces[i + 1]):
            person = p if "," in p else f"{p}, {pieces[i + 1]}"
            i += 1 if "," in p else 2
            if person not in out:
                out.append(person)
            continue
        words = p.split()
        if "OVIP" in words[:-2] and _person(words[words.index("OVIP") + 1], words[words.index("OVIP") + 2]):
            k = words.index("OVIP")  # "OVIP CLINTON HILLARY PREL": the visitor's name follows the code
            words[k + 1 : k + 3] = [f"{words[k + 1]}, {words[k + 2]}"]
        for t in (t for tok in words for t in ([tok] if "," in tok else _split_glued(tok.strip(".:")))):
            if t and t not in {"SIPDIS", "TAGS", "TAG"} and t not in out and (_CODE.fullmatch(t) or "," in t):
                out.append(t)
        i += 1
    return tuple(out)


def subject(header: str) -> str:
    """SUBJECT without a leading marking (`(C)`), SIPDIS or the REF/Classified-By text on the same line."""
    s = _field(header, "SUBJECT|SUBJ")
    s = re.sub(r"\bSIPDIS\b", "", s)
    s = re.sub(r"^\(\s*(?:[UCS]|SBU|TS|LOU|C/NF|S/NF|U/FOUO)(?:\s*/\s*[A-Z]+)?\s*\)\s*", "", s, flags=re.I)
    s = re.sub(r"\s*\((?:[UCS]|SBU|C/NF|S/NF)\)$", "", s, flags=re.I)  # a marking at the end: "... dio (s)"
    s = re.sub(r"\s*\\\s*", " ", s)  # line-end artefacts " \"
    return re.sub(r"\s+", " ", s).strip(" .")


def classified_by(header: str) -> str:
    m = re.search(
        r"^[ \t]*(?:Classified|CLASSIFIED)[ \t]+(?:By|BY|by)[ \t]*:?[ \t]*(.*?)"
        r"(?=\n[ \t]*\n|\n[ \t]*(?:¶[ \t]*)?\d+\.\s|\n[ \t]*[-=_]{3,}|"
        r"\n[ \t]*(?i:REF|SUBJECT|TAGS|Summary|SIPDIS)\b|\Z)",
        header,
        re.M | re.S,
    )
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


def classified_by_in_text(body: str) -> str:
    """Older cables state it inside ¶1: `1. (U) CLASSIFIED BY DCM JOHN DOE. REASON: 1.5 (D).`"""
    m = re.search(
        r"(?:^|(?:¶[ \t]*)?1\.[ \t]*(?:\([A-Za-z/ ]{1,12}\))?)[ \t]*CLASSIFIED[ \t]+BY[ \t]*:?[ \t]*",
        body[:6000],
        re.M | re.I,
    )
    if not m:
        return ""
    rest = re.split(r"\n[ \t]*\n|\n[ \t]*¶", body[m.end() : m.end() + 600])[0]
    rest = re.sub(r"\s+", " ", rest).strip()
    r = re.search(r"\bREASONS?\b[:\s]*(?:\d\.\d+)?.*?(?:\.(?=\s|$)|$)", rest, re.I)
    if r:
        return rest[: r.end()].strip()
    return re.split(r"(?<=[a-z0-9)])\.\s", rest, maxsplit=1)[0].strip()


def caveats(text: str) -> tuple[str, ...]:
    return tuple(c for c in CAVEATS if re.search(rf"\b{c}\b", text))


_TRAILERS = re.compile(r'(\s*(?:"?Visit [^"]{0,80}Classified Web ?Site.*|N ?N ?N ?N|NNNN|Nnnn)\s*)+$', re.S)
_NOT_NAMES = frozenset(
    {"END", "COMMENT", "SUMMARY", "NOTE", "CONFIDENTIAL", "SECRET", "UNCLASSIFIED", "NOFORN", "SIPDIS", "SIGNATURE"}
)


def signer(last_text: str) -> str:
    """The signature is the last word(s) of the last paragraph, after the final sentence: `... BURNS`."""
    text = re.sub(r"\bX{4,}\b", ".", _TRAILERS.sub("", last_text)).rstrip()
    m = re.search(r"(?:^|[.!?)\"'\]]\s+)((?:[A-Z][A-Za-z'\-]{1,20})(?:\s[A-Z][A-Za-z'\-]{1,20})?)\s*\.?$", text)
    if not m:
        m = re.search(r"(?:END (?:COMMENT|SUMMARY|NOTE)\.?|\S*[a-z]\S*)\s+([A-Z]{3,20})$", text)
    if not m:  # glued to the last sentence: `... beating us down."BROWN`
        m = re.search(r"[a-z][.!?][\"'\u201d]?([A-Z]{3,20})$", text)
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
