"""LLM backends behind two methods: `stream(messages, max_tokens)` yields text pieces; `choose(messages, options)`
returns the option the model picks (constrained decoding: it can answer nothing else)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


class LLM(Protocol):
    name: str

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]: ...

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str: ...
