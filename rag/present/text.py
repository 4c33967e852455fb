"""Answers and checked texts as plain text with their citation labels and verdict marks, for the terminal and for
exports. The marks are the chat's (rag/present/html.py), read from the gate's report, never re-derived."""

from __future__ import annotations

from types import MappingProxyType

from ..records import Answer, Coverage, SentenceCheck

# verdict -> (mark, word, what it means): the one table of states, for text, exports and the chat's badges
MARKS = MappingProxyType(
    {
        "supported": ("✔", "verified", "verified: the cited paragraph states this"),
        "partial": ("◐", "partly verified", "partly verified: words and figures match; the meaning was not checked"),
        "unsupported": ("✘", "not verified", "not verified: no paragraph the model saw was found to state this"),
        "uncited": ("✘", "no citation", "no citation"),
        "not_factual": ("–", "not a checked claim", "not a checked claim"),
    }
)
CLOSEST_HEADING = "Closest paragraphs (not an answer; nothing in them was verified as one):"


def sentence_text(s: SentenceCheck) -> str:
    """`text [09X ¶2] ✔`; a partial sentence's label says so; unsupported and not-factual sentences carry no label."""
    mark, word, _ = MARKS.get(s.verdict, ("?", s.verdict, ""))
    if s.verdict == "supported" and s.citations:
        return f"{s.text} [{'; '.join(c.raw or c.cable_id for c in s.citations)}] {mark}"
    if s.verdict == "partial" and s.citations:
        return f"{s.text} [partly: {'; '.join(c.raw or c.cable_id for c in s.citations)}] {mark}"
    return f"{s.text} [{mark} {word}]"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def coverage_text(c: Coverage) -> str:
    """What an answer under filters drew on, in words: information, never a verified claim (no mark)."""
    of = f"the {_n(c.matching, 'cable')} matching {c.scope}"
    if not c.paragraphs:
        return f"Searched {of}."
    return f"From {_n(c.paragraphs, 'paragraph')} of {c.cables} of {of}."


def answer_text(a: Answer) -> str:
    """The answer as shown in text: each sentence with its citation and mark."""
    if a.abstained or not a.sentences:
        return a.text
    return " ".join(sentence_text(s) for s in a.sentences)
