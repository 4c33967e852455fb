"""Answers and checked texts as plain text with their citation labels and verdict marks, for the terminal and for
exports. The marks are the chat's (rag/present/html.py), read from the gate's report, never re-derived."""

from __future__ import annotations

from types import MappingProxyType

from ..records import Answer, SentenceCheck

# verdict -> (mark, word); the same states as the chat's badges
MARKS = MappingProxyType(
    {
        "supported": ("✔", "verified"),
        "partial": ("◐", "partly verified"),
        "unsupported": ("✘", "not verified"),
        "uncited": ("✘", "no citation"),
        "not_factual": ("–", "not a checked claim"),
    }
)
CLOSEST_HEADING = "Closest paragraphs (not an answer; nothing in them was verified as one):"


def sentence_text(s: SentenceCheck) -> str:
    """`text [09X ¶2] ✔`; a partial sentence's label says so; unsupported and not-factual sentences carry no label."""
    mark, word = MARKS.get(s.verdict, ("?", s.verdict))
    if s.verdict == "supported" and s.citations:
        return f"{s.text} [{'; '.join(c.raw or c.cable_id for c in s.citations)}] {mark}"
    if s.verdict == "partial" and s.citations:
        return f"{s.text} [partly: {'; '.join(c.raw or c.cable_id for c in s.citations)}] {mark}"
    return f"{s.text} [{mark} {word}]"


def answer_text(a: Answer) -> str:
    """The answer as shown in text: each sentence with its citation and mark."""
    if a.abstained or not a.sentences:
        return a.text
    return " ".join(sentence_text(s) for s in a.sentences)
