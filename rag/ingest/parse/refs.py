"""A cable's REF field as `Reference` records: lettered lists over several lines, every label variant (`REF:`,
`Ref:`, `REFS`, `REFTEL`, `REF A ...`), post names in any case and of several words (`La Paz`, `PORT AU PRINCE`,
`USUN NEW YORK`, `Rio`), year forms (`07 MOSCOW 123`, `2007 MANAGUA 55`, `MANAGUA 55 (07)`, `STATE 123-91`), second
numbers (`STATE 1234 AND 1240`, `MOSCOW 936/935`). E-mails, telcons, memos, reports and other items keep their kind
and never become cable IDs; a post the table does not know is never guessed."""

from __future__ import annotations

import re
from functools import lru_cache

from ...ids import canonical_id, post_pattern, split_id
from ...records import Reference
from .body import drop_page_lines

# a label at a line start ("REF:", "Refs:", "REFTEL", "REF A ...") or after other text on the line ("... REF: X")
_LABEL = re.compile(
    r"(?P<start>^[ \t¶]*|(?<=\S)[ \t]+)(?P<label>REF(?:ERENCE)?S?|REFTELS?|REFTEL)\b(?P<punct>[ \t]*[:.\-]|)[ \t]*",
    re.I | re.M,
)
# what ends the field: another header label, a paragraph, a blank line
_END = re.compile(
    r"\n[ \t]*\n(?![ \t]*\d{1,7}[ \t]*\n)|\n(?=[ \t]*REF(?:TEL)?S?\b)|"
    r"(?:^|(?<=\s))(?:Classified[ \t]+By|CLASSIFIED[ \t]+BY|Derived[ \t]+from|"
    r"E\.[ \t]?O\.[ \t]?\d|EO[ \t]+\d{5}|TAGS?\b[ \t]*:?|(?i:sensitive[ \t]+but[ \t]+unclassified)|SUBJECT[ \t]*:|"
    r"SUBJ[ \t]*:|SUMMARY\b|Summary[ \t]*:|BEGIN[ \t]+SUMMARY|"
    r"(?:¶[ \t]*)?1\.[ \t]+(?:\(|[A-Z])|¶[ \t]*\d|(?<=\n)[ \t]*\((?:U|C|S|SBU|LOU)\)[ \t]+[A-Z])",
    re.M,
)
_NOISE = re.compile(r"\b(?:AND|PLUS)\s+PREVIOUS\b|\(?\bNOTAL\b\)?|\bPREVIOUS\b|\bNONE\b|\bN/A\b|[\s,;:.&()\-]+", re.I)
_KINDS = (
    ("e-mail", re.compile(r"E-?\s?MAILS?|(?<![A-Za-z])MAIL(?![A-Za-z])", re.I)),
    (
        "telcon",
        re.compile(r"TELE?CONS?\b|TELEPHONE|\bPHONE\b|\bCALL\b|\bDVC\b|\bSVTC\b|VIDEO ?CONFERENCE|CONVERSATION", re.I),
    ),
    ("memo", re.compile(r"\bMEMO|MEMORANDUM|\bLETTER|NON-?PAPER|DIP(?:LOMATIC)? NOTE|NOTE VERBALE|\bFAX\b", re.I)),
    (
        "report",
        re.compile(
            r"REPORTS?\b|\bIIRS?\b|\bTDX?[\s\-]|\b\d{3}/\d{4,6}-\d{2}\b|\bOSC\b|\bFBIS\b|\bINTSUM|\bSITREP|ASSESSMENT|\bSIPRNET\b|\bSTUDY\b|"
            r"\bANALYSIS\b|\bTESTIMONY\b|\bBRIEFING\b|\bPOINTS\b",
            re.I,
        ),
    ),
)


@lru_cache(maxsize=1)
def _cable_re() -> re.Pattern[str]:
    posts = post_pattern().pattern.replace("(?<![A-Za-z'])(", "(?<![A-Za-z'])(?P<post>", 1)
    return re.compile(
        r"(?:(?<![\d/])(?P<y1>(?:19|20)\d{2}|\d{2})\s+)?"
        + posts
        + r"[ \t\n]*(?:NO\.?\s*)?(?P<num>(?<![\d/])\d{1,7}(?!\d|/\d{1,2}/)|X{3,}\b)"
        r"(?P<more>(?:\s*(?:/|&|\bAND\b|,)\s*\d{2,7}(?![\d/]))*)"
        r"(?:\s*\((?P<y2>(?:19|20)?\d{2})\)|-(?P<y3>\d{2})\b)?",
        re.I,
    )


