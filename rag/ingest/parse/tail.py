"""The end of a telegram. Only recognised boilerplate is ever removed there: the web-page chrome that follows the
signature of a pasted page, a post's "Visit our Classified Web Site" line, end-of-message marks (NNNN, CABLE ENDS,
END OF DOCUMENT, a bottom classification line). A heading, a quoted text, a speech or a redacted name after the
last paragraph is cable text and stays. The signer is read from the last name lines."""

from __future__ import annotations

import re

# "Visit Ankara's Classified Web Site at http://www.intelink.s \n gov.gov/wiki/Portal:Turkey", wherever it stands in
# the last paragraph (after a "****" rule, after "(U)"), with up to two lines of its URLs
_URL = (  # a URL, with the pieces a line wrap or a space left of it ("intelink.s gov.gov", "index.c fm")
    r"(?:https?://|www\.)\S*(?:[ \t]+(?:(?-i:[a-z0-9._:/\-])\S*|[A-Za-z]{1,3}(?=[ \t]*(?:\n|$))|"
    r"\S*(?:\.gov|/|Portal:)\S*)(?=[ \t\n]|$))*"
)
SITE_LINE = re.compile(
    r"(?:\*{5,}[ \t*]*)?[\"“]?(?:Please[ \t]+)?visit[ \t]+[^\n]{0,80}?classified[ \t]*web[ \t]*-?[ \t]*site\b"
    rf"(?:[^\n]*?{_URL}[\"”]?|[^\n]*)"
    r"(?:[ \t]*\n[ \t]*(?=[^\n]*(?:https?://|www\.|\.gov|sgov|Portal:))"
    r"[^\n]*?(?=(?:[ \t]+(?-i:[A-Z][A-Z'\-]{2,}))?[ \t]*(?:\n|\Z))){0,2}"
    r"(?:[ \t]*\n[ \t]*\*{5,}[ \t*]*(?=\n|$))?",
    re.I,
)
# lines that close a telegram after its text
END_LINE = re.compile(
    r"^[ \t]*(?:N[ \t]?N[ \t]?N[ \t]?N|=*[ \t]*CABLE[ \t]+ENDS[ \t]*=*|<<[ \t]*END OF DOCUMENT[ \t]*>>|"
    r"SELECT \* FROM `cable`.*|-+|\.|>|End Cable Text|"
    r"(?:UNCLASSIFIED|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)(?:[ \t]*//[ \t]*\w+)?|"
    r"\d{4}[A-Z]{3,12}\d{5}(?:[ \t]*-[ \t]*[A-Z ]+)?)[ \t]*$",
    re.I,
)
# chrome of a blog or web page a cable was copied from (seen after the signature of pasted pages)
CHROME_LINE = re.compile(
    r"^[ \t]*(?:Wikileaks|Advertisements?|Share this:?|Like this:?|Related|Leave a Reply|Post a comment.*|"
    r"Fill in your details.*|.*WordPress\.com.*|.*bloggers like this.*|Connecting to %s|Twitter picture|"
    r"Facebook photo|Google\+ photo|Loading\.\.\.|Report this ad|Reblog|Subscribe|Cancel)[ \t]*$",
    re.I,
)
NAME_LINE = re.compile(r"^[ \t]*[A-Z][A-Za-z'\-]{1,24}(?:[ \t]+[A-Z][A-Za-z'\-]{1,24}){0,2}[ \t]*\.?[ \t]*$")


def _alnum(s: str) -> int:
    return sum(ch.isalnum() for ch in s)


def strip_tail(text: str, tail_start: int) -> tuple[str, int]:
    """Remove recognised boilerplate after `tail_start` (the last paragraph's marker); returns the text and the
    number of letters and digits removed."""
    head, tail = text[:tail_start], text[tail_start:]
    before = _alnum(tail)
    tail = SITE_LINE.sub("", tail)
    lines = tail.split("\n")
    lines = _cut_chrome(lines)
    while lines and (not lines[-1].strip() or END_LINE.match(lines[-1])):
        lines.pop()
    tail = "\n".join(lines)
    return head + tail, before - _alnum(tail)


def _cut_chrome(lines: list[str]) -> list[str]:
    """Cut at the first chrome line that follows a name line, when at least two chrome lines follow it."""
    for i, ln in enumerate(lines):
        if not CHROME_LINE.match(ln):
            continue
        prev = next((p for p in reversed(lines[:i]) if p.strip()), "")
        if NAME_LINE.match(prev) and sum(bool(CHROME_LINE.match(x)) for x in lines[i:]) >= 2:
            return lines[:i]
    return lines


_NOT_NAMES = frozenset(
    {
        "END",
        "COMMENT",
        "SUMMARY",
        "NOTE",
        "TEXT",
        "CONFIDENTIAL",
        "SECRET",
        "UNCLASSIFIED",
        "NOFORN",
        "SIPDIS",
        "SIGNATURE",
        "BT",
        "NNNN",
        "DECL",
        "CLASSIFIED",
        "SENSITIVE",
        "OVERVIEW",
        "BACKGROUND",
    }
)
# after the name: a "-" line, a classification line, a declassification or distribution note
_AFTER_NAME = re.compile(
    r"^[ \t]*(?:[-_=.]+|(?:UNCLASSIFIED|CONFIDENTIAL|SECRET|LIMITED OFFICIAL USE)\b.*|NNNN|.*END OF DOCUMENT.*|"
    r"(?:NOTE|NOTE BY|DECL|DECLASSIFIED|DRAFTED|CLEARED|APPROVED|DISTRIBUTION|Systematic Review)\b.*|"
    r"End Cable Text|>|.*@.*|.*\bInbox\b.*|.*\.\.\.)[ \t]*$",
    re.I,
)
_NAME = r"[A-Z][A-Za-z'\-]{1,24}(?:[ \t]+[A-Z][A-Za-z'\-]{1,24})?"


def _name_parts(line: str) -> list[str]:
    m = re.fullmatch(rf"({_NAME}(?:[ \t]*[/;,][ \t]*{_NAME})*)[ \t]*\.?", line)
    if not m or (line != line.upper() and (len(line.split()) > 1 or line.endswith("."))) or re.search(r"XXX", line):
        return []
    parts = [p.strip() for p in re.split(r"[/;,]", m.group(1))]
    return [] if any(w.upper() in _NOT_NAMES for p in parts for w in p.split()) else parts


def signer_lines(tail: str) -> str:
    """The signer(s) from the raw lines after the last paragraph marker: the last name line(s), passing over
    `-` lines, classification lines and notes that follow them; a name line must start after a blank line or a
    finished sentence. Several signers are joined with ", "."""
    lines = [ln.strip() for ln in tail.rstrip().split("\n")]
    while len(lines) > 1 and (not lines[-1] or _AFTER_NAME.match(lines[-1])):
        lines.pop()
    names: list[str] = []
    i = len(lines) - 1
    while i > 0 and lines[i] and len(names) < 4:
        parts = _name_parts(lines[i])
        if not parts:
            break
        if names and lines[i] != lines[i].upper():
            break  # several signers are all-capital lines
        names[:0] = parts
        i -= 1
    if not names or i <= 0 and not lines[0]:
        return ""
    before = lines[i] if i >= 0 else ""
    redacted = re.fullmatch(r"[Xx]{4,}|[-*=_ ]{3,}", before)  # a redacted drafter's line, or a rule, above it
    if _name_parts(before) or before and not redacted and not re.search(r"[.!?)\"'\u201d:]$", before):
        return ""
    return ", ".join(n.upper() if n.isupper() or len(n.split()) == 1 else n for n in names)
