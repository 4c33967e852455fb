"""The project's word tokenizer (BM25, coverage, support scoring) and the small word-level helpers built on it:
numbers, names and answer normalisation."""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType

STOP = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "a an the and or but if of to in on at by for with from as is was were be been being are it its this that "
        "these those he she they them his her their we our you your i me my not no do did does done have has had "
        "which who whom whose what when where why how than then there here also into about over after before would "
        "could should will shall may might can said says say told tell according"
    ).split()
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
NUMBER_WORDS = MappingProxyType(
    {w: str(n) for n, w in enumerate(_UNITS.split())}
    | {
        "twenty": "20",
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "hundred": "100",
    }
)
_TITLES = frozenset({"ambassador", "minister", "president", "embassy", "government"})


def _stem(w: str) -> str:
    if w[-1] != "s":
        return w
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop words dropped, plural -s folded; hyphenated words also as parts and joined."""
    out: list[str] = []
    for w in _WORD.findall(text.lower()):
        if w.endswith("'s"):
            w = w[:-2]
        if "-" in w:
            out.extend(_stem(p) for p in (*w.split("-"), w.replace("-", "")) if p and p not in STOP)
        elif w and w not in STOP:
            out.append(_stem(w))
    return out


def numbers(text: str) -> set[str]:
    """Figures in a text, digits or number words, as canonical digit strings."""
    found = {n.replace(",", "").lstrip("0") or "0" for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return {n.rstrip(".") for n in found}


def names(text: str) -> set[str]:
    """Capitalised words not at a sentence start: people, places, organisations."""
    out: set[str] = set()
    for w in re.findall(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z'\-]{2,})", text):
        lw = w.lower()
        if lw not in STOP and lw not in _TITLES:
            out.add(lw.split("'")[0])
    return out


def normalize(text: str) -> str:
    """ASCII, lower case, no articles or punctuation, single spaces: for containment tests."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    return re.sub(r"\s+", " ", text).strip()
