"""Turn normalised telegram text plus known metadata into a `Cable`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import ParseError
from ...ids import canonical_id
from ...records import Cable
from . import header as hd
from .body import BANNER, MARKER, accepted_markers, add_plain_markers, split_body

SIGNATURE_LINE = re.compile(r"^[ \t]*([A-Z][A-Z'\-]{1,20}(?:[ \t][A-Z][A-Z'\-]{1,20})?)[ \t]*$", re.M)


@dataclass(frozen=True)
class Meta:
    """Metadata known from outside the telegram text (HTML table, dump lines, CSV columns)."""

    id: str = ""
    created: str = ""
    released: str = ""
    origin: str = ""
    classification: str = ""
    subject: str = ""
    refs: tuple[str, ...] = ()


def telegram_start(text: str) -> int:
    """Offset of the classification banner that opens the telegram body (after any routing block)."""
    m = BANNER.search(text)
    return m.start() if m else 0


def cut_after_signature(text: str) -> str:
    """Drop what follows the signature line after the last paragraph (web boilerplate of pasted pages)."""
    marks = accepted_markers(text)
    if not marks:
        return text
    tail_start = marks[-1].end()
    for m in SIGNATURE_LINE.finditer(text, tail_start):
        rest = text[m.end() :]
        nxt = rest.lstrip().split("\n", 1)[0]
        if re.match(r"^[-=_]{3,}", nxt):  # a section heading, not a signature
            continue
        if hd.signer(m.group(1)) and not MARKER.search(rest):
            return text[: m.end()]
    return text


def build_cable(text: str, meta: Meta, source: str, fmt: str, routing: str = "") -> Cable:
    """`text` is the telegram (routing optional, banner, header, paragraphs); `routing` an optional extra block."""
    full = routing + "\n" + text if routing else text
    created = meta.created or hd.dtg(full)
    year = int(created[:4]) if created[:4].isdigit() else None
    body = add_plain_markers(text[telegram_start(text) :])
    body = cut_after_signature(body)
    cid = canonical_id(meta.id) if meta.id else None
    banner_id = hd.id_from_banner(body, year)
    if cid is None or (banner_id and banner_id != cid and _glued(meta.id, banner_id)):
        cid = banner_id or None
    if not cid:
        raise ParseError(source, "no cable ID: no metadata names one and none is in the telegram banner")
    split = split_body(cid, body)
    marks = accepted_markers(body)
    header_raw = body[: marks[0].start()] if marks else body[:3000]
    last = split.paragraphs[-1].text if len(split.paragraphs) > 1 else ""
    if not any(p.text for p in split.paragraphs):
        raise ParseError(source, "no telegram text found")
    return Cable(
        id=cid,
        paragraphs=split.paragraphs,
        created=created,
        released=meta.released,
        origin=meta.origin or hd.origin_from_fm(full),
        classification=meta.classification or hd.banner_classification(body),
        subject=meta.subject or hd.subject(header_raw),
        tags=hd.tags(header_raw),
        refs=meta.refs or hd.refs(header_raw, year),
        classified_by=hd.classified_by(header_raw),
        signer=hd.signer(last),
        caveats=hd.caveats(header_raw),
        source=source,
        fmt=fmt,
        numbered=split.numbered,
        partial="partial extract of the original cable" in full[:2000],
    )


def _glued(raw: str, banner_id: str) -> bool:
    """A malformed metadata ID with text glued in (09EFTOLONDON2468 for 09LONDON2468)."""
    s = re.sub(r"\W", "", raw.upper())
    return s != banner_id and s[:2] == banner_id[:2] and s.endswith(banner_id[2:])