def _fields(header: str) -> list[tuple[str, bool]]:
    """The text of every REF field in the header, and whether its label was bare (no colon: `REF A ...`)."""
    header = drop_page_lines(header)
    header = re.sub(r"¶[ \t]*(?=[A-Za-z]{1,2}[.):])", "", header)  # the viewer's anchors on "B." lines
    out: list[tuple[str, bool]] = []
    for m in _LABEL.finditer(header):
        at_line_start = m.start() == 0 or header[m.start() - 1] == "\n"
        label, punct = m.group("label").upper(), m.group("punct").strip()
        if not at_line_start and punct != ":":
            continue  # inside running text only as "REF:" (after a subject on the same line)
        rest = header[m.end() :]
        if not punct and not re.match(r"\(?[A-Za-z][.):]?\s|\d|" + post_pattern().pattern, rest):
            continue  # "REFERENCES TO ..." in prose
        if label.startswith("REFERENCE") and punct != ":":
            continue
        end = _END.search(rest)
        field = re.sub(
            r"^(?:REF(?:TEL)?S?\b[ \t]*:?[ \t]*)+", "", rest[: end.start()] if end else rest[:1500], flags=re.I
        )
        out.append((field, not punct))
    return out


def _letters(field: str, bare: bool, expect: str) -> list[tuple[str, str]]:
    """Split a field into (letter, text) items: `A. x B) y (C) z`, a doubled `A. A)` counted once; letters must run
    in order, so an initial such as `J. SMITH` inside an item is no letter."""
    pat = re.compile(
        r"(?:^|(?<=[\s,;]))(?:\(([A-Za-z])\)|([A-Za-z])[.):](?=\s|$)" + (r"|^([A-Za-z])(?=\s)" if bare else "") + ")"
    )
    items: list[tuple[str, str]] = []
    pos, letter = 0, ""
    for m in pat.finditer(field):
        got = (m.group(1) or m.group(2) or m.group(3) or "").upper()
        if letter and got == letter and not field[pos : m.start()].strip():
            pos = m.end()  # "A. A) SECSTATE 52920": the viewer's letter and the cable's
            continue
        if got != expect:
            continue
        items.append((letter, field[pos : m.start()]))
        letter, pos, expect = got, m.end(), chr(ord(got) + 1)
    items.append((letter, field[pos:]))
    return [(ltr, t) for ltr, t in items if t.strip() or ltr]


def _kind(text: str) -> str:
    for kind, pat in _KINDS:
        if pat.search(text):
            return kind
    return "other"


def _year(m: re.Match[str], post: str, num: int, own: tuple[int | None, str, int]) -> str | None:
    raw = m.group("y1") or m.group("y2") or m.group("y3")
    if raw:
        return raw[-2:]
    year, own_post, own_num = own
    if year is None:
        return None
    if post == own_post and own_num and num > own_num:
        year -= 1  # the post's own numbering restarts each January: a higher number is last year's
    return f"{year % 100:02d}"


def _group(letter: str, text: str, own: tuple[int | None, str, int], own_id: str) -> list[Reference]:
    flat = re.sub(r"\s+", " ", text).strip(" ,;:.")
    out: list[Reference] = []
    cables = 0
    for m in _cable_re().finditer(flat):
        cables += 1
        post = canonical_id(f"00{m.group('post')}1")
        if post is None:
            continue
        prefix = post[2:-1]
        raw = m.group(0).strip()
        if m.group("num").upper().startswith("X"):
            out.append(Reference(letter, "cable", "", raw))
            continue
        nums = [int(m.group("num")), *(int(n) for n in re.findall(r"\d+", m.group("more") or ""))]
        for n in nums:
            yy = _year(m, prefix, n, own)
            cid = canonical_id(f"{yy}{prefix}{n}") if yy and n else None
            if cid and cid != own_id:
                out.append(Reference(letter, "cable", cid, raw))
    if cables:
        return out
    only_post = post_pattern().fullmatch(re.sub(r"^(?:(?:19|20)?\d{2}\s+)", "", flat))
    if only_post:
        return [Reference(letter, "cable", "", flat)]  # "B. FREETOWN": a cable whose number is missing
    if not _NOISE.sub("", flat) or re.fullmatch(r"[X\s]+", flat):
        return []
    return [Reference(letter, _kind(flat), "", flat)]


def parse_refs(header: str, year: int | None, own_id: str = "") -> tuple[Reference, ...]:
    """Every reference of the header's REF field(s), in order; the cable's own ID is never one of them."""
    parts = split_id(own_id) if own_id else None
    own = (year, parts[1], parts[2]) if parts else (year, "", 0)
    out: list[Reference] = []
    expect = "A"
    for field, bare in _fields(header):
        for letter, text in _letters(field, bare, expect):
            if letter:
                expect = chr(ord(letter) + 1)
            groups = [text] if letter else [g for g in re.split(r";", text) if g.strip()]
            for g in groups:
                out.extend(r for r in _group(letter, g, own, own_id) if _key(r) not in {_key(o) for o in out})
    return tuple(out)


def _key(r: Reference) -> tuple[str, ...]:
    """The same reference twice (a REF line repeated in a preamble, in another case): one is kept."""
    return (r.letter, r.cable_id) if r.cable_id else (r.letter, r.kind, r.text.upper())


def merge_listed(refs: tuple[Reference, ...], listed: tuple[str, ...]) -> tuple[Reference, ...]:
    """Add the cable IDs a release lists beside the text (the CSV column) that the REF field did not yield."""
    have = {r.cable_id for r in refs}
    extra = []
    for raw in listed:
        cid = canonical_id(raw)
        if cid and cid not in have:
            have.add(cid)
            extra.append(Reference("", "cable", cid, raw.strip()))
    return refs + tuple(extra)
