"""Turn normalised telegram text plus known metadata into a `Cable`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import ParseError
from ...ids import canonical_id
from ...records import Cable
from . import header as hd
from .body import BANNER, LINE_BANNER, accepted_markers, add_plain_markers, split_body
from .refs import merge_listed, parse_refs
from .tail import signer_lines, strip_tail


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


VIEWER_DATE = re.compile(r"\s*\w+day, \d{1,2} \w+ \d{4}, \d{2}:\d{2}[ \t]*\n")  # "Friday, 23 February 2001, 15:53"


def telegram_start(text: str) -> int:
    """Offset of the classification banner that opens the telegram body (after any routing block): the first line
    that starts with a classification in any case or letter spacing ("S e c r e t"), or the first classification
    word in capitals (a banner glued to the line before it), whichever comes first."""
    starts = [m.start() for m in (LINE_BANNER.search(text), BANNER.search(text)) if m]
    return min(starts) if starts else 0


def _alnum(s: str) -> int:
    return sum(ch.isalnum() for ch in s)


def build_cable(text: str, meta: Meta, source: str, fmt: str, routing: str = "") -> Cable:
    """`text` is the telegram (routing optional, banner, header, paragraphs); `routing` an optional extra block.
    What an HTML body holds before the banner (a database preamble, routing) stays in the header, but for the
    viewer's date line, which is dropped and counted."""
    full = routing + "\n" + text if routing else text
    created = meta.created or hd.dtg(full)
    year = int(created[:4]) if created[:4].isdigit() else None
    start = telegram_start(text)
    if fmt == "html":
        viewer_date = VIEWER_DATE.match(text)
        start = min(start, viewer_date.end()) if viewer_date else 0
    body = add_plain_markers(text[start:])
    marks = accepted_markers(body)
    body, dropped = strip_tail(body, marks[-1].end()) if marks else (body, 0)
    dropped += _alnum(text[:start]) if fmt == "html" else 0
    cid = canonical_id(meta.id) if meta.id else None
    banner_id = hd.id_from_banner(body, year)
    if cid is None or (banner_id and banner_id != cid and _glued(meta.id, banner_id)):
        cid = banner_id or None
    if not cid:
        raise ParseError(source, "no cable ID: no metadata names one and none is in the telegram banner")
    split = split_body(cid, body)
    marks = accepted_markers(body)
    header_raw = body[: marks[0].start()] if marks else body[:3000]
    if not any(p.text for p in split.paragraphs):
        raise ParseError(source, "no telegram text found")
    kept = sum(_alnum(p.text) + _alnum(p.marking) + _alnum(p.heading) for p in split.paragraphs)
    kept += sum(len(str(p.num)) for p in split.paragraphs if p.num and split.numbered)
    refs = parse_refs(header_raw, year, cid)
    return Cable(
        id=cid,
        paragraphs=split.paragraphs,
        created=created,
        released=meta.released,
        origin=meta.origin or hd.origin_from_fm(full),
        classification=meta.classification or hd.banner_classification(body),
        subject=meta.subject or hd.subject(header_raw),
        tags=hd.tags(header_raw),
        refs=merge_listed(refs, meta.refs),
        classified_by=hd.classified_by(header_raw) or hd.classified_by_in_text(body),
        signer=_signer(body, marks, split.paragraphs[-1].text if len(split.paragraphs) > 1 else ""),
        caveats=hd.caveats(header_raw),
        source=source,
        fmt=fmt,
        numbered=split.numbered,
        partial="partial extract of the original cable" in full[:2000],
        dropped_chars=dropped + max(0, _alnum(body) - kept),
    )


def _signer(body: str, marks: list[re.Match[str]], last_text: str) -> str:
    if marks:
        found = signer_lines(body[marks[-1].end() :])
        if found:
            return found
    return hd.signer(last_text)


def _glued(raw: str, banner_id: str) -> bool:
    """A malformed metadata ID with text glued in (09EFTOLONDON2468 for 09LONDON2468)."""
    s = re.sub(r"\W", "", raw.upper())
    return s != banner_id and s[:2] == banner_id[:2] and s.endswith(banner_id[2:])
