"""Sentence splitting for cable prose: pysbd (rule-based sentence boundary disambiguation) inside each block of
text, where a blank line or a list item always starts a new block. `eval/bench_sentences.py` measured pysbd against
sentencex, syntok and the hand-written splitter this replaced (README, "What a ✔ means").

pysbd knows the common English abbreviations; the few cable ones it splits after (Amb., approx.) are joined back."""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

# abbreviations pysbd ends a sentence after; a segment ending in one continues in the next
_JOIN_AFTER = re.compile(r"(?:^|\s)(?:Amb|approx|Ref|Lt|Col|Gen|Sen|Gov|Rep|Capt|Maj)\.$")
# a Markdown image `![alt](url)` in a cable or an answer: pysbd ends a sentence at its "!"
_IMAGE_START = re.compile(r"^\[(?!P\d+\]|\d{2}[A-Z])")
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]|\(?[a-zA-Z0-9]{1,2}[.)])\s)")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def blocks(text: str) -> list[str]:
    """Paragraphs and list items: a blank line, or a line starting `-`, `*`, `•`, `a)`, `1.`, starts a new one."""
    return [b for b in (re.sub(r"\s+", " ", x).strip() for x in _BLOCK.split(text)) if b]


@lru_cache(maxsize=4096)
def _split_block(block: str) -> tuple[str, ...]:
    out: list[str] = []
    for seg in _segmenter().segment(block):
        seg = seg.strip()
        if not seg:
            continue
        if out and out[-1].endswith("!") and _IMAGE_START.match(seg) and f"{out[-1]}{seg}" in block:
            out[-1] = f"{out[-1]}{seg}"
        elif out and _JOIN_AFTER.search(out[-1]):
            out[-1] = f"{out[-1]} {seg}"
        else:
            out.append(seg)
    return tuple(out)


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, in order; never one that spans a paragraph break or list item."""
    return [s for b in blocks(text) for s in _split_block(b)]
