"""Prompt templates (prompts/*.txt, `{name}` placeholders) and the answer prompt built from them.

Templates are read afresh for every question (a changed prompt takes effect without a restart) and identified by the
SHA-256 of their contents, which exports and eval runs record."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..errors import PromptError
from ..records import CableMeta, Hit
from ..text import tokens
from ..text.sentences import split_sentences
from ..text.words import tokenize

_FIELD = string.Formatter()
NAMES = (
    "answer_system",
    "answer_user",
    "passage",
    "history",
    "judge_system",
    "judge_alone",
    "judge_states",
    "judge_answers",
)
_SPECIAL = re.compile(r"<\|[^|>]{0,40}\|>|<<<|>>>|\[/?INST\]|<start_of_turn>|<end_of_turn>")
_FIELD_END = re.compile(_SPECIAL.pattern + r"|[\r\n]")
# longest metadata values a prompt repeats (the sample's longest: origin 27, subject 222 characters)
FIELD_LIMITS = MappingProxyType({"cable_id": 40, "paragraph": 8, "origin": 60, "date": 10, "subject": 240})


@dataclass(frozen=True)
class PromptSet:
    system: str
    user: str
    passage: str
    history: str
    judge_system: str
    judge_alone: str
    judge_states: str
    judge_answers: str
    sha256: str  # of every template's name and contents


def load(prompts_dir: str, name: str) -> str:
    path = Path(prompts_dir) / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise PromptError(f"prompt template {path} cannot be read ({e.strerror})") from e


def load_set(prompts_dir: str) -> PromptSet:
    texts = {n: load(prompts_dir, n) for n in NAMES}
    h = hashlib.sha256()
    for n in NAMES:
        h.update(f"{n}\x00{texts[n]}\x00".encode())
    t = texts
    return PromptSet(
        t["answer_system"],
        t["answer_user"],
        t["passage"],
        t["history"],
        t["judge_system"],
        t["judge_alone"],
        t["judge_states"],
        t["judge_answers"],
        h.hexdigest(),
    )


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in _FIELD.parse(template) if f}


def render(template: str, **values: object) -> str:
    missing = fields(template) - values.keys()
    if missing:
        raise PromptError(f"prompt variable(s) not supplied: {', '.join(sorted(missing))}")
    return template.format_map({k: str(v) for k, v in values.items()})


def as_data(text: str) -> str:
    """Text made inert inside a prompt: no chat-template control tokens, no passage delimiters."""
    return _SPECIAL.sub(
        lambda m: m.group(0).replace("<", "‹").replace(">", "›").replace("[", "(").replace("]", ")"), text
    )


def as_field(text: str, limit: int) -> str:
    """A one-line metadata value (origin, date, subject, ID) as data: cut at its first control token, delimiter or
    line break (no real one holds any: what follows is an injection riding on the field), bounded to `limit`
    characters, neutralised."""
    m = _FIELD_END.search(text)
    head = (text[: m.start()] if m else text).strip()
    return as_data(head if len(head) <= limit else head[: limit - 1] + "…")


def compress(text: str, question: str, budget: int) -> str:
    """The passage's sentences most relevant to the question, in their order, within `budget` tokens."""
    if tokens.count(text) <= budget:
        return text
    qt = set(tokenize(question))
    sents = split_sentences(text)
    ranked = sorted(range(len(sents)), key=lambda i: (-len(qt & set(tokenize(sents[i]))), i))
    keep: list[int] = []
    used = 0
    for i in ranked:
        n = tokens.count(sents[i])
        if used + n > budget and keep:
            continue
        keep.append(i)
        used += n
        if used >= budget:
            break
    return " ... ".join(sents[i] for i in sorted(keep))


def answer_parts(
    ps: PromptSet,
    question: str,
    hits: Sequence[Hit],
    meta: Mapping[str, CableMeta],
    history: tuple[str, str] | None,
    budget: int,
    history_chars: int,
) -> tuple[str, str]:
    """The previous turn (question, answer) and the passages as labelled data blocks, as the user message has them.
    Every interpolated value is neutralised: metadata fields by `as_field` (a text file's origin line is verbatim),
    the passage text and the previous answer (it can quote a cable) by `as_data`; the question by `user_message`."""
    per = max(60, budget // max(1, len(hits)))
    blocks = []
    for i, h in enumerate(hits, 1):
        m = meta.get(h.passage.cable_id) or CableMeta(h.passage.cable_id)
        blocks.append(
            render(
                ps.passage,
                label=f"P{i}",
                cable_id=as_field(h.passage.cable_id, FIELD_LIMITS["cable_id"]),
                paragraph=as_field(h.ref.label, FIELD_LIMITS["paragraph"]),
                origin=as_field(m.origin, FIELD_LIMITS["origin"]),
                date=as_field(m.created[:10], FIELD_LIMITS["date"]),
                subject=as_field(m.subject, FIELD_LIMITS["subject"]),
                text=as_data(compress(h.passage.text, question, per)),
            ).strip()
        )
    hist = ""
    if history:
        q, a = history
        hist = render(ps.history, turns=f"Q: {as_data(q)}\nA: {as_data(a[:history_chars])}")
    return hist, "\n\n".join(blocks)


def every_part(question: str) -> str:
    """A multi-part or list question, with the request to answer all of it (the answer prompt's rules say how)."""
    return f"{question}\n(Answer every part of this question; for a list, give every item the passages give.)"


def user_message(ps: PromptSet, parts: tuple[str, str], question: str) -> str:
    """The user message: history, passages, then the question (or, for the judge, its question in the same place)."""
    return render(ps.user, history=parts[0], passages=parts[1], question=as_data(question))
