"""Split a telegram (header + body text with `¶N.` markers) into numbered, cleaned paragraphs.

Every input format is first normalised to text in which the cable's paragraph markers read `¶N.` at the
start of a line (the WikiLeaks viewer's convention); this module does the rest for all of them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ...records import Paragraph
from .words import is_word

MARKER = re.compile(r"^[ \t]*¶[ \t]*(\d{1,4})\.", re.M)
LETTER_MARKER = re.compile(r"¶[ \t]*(?=[A-Za-z]{1,2}\.)")
PLAIN_MARKER = re.compile(r"^([ \t]*)(\d{1,3})\.(?=[ \t])", re.M)
# "(C)", "(S/NF)", "(SBU)", "(C/REL Germany)", and lower-case "(u)" as some posts type them
MARKING = re.compile(
    r"^\s*\(\s*((?:[UCS]|SBU|TS|LOU)[ \t]*/[ \t]*[A-Za-z][A-Za-z/\- ]{0,20}?|[A-Z][A-Z/\- ]{0,14}?|[ucs]|sbu)\s*\)\s*"
)
# the classification line that opens a telegram, at a line start, in any case and letter spacing ("S e c r e t")
LINE_BANNER = re.compile(
    r"^[ \t]*(?:C ?O ?N ?F ?I ?D ?E ?N ?T ?I ?A ?L|S ?E ?C ?R ?E ?T|U ?N ?C ?L ?A ?S ?S ?I ?F ?I ?E ?D|UNCLAS|"
    r"LIMITED OFFICIAL USE)\b",
    re.M | re.I,
)
BANNER = re.compile(
    r"(C O N F I D E N T I A L|S E C R E T|U N C L A S S I F I E D|UNCLAS\b|UNCLASSIFIED\b|"
    r"CONFIDENTIAL\b|SECRET\b|LIMITED OFFICIAL USE\b)"
)
# "MOSCOW 00000828  002 OF 002", "TALLINN 00000366 002 OF 004", "STATE 00012345 001.2 OF 003"
PAGE_BREAK = re.compile(
    r"^[ \t]*[A-Z][A-Z .'\-]{1,30}[ \t]+\d{5,9}[ \t]+\d{3}(?:\.\d)?[ \t]+OF[ \t]+\d{3}[ \t]*$", re.M
)
# older telegrams: " CONFIDENTIAL\nPAGE 02 HARARE 06677 01 OF 03 291400Z "
OLD_PAGE_BREAK = re.compile(
    r"[ \t]*(?:UNCLASSIFIED|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)?[ \t]*\n?"
    r"^PAGE[ \t]+\d{2,3}[ \t]+[A-Z][A-Z .]{1,30}?[ \t]+\d{3,6}[ \t]+\d{2}[ \t]+OF[ \t]+\d{2}[ \t]+\d{6}Z[ \t]*",
    re.M,
)
STRAY_MARK = re.compile(r"¶[ \t]*(?=\d)")
# the page head of older telegrams, as it leaks into header fields: "SECRET PAGE 02 ROME 00000478 001.2 OF 002"
PAGE_HEAD = re.compile(
    r"^[ \t]*(?:(?:UNCLASSIFIED|UNCLAS|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)[ \t]+)?"
    r"PAGE[ \t]+\d{2,3}[ \t]+[A-Z].*\n?",
    re.M,
)
SIPDIS = re.compile(r"(?<![A-Za-z])SIPDIS(?![A-Za-z])")
DASH_LINE = re.compile(r"^[ \t]*[-=_]{3,}[ \t]*$")
SPACE = re.compile(r"\s+")
MAX_NUM = 300
MAX_JUMP = 12


@dataclass(frozen=True)
class SplitBody:
    header: str  # cleaned text before the first paragraph (paragraph 0)
    paragraphs: tuple[Paragraph, ...]  # including paragraph 0
    numbered: bool


def add_plain_markers(text: str) -> str:
    """For text with no `¶` at all (pasted web pages, the CSV release): mark lines that start `N.` as the
    WikiLeaks viewer does, so every format numbers paragraphs the same way."""
    if MARKER.search(text):
        return text
    return PLAIN_MARKER.sub(lambda m: f"{m.group(1)}¶{m.group(2)}.", text)


_CROSS_REF = re.compile(r"\b(?:para(?:graph)?s?|refs?|reftel|see|in|and)[ \t]*\n\s*$", re.I)


def accepted_markers(text: str) -> list[re.Match[str]]:
    """The cable's own numbering among the candidate markers: drop years, resolution numbers and jumps, and a
    number going back that only continues a cross-reference ("please see paragraph / 3.")."""
    cands = list(MARKER.finditer(text))
    out: list[re.Match[str]] = []
    last = 0
    for i, m in enumerate(cands):
        n = int(m.group(1))
        if n < 1 or n > MAX_NUM:
            continue
        if n <= last and _CROSS_REF.search(text, max(0, m.start() - 40), m.start()):
            continue
        confirmed = i + 1 < len(cands) and int(cands[i + 1].group(1)) == n + 1
        if n > last + MAX_JUMP and not (not out and confirmed):
            continue
        out.append(m)
        last = n
    return out


def drop_page_lines(header: str) -> str:
    """Header text without its page-break and page-head lines (whole lines, so a field runs on across them)."""
    return PAGE_HEAD.sub("", re.sub(PAGE_BREAK.pattern + r"\n?", "", remove_page_breaks(header), flags=re.M))


def remove_page_breaks(text: str) -> str:
    text = OLD_PAGE_BREAK.sub(" ", text)
    return PAGE_BREAK.sub("", text)


MD_LINK = re.compile(r"(?<!!)\[([^\]\n]{1,40})\]\((?![a-zA-Z][\w+.-]*:|//)[^)\s]{0,200}\)")  # [PREL](#), not URLs


def join_lines(raw: str) -> str:
    """Lines of one paragraph to one string, re-joining words split across a line or page break."""
    raw = MD_LINK.sub(r"\1", raw)
    lines = [ln.strip() for ln in raw.split("\n")]
    lines = [ln for ln in lines if ln and ln != "." and not DASH_LINE.match(ln)]
    parts: list[str] = []
    prev = ""
    for ln in lines:
        if parts:
            tail = re.search(r"(?:^|\s)([A-Za-z]+)$", prev)
            head = re.match(r"([a-z]+)", ln)
            if not (tail and head and _split_word(tail.group(1), head.group(1))):
                parts.append(" ")
        parts.append(ln)
        prev = ln
    out = "".join(parts)
    return SPACE.sub(" ", out).strip()


def _split_word(a: str, b: str) -> bool:
    joined = (a + b).lower()
    return is_word(joined) and not (is_word(a.lower()) and is_word(b.lower()))


def _trailing_heading(lines: list[str]) -> tuple[list[str], str]:
    """Detach a section heading stuck to the end of a paragraph (a short line next to a dash rule)."""
    i = len(lines)
    while i and (not lines[i - 1].strip() or lines[i - 1].strip() == "."):
        i -= 1
    j = i
    while j and DASH_LINE.match(lines[j - 1]):
        j -= 1
    if j == i:  # no rule under the last text line
        return lines, ""
    k = j
    while k and lines[k - 1].strip() and not DASH_LINE.match(lines[k - 1]) and len(lines[k - 1].strip()) <= 80:
        k -= 1
        if j - k >= 1:
            break
    heading_lines = [ln.strip() for ln in lines[k:j] if ln.strip() not in {"", "."}]
    while k and DASH_LINE.match(lines[k - 1]):  # rule above the heading too
        k -= 1
    if not heading_lines:
        return lines[:k], ""
    return lines[:k], " ".join(heading_lines)


def clean_block(raw: str) -> tuple[str, str]:
    """Raw paragraph block -> (clean text, heading that followed it)."""
    raw = SIPDIS.sub("", remove_page_breaks(raw))
    raw = STRAY_MARK.sub("", raw)  # a viewer anchor on a number that is not a paragraph ("paragraph ¶3.")
    lines, heading = _trailing_heading(raw.split("\n"))
    text = join_lines("\n".join(lines))
    return (text, heading) if text else (join_lines(raw), "")


def split_body(cable_id: str, text: str) -> SplitBody:
    """Split normalised telegram text (banner onwards) into paragraph 0 and the numbered paragraphs."""
    text = LETTER_MARKER.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    marks = accepted_markers(text)
    if not marks:
        return _fallback(cable_id, text)
    header_raw = text[: marks[0].start()]
    header, heading = clean_block(header_raw)
    paras = [Paragraph(cable_id, 0, header)]
    seen: Counter[int] = Counter()
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        block = text[m.end() : end]
        mk = MARKING.match(block)
        marking = SPACE.sub("", mk.group(1)).upper() if mk else ""
        if mk:
            block = block[mk.end() :]
        body, next_heading = clean_block(block)
        n = int(m.group(1))
        seen[n] += 1
        paras.append(Paragraph(cable_id, n, body, marking, seen[n], heading))
        heading = next_heading
    return SplitBody(header, tuple(paras), True)


def _fallback(cable_id: str, text: str) -> SplitBody:
    """No paragraph markers: header up to the first blank line after SUBJECT, then blank-line blocks."""
    text = SIPDIS.sub("", remove_page_breaks(text))
    blocks = [b for b in re.split(r"\n[ \t]*\n", text) if b.strip()]
    header_end = 0
    for i, b in enumerate(blocks[:12]):
        if re.search(r"^\s*(SUBJECT|SUBJ|TAGS|REF|Classified By|E\.?O\.?)\b", b, re.M | re.I):
            header_end = i + 1
    header = join_lines("\n".join(blocks[:header_end]))
    paras = [Paragraph(cable_id, 0, header)]
    for b in blocks[header_end:]:
        t = join_lines(b)
        if t:
            paras.append(Paragraph(cable_id, len(paras), t))
    return SplitBody(header, tuple(paras), False)
