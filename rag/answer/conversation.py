"""Conversation state: the turns so far, and the standalone question a follow-up stands for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..retrieve.query import find_cable_ids
from ..retrieve.thread import asks_about_refs

_FOLLOW_UP = re.compile(
    r"^(and|what about|how about|also|then|but|so)\b|\b(he|she|him|her|his|hers|they|them|their|"
    r"it|its|that|this|those|these|there|the same)\b",
    re.I,
)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str  # the answer's plain text (no citation labels)
    standalone: str


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """A follow-up ("what did he say about Syria?", "and in 2008?") joined to the question it follows."""
    if not history:
        return question
    q = question.strip()
    if find_cable_ids(q) and not _FOLLOW_UP.match(q):
        return q
    # "what did the referenced cable say?" asks about the references of the cable the conversation is about
    if _FOLLOW_UP.search(q) or len(q.split()) <= 5 or asks_about_refs(q):
        return f"{history[-1].standalone} {q}"
    return q
