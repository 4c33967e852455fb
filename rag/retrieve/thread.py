"""Following a cable's REF thread during retrieval.

A question that asks about a cable's references ("what did REF A say?", "the referenced cable", "reftel") names
the cables to read; otherwise, when the best paragraph found leans on a reference ("as reported in REF B",
"(reftel)", "see refs A,B"), the cables it leans on are read too. Either way the referenced cables that the index
holds are searched with the question (and the sentence that mentions them), and their best paragraphs join the
hits, marked as reached through the reference (`Hit.via`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..records import CableLink

# "REF A", "ref b", "refs A and C", "refs A-C", "REFTEL D", "reftels", "REF A." ... as a cable leans on its references
_LEAN = re.compile(
    r"\b(?:ref(?:tel)?s?\.?\s*(?:[A-H]\b(?:\s*(?:,|and|&|-|through)\s*[A-H]\b)*)|reftels?\b|ref\.?\s*tel\b|"
    r"referenced (?:cable|telegram)s?)",
    re.I,
)
_LETTERS = re.compile(r"\b([A-H])\b", re.I)
# a question about a cable's references, not about the cable itself
_ASKS_REFS = re.compile(
    r"\b(?:(?:the|its|their|that|those)\s+)?(?:referenced|earlier|previous|cited|prior)\s+(?:cable|telegram|"
    r"message|report)s?\b|\bref(?:tel)?s?\.?\s+[A-H]\b|\breftels?\b|\b(?:the|its) refs?\b",
    re.I,
)


@dataclass(frozen=True)
class Lean:
    """Which references a text leans on: `letters` ("" = all of them) and the sentence that mentions them."""

    letters: tuple[str, ...]
    sentence: str


def asks_about_refs(question: str) -> bool:
    """Whether a question asks what a cable's references say ("What did REF A say?", "the referenced cable")."""
    return _ASKS_REFS.search(question) is not None


def lean_of(text: str) -> Lean | None:
    """The references a text leans on (every mention in it), or None when it names none."""
    letters: list[str] = []
    sentences: list[str] = []
    every = False
    for m in _LEAN.finditer(text):
        found = [x.upper() for x in _LETTERS.findall(m.group(0)[3:])]  # past "ref": its own letters are not one
        if re.search(r"-|through", m.group(0)) and len(found) == 2:  # "refs A-C": A, B and C
            found = [chr(c) for c in range(ord(found[0]), ord(found[1]) + 1)]
        every = every or not found
        letters += found
        start = text.rfind(".", 0, m.start()) + 1
        end = text.find(".", m.end())
        sentences.append(text[start : end if end > 0 else len(text)].strip())
    if not sentences:
        return None
    return Lean(() if every else tuple(dict.fromkeys(letters)), " ".join(dict.fromkeys(sentences)))


def followed(links: list[CableLink], lean: Lean | None) -> list[CableLink]:
    """The links a lean points at: those with its letters, or all when it names none (or none of its letters
    is one of the cable's)."""
    if lean is None or not lean.letters:
        return links
    picked = [x for x in links if x.letter and x.letter in lean.letters]
    return picked or links
