"""Conversation state: the turns so far, and the standalone question a follow-up stands for.

A follow-up is resolved against the previous turn only (its standalone question, its answer, the cables it cited):
"he"/"she"/"his" become the person it was about (the answer's first name when it asked "who", else the question's),
"that cable" becomes the cable it cited, an ellipsis ("and in 2008?", "what about Lyon?") is the previous question
with the new words after it, and the previous turn's names the question does not repeat follow as a bounded
`[about: ...]` tail. The standalone question never grows with the conversation: it is built from the previous
question's core (its tails removed) and at most `limit` characters of context. A question naming its own people or
places (none of them from the previous turn) with no pronoun is a new topic and stands alone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..retrieve.query import asked, find_cable_ids
from ..retrieve.thread import asks_about_refs
from ..settings import Settings

_OPENER = re.compile(r"^\s*(?:and|also|then|but|so|what about|how about)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(?:and\s+|but\s+)?(?:what|how)\s+about\s+", re.I)
_PERSON = re.compile(r"\b(he|she|him|his|her|hers)\b", re.I)
_REFERS = re.compile(r"\b(they|them|their|theirs|it|its|there|those|these|the same)\b", re.I)
_CABLE_WORDS = re.compile(r"\b(?:that|this|the same|the) (?:cable|report|telegram|message)\b", re.I)
# a question with one of these words asks something itself; without one ("and in 2008?") it is an ellipsis
_ASKS = re.compile(
    r"\b(what|who|whom|whose|when|where|why|how|which|did|does|do|is|are|was|were|has|have|had|will|would|can|"
    r"could|should)\b",
    re.I,
)
_CAPS = re.compile(r"\b[A-Z][\w'\-]*(?:\s+(?:al-|bin |de |da |von |van |of )?[A-Z][\w'\-]*)*")
# capitalised words that are not names: sentence starts, question words, pronouns
_NOT_NAMES_TEXT = (
    "A An And As At But By Did Do Does For From Had Has Have He Her His How I If In Is It Its Of On Or She So That "
    "The Their Then There These They This Those To Was We Were What When Where Which Who Whom Whose Why Will With "
    "Would You According After Before During Also Yes No Not"
)
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
_MONTHS_TEXT = "January February March April May June July August September October November December"
_MONTHS = frozenset(_MONTHS_TEXT.split())
_TITLES_TEXT = (
    "President Minister Ambassador Amb Governor Mayor Prince King Queen General Gen Secretary Chief DFM FM PM DPM "
    "Senator Judge Dr Mr Mrs Ms Sheikh Shaykh Ayatollah Director Deputy Charge Commander Colonel Col Admiral ADM "
    "Brig Sir Lord Lt Maj Speaker Chairman Prosecutor Envoy Consul Sultan Emir Imam Archbishop Bishop"
)
_TITLES = frozenset(_TITLES_TEXT.split())
_ORG_WORDS_TEXT = (
    "Assembly Office Department Ministry Council Party Embassy Government Experts Republic Union Nations State "
    "States Agency Bank Court Committee Commission Parliament Congress Army Navy Forces Police Front Movement "
    "Organization Organisation Company Corporation Group Foundation University Mission Authority Airport"
)
_ORG_WORDS = frozenset(_ORG_WORDS_TEXT.split())
_TAILS = re.compile(r" \[(?:about|then): .*$")
_ABOUT_TAIL = re.compile(r" \[about: .*$")


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str  # the answer's plain text (no citation labels)
    standalone: str
    cables: tuple[str, ...] = ()  # the cables its answer cited, first cited first ("that cable")


def names_in(text: str) -> list[str]:
    """Capitalised names in a text (a leading sentence word such as "The" or "What" dropped), in order."""
    out: list[str] = []
    for m in _CAPS.finditer(text):
        words = m.group(0).split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        name = " ".join(words)
        name = re.sub(r"'s?$", "", name)
        if name in _MONTHS or name in _TITLES or not name or name in out or find_cable_ids(name):
            continue
        out.append(name)
    return out


def core(standalone: str) -> str:
    """A standalone question without its `[then: ...]` / `[about: ...]` tails."""
    return _TAILS.sub("", standalone)


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I) is not None


def is_new_topic(q: str, prev: Turn) -> bool:
    """A question naming cables, or people/places of its own, with no opener and no pronoun."""
    if _OPENER.match(q) or _PERSON.search(q) or _REFERS.search(q):
        return False
    if find_cable_ids(q):
        return True
    seen = f"{prev.standalone} {prev.answer}"
    return any(not _mentions(seen, n) for n in names_in(q))


def _person(prev: Turn) -> str | None:
    """Whom "he"/"she" means, when a name says it is a person (a title, or two or three plain words with no
    organisation word): from the previous answer first when it asked "who", else from its question. None when
    no name is clearly a person (the names then only go into the context tail)."""
    answer = names_in(prev.answer)
    question = names_in(prev.standalone)
    pool = [*answer, *question] if asked(prev.question) == "who" else [*question, *answer]
    for n in pool:
        words = n.replace("'s", "").split()
        if any(w in _ORG_WORDS for w in words):
            continue
        if any(w.rstrip(".") in _TITLES for w in words) or (
            2 <= len(words) <= 3 and not any(w.isupper() for w in words)
        ):
            return n
    return None


def _resolve(q: str, prev: Turn) -> str:
    """The question with its references replaced, or the previous question continued by an ellipsis."""
    rest = _ABOUT.sub("", q) if _ABOUT.match(q) else None
    if rest is None and _OPENER.match(q) and not _ASKS.search(_OPENER.sub("", q, count=1)):
        rest = _OPENER.sub("", q, count=1)
    if rest is not None:
        return f"{core(prev.standalone)} [then: {rest.strip()}]"
    if prev.cables:
        q = _CABLE_WORDS.sub(prev.cables[0], q, count=1)
    person = _person(prev)
    if person and not _mentions(q, person):

        def name(m: re.Match[str]) -> str:
            return f"{person}'s" if m.group(1).lower() in ("his", "hers") else person

        q = _PERSON.sub(name, q, count=1)
    return q


def standalone_question(question: str, history: Sequence[Turn], limit: int = Settings.follow_up_context_chars) -> str:
    """The question a follow-up ("what did he say about Syria?", "and in 2007?") stands for; a new-topic question
    as it is. Its length is the question's, plus the previous question's core for an ellipsis, plus at most
    `limit` characters of the previous turn's names."""
    q = question.strip()
    if history and asks_about_refs(q) and not find_cable_ids(q):
        # "what did the referenced cable say?": about the references of the cable the conversation is about
        return f"{core(history[-1].standalone)} {q}"
    if not history or is_new_topic(q, history[-1]):
        return q
    prev = history[-1]
    resolved = _resolve(q, prev)
    if names_in(resolved):  # it names what it is about (itself, or once its pronoun is resolved): no context
        return resolved
    have = resolved.lower()
    tail: list[str] = []
    for n in (*names_in(_ABOUT_TAIL.sub("", prev.standalone)), *names_in(prev.answer)):
        if n.lower() not in have and n not in tail and len("; ".join([*tail, n])) <= limit:
            tail.append(n)
    return f"{resolved} [about: {'; '.join(tail)}]" if tail else resolved
