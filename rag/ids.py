"""Cable IDs: canonical form `07MOSCOW828` (two-digit year, origin in capitals, number without zeros)."""

from __future__ import annotations

import re

_ID = re.compile(r"^(\d{2})([A-Z][A-Z]{1,30})0*(\d{1,7})$")
ID_IN_TEXT = re.compile(r"\b(\d{2}[A-Z]{2,30}\d{1,7})\b")


def canonical_id(raw: str) -> str | None:
    s = re.sub(r"[\s_\-]+", "", raw.strip().upper())
    m = _ID.match(s)
    if not m:
        return None
    return f"{m.group(1)}{m.group(2)}{int(m.group(3))}"


def split_id(cable_id: str) -> tuple[str, str, int] | None:
    m = _ID.match(cable_id)
    return (m.group(1), m.group(2), int(m.group(3))) if m else None
