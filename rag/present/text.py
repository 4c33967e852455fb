"""Answers as plain text with their citation labels, for the terminal and for exports."""

from __future__ import annotations

from ..records import Answer, SentenceCheck


def sentence_text(s: SentenceCheck) -> str:
    if s.citations:
        return f"{s.text} [{'; '.join(c.raw for c in s.citations)}]"
    if s.verdict == "unsupported":
        return f"{s.text} [unverified]"
    return s.text


def answer_text(a: Answer) -> str:
    """The answer as shown in text: each sentence followed by its citation, or marked unverified."""
    if a.abstained or not a.sentences:
        return a.text
    return " ".join(sentence_text(s) for s in a.sentences)
