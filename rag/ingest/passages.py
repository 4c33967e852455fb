"""Paragraphs to passages: one per paragraph, long ones split into overlapping token windows that keep the
paragraph's citation. The header (¶0) passage spells out the cable's metadata so it can be found."""

from __future__ import annotations

import hashlib

from ..records import Cable, Paragraph, Passage
from ..settings import Settings
from ..text import tokens
from ..text.jargon import expand_tags


def context_line(cable: Cable) -> str:
    parts = [cable.id, cable.origin, cable.created[:10], cable.subject]
    return " | ".join(p for p in parts if p)


def header_text(cable: Cable, para: Paragraph) -> str:
    """¶0: the metadata a question may ask for, in words, followed by the telegram header itself."""
    lines = [
        f"Cable {cable.id} from {cable.origin or 'unknown origin'}, created {cable.created or 'unknown'}"
        + (f", released {cable.released}" if cable.released else "")
        + ".",
        f"Classification: {cable.classification or 'unknown'}."
        + (f" Handling: {', '.join(cable.caveats)}." if cable.caveats else ""),
    ]
    if cable.subject:
        lines.append(f"Subject: {cable.subject}.")
    if cable.tags:
        lines.append(f"TAGS: {' '.join(cable.tags)} ({expand_tags(cable.tags)}).")
    if cable.classified_by:
        lines.append(f"Classified by: {cable.classified_by}")
    if cable.refs:
        refs = (f"{r.letter}. {r}" if r.letter else str(r) for r in cable.refs)
        lines.append(f"References: {'; '.join(refs)}.")
    if cable.signer:
        lines.append(f"Signed: {cable.signer}.")
    return " ".join(lines) + ("\n" + para.text if para.text else "")


def paragraph_text(cable: Cable, para: Paragraph) -> str:
    """The text a citation of this paragraph is checked against: the header spelled out for ¶0."""
    return header_text(cable, para) if para.num == 0 else para.text


def passages_for(cable: Cable, settings: Settings) -> list[Passage]:
    ctx = context_line(cable)
    out: list[Passage] = []
    last = cable.paragraphs[-1] if cable.paragraphs else None
    for p in cable.paragraphs:
        text = paragraph_text(cable, p)
        if p is last and p.num != 0 and cable.signer:
            ctx_p = f"{ctx} | last paragraph, signed {cable.signer}"
        else:
            ctx_p = ctx + (f" | {p.heading}" if p.heading else "")
        if not text.strip():
            continue
        for w, piece in enumerate(tokens.windows(text, settings.window_tokens, settings.window_overlap)):
            out.append(Passage(p.ref, w, piece, ctx_p))
    return out


def embed_text(passage: Passage, with_context: bool) -> str:
    return f"{passage.context}\n{passage.text}" if with_context else passage.text


def passage_hash(passage: Passage, embedder: str, with_context: bool) -> str:
    h = hashlib.sha256(f"{embedder}\x00{embed_text(passage, with_context)}".encode())
    return h.hexdigest()[:24]
