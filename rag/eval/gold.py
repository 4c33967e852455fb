"""Gold Q&A sets (JSON lines): questions, and scripted conversations whose turns are gold questions asked in
order; loading with per-line validation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from ..errors import GoldError
from ..ids import ParagraphRef, canonical_id


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


@dataclass(frozen=True)
class GoldSupport:
    """One piece of evidence an answer needs: a cable and the paragraph numbers (any of them) that carry it."""

    cable_id: str
    paragraphs: tuple[int, ...]
    evidence: str = ""

    def covers(self, ref: ParagraphRef) -> bool:
        return ref.cable_id == self.cable_id and ref.num in self.paragraphs


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    answer: str | None
    aliases: tuple[str, ...]
    type: str
    support: tuple[GoldSupport, ...]

    @property
    def answerable(self) -> bool:
        return self.answer is not None

    def support_index(self, ref: ParagraphRef) -> int | None:
        """Which support entry a paragraph belongs to, or None."""
        return next((i for i, s in enumerate(self.support) if s.covers(ref)), None)


def _item(d: object, where: str) -> GoldItem:
    if not isinstance(d, dict):
        raise ValueError("not a JSON object")
    for key in ("id", "question"):
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise ValueError(f"'{key}' must be a non-empty string")
    answer = d.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise ValueError("'answer' must be a string or null")
    aliases = d.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ValueError("'aliases' must be a list of strings")
    support = []
    for s in d.get("support") or []:
        if not isinstance(s, dict) or not isinstance(s.get("cable_id"), str):
            raise ValueError("each support entry needs a 'cable_id' string")
        cid = canonical_id(s["cable_id"])
        if cid is None:
            raise ValueError(f"support cable_id {s['cable_id']!r} is not a cable ID")
        paras = s.get("paragraphs") or []
        if not isinstance(paras, list) or not all(isinstance(p, int) and p >= 0 for p in paras):
            raise ValueError("support 'paragraphs' must be a list of non-negative integers")
        support.append(GoldSupport(cid, tuple(paras), str(s.get("evidence") or "")))
    if answer is not None and not support:
        raise ValueError("an answerable item needs at least one support entry")
    return GoldItem(d["id"], d["question"], answer, tuple(aliases), str(d.get("type") or "unknown"), tuple(support))


@dataclass(frozen=True)
class GoldConversation:
    """A scripted conversation: each turn is a gold item, asked after the turns before it (follow-ups say "he",
    "it", "and in 2008?"). Turn ids are `<conversation id>/<turn number>`."""

    id: str
    turns: tuple[GoldItem, ...]


def _conversation(d: object, where: str) -> GoldConversation:
    if not isinstance(d, dict) or not isinstance(d.get("id"), str) or not d["id"].strip():
        raise ValueError("a conversation needs a non-empty string 'id'")
    turns = d.get("turns")
    if not isinstance(turns, list) or len(turns) < 2:
        raise ValueError("'turns' must be a list of at least two gold items")
    items = []
    for n, t in enumerate(turns, 1):
        if not isinstance(t, dict):
            raise ValueError(f"turn {n} is not a JSON object")
        items.append(_item({**t, "id": f"{d['id']}/{n}"}, f"{where} turn {n}"))
    return GoldConversation(d["id"], tuple(items))


def _load_lines(path: str | Path, parse: Callable[[object, str], T], what: str) -> list[T]:
    """Every line validated; all bad lines reported together as one GoldError."""
    out: list[T] = []
    problems: list[str] = []
    seen: set[str] = set()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise GoldError(f"{path}: cannot read ({e})") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = parse(json.loads(line), f"{path}:{n}")
        except (ValueError, TypeError, RecursionError) as e:
            problems.append(f"{path}:{n}: {e}")
            continue
        key = item.id
        if key in seen:
            problems.append(f"{path}:{n}: duplicate id {key!r}")
            continue
        seen.add(key)
        out.append(item)
    if problems:
        raise GoldError(
            "\n".join(problems[:20]) + (f"\n... and {len(problems) - 20} more" if len(problems) > 20 else "")
        )
    if not out:
        raise GoldError(f"{path}: no {what}")
    return out


def load_gold(path: str | Path) -> list[GoldItem]:
    """Gold questions, one JSON object a line."""
    return _load_lines(path, _item, "gold items")


def load_conversations(path: str | Path) -> list[GoldConversation]:
    """Scripted conversations, one JSON object a line: {"id", "turns": [gold item without id, ...]}."""
    return _load_lines(path, _conversation, "conversations")
