"""The 2011 full release `cables.csv`: no header, 8 quoted columns, backslash-escaped quotes, multi-line
and oversized fields. Streamed row by row; a broken row is reported and skipped."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator

from ...errors import ParseError
from ...records import Cable
from .build import Meta, build_cable

MAX_FIELD = 64 * 1024 * 1024
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})$")


def _date(raw: str) -> str:
    m = _DATE.match(raw.strip())
    if not m:
        return ""
    mo, d, y, h, mi = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d} {int(h):02d}:{mi}"


def iter_csv(stream: io.TextIOBase, source: str) -> Iterator[Cable | ParseError]:
    csv.field_size_limit(min(sys.maxsize, MAX_FIELD))
    reader = csv.reader(stream, delimiter=",", quotechar='"', escapechar="\\", doublequote=False, strict=False)
    row_no = 0
    while True:
        row_no += 1
        where = f"{source}:row {row_no}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield ParseError(where, f"unreadable CSV row ({e})")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != 8:
            yield ParseError(where, f"expected 8 columns, found {len(row)}")
            continue
        _, created, cid, origin, classification, refs, routing, body = row
        meta = Meta(
            id=cid,
            created=_date(created),
            origin=origin.strip(),
            classification=classification.strip(),
            refs=tuple(r.strip() for r in refs.split("|") if r.strip()),
        )
        try:
            yield build_cable(body, meta, f"{source}#{cid.strip() or row_no}", "csv", routing=routing)
        except ParseError as e:
            yield ParseError(where, e.reason)
