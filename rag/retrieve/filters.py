"""Metadata filters, and the filters a question states in words.

A filter read from a question is applied only when the question phrases it as one ("cables from Embassy Ankara",
"what did Embassy Ankara report in 2009", "tagged PTER"); it is then returned separately (`Query.filters`) so the
interface can show it as a removable chip. An origin merely named ("Secretary of State Rice told ...") is never
a filter: it is returned as a suggestion (`Query.suggested`) that the user may apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from ..ids import canonical_id
from ..records import CableMeta

_YEAR = r"((?:19|20)\d{2})"
_YEAR_FILTER = re.compile(
    rf"\b(?:cables?|telegrams?|reporting|messages?|sent|written|dated)\s+(?:from|of|in|during)\s+{_YEAR}\b"
    rf"|\b(?:in|from)\s+{_YEAR}\s+(?:cables?|telegrams?|reporting)\b",
    re.I,
)
_TAG_FILTER = re.compile(r"\b(?:tagged|with (?:the )?tags?|TAGS?:?)\s+((?:[A-Z]{2,6}(?:\s*(?:,|and|or)\s*|\s+)?)+)")
_ID_WORDS = r"(\d{2}\s?[A-Z]{2,30}\s?\d{1,7})"
_CITES_FILTER = re.compile(
    rf"\b(?:cables?|telegrams?|messages?|reporting)\s+(?:that\s+|which\s+)?(?:reference[sd]?|referring to|"
    rf"refers? to|cit(?:e[sd]?|ing)|mention(?:s|ed|ing)?\s+as\s+(?:a\s+)?ref)\s+(?:the\s+cable\s+)?{_ID_WORDS}",
    re.I,
)
_SIGNER_FILTER = re.compile(
    r"\b(?:cables?|telegrams?|messages?|reporting)\s+(?:that\s+were\s+|which\s+were\s+)?signed\s+by\s+"
    r"(?:(?:Ambassador|Amb\.|Charge|Consul General|Secretary)\s+)?((?:[A-Z][\w'.-]*\s+){0,2}[A-Z][\w'-]+)"
)
_REPORTING = (
    r"(?:report(?:s|ed)?|say|says|said|write|wrote|written|cable[sd]?|tell|told|send|sent|describe[sd]?|"
    r"note[sd]?|assess(?:ed)?|warn(?:ed)?|predict(?:ed)?|conclude[sd]?)"
)
_LEAD = r"(?:cables?|telegrams?|reporting|messages?|sent|written|cabled|reported)\s+(?:from|by)\s+(?:the\s+)?"


@dataclass(frozen=True)
class Filters:
    origins: tuple[str, ...] = ()
    date_from: str = ""  # inclusive, "YYYY" or "YYYY-MM-DD"
    date_to: str = ""
    classifications: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    cable_ids: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # cables that reference any of these (the "cited by" side of the thread)
    signers: tuple[str, ...] = ()  # cables whose signer contains any of these (case-insensitive)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def merge(self, other: Filters) -> Filters:
        """This filter's values, and `other`'s where this one has none."""
        return Filters(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def matches(self, m: CableMeta) -> bool:
        if self.cable_ids and m.id not in self.cable_ids:
            return False
        if self.origins and not any(o.lower() in m.origin.lower() for o in self.origins):
            return False
        if self.date_from and m.created[: len(self.date_from)] < self.date_from:
            return False
        if self.date_to and m.created[: len(self.date_to)] > self.date_to:
            return False
        if self.classifications and not any(c.upper() in m.classification.upper() for c in self.classifications):
            return False
        if self.references and not set(self.references) & set(m.refs):
            return False
        if self.signers and not any(n.lower() in m.signer.lower() for n in self.signers):
            return False
        return not (self.tags and not {t.upper() for t in self.tags} & set(m.tags))

    def chips(self) -> tuple[FilterChip, ...]:
        """One chip per value, for an interface that shows each filter and lets the user remove it."""
        out = [FilterChip("origin", o) for o in self.origins]
        if self.date_from or self.date_to:
            span = self.date_from if self.date_from == self.date_to else f"{self.date_from}..{self.date_to}"
            out.append(FilterChip("date", span))
        out += [FilterChip("classification", c) for c in self.classifications]
        out += [FilterChip("tag", t) for t in self.tags]
        out += [FilterChip("cable", c) for c in self.cable_ids]
        out += [FilterChip("cites", c) for c in self.references]
        out += [FilterChip("signer", n) for n in self.signers]
        return tuple(out)

    def without(self, chip: FilterChip) -> Filters:
        """This filter with one chip removed (the user clicked its x)."""
        drop = {chip.value}
        return Filters(
            tuple(o for o in self.origins if chip.kind != "origin" or o not in drop),
            "" if chip.kind == "date" else self.date_from,
            "" if chip.kind == "date" else self.date_to,
            tuple(c for c in self.classifications if chip.kind != "classification" or c not in drop),
            tuple(t for t in self.tags if chip.kind != "tag" or t not in drop),
            tuple(c for c in self.cable_ids if chip.kind != "cable" or c not in drop),
            tuple(c for c in self.references if chip.kind != "cites" or c not in drop),
            tuple(n for n in self.signers if chip.kind != "signer" or n not in drop),
        )


@dataclass(frozen=True)
class FilterChip:
    kind: str  # origin | date | classification | tag | cable | cites | signer
    value: str

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.value}"


def _origin_in_words(text: str, known_origins: frozenset[str]) -> tuple[str, bool, int] | None:
    """The longest known origin named in the text: (origin, phrased as a filter?, end offset)."""
    for o in sorted(known_origins, key=len, reverse=True):
        m = re.search(rf"\b{re.escape(o)}\b", text)
        if m is None:
            continue
        before, after = text[: m.start()], text[m.end() :]
        led = re.search(rf"{_LEAD}$", before, re.I) is not None
        reports = re.match(rf"\s+{_REPORTING}\b", after, re.I) is not None
        as_adjective = re.match(r"\s+(?:cables?|telegrams?|reporting)\b", after, re.I) is not None
        return o, led or reports or as_adjective, m.end()
    return None


def filters_in_words(text: str, known_origins: frozenset[str]) -> tuple[Filters, Filters]:
    """(filters the question states, origins/years it only names). Only the first are ever applied."""
    applied, suggested = Filters(), Filters()
    ym = _YEAR_FILTER.search(text)
    year = (ym.group(1) or ym.group(2)) if ym else None
    found = _origin_in_words(text, known_origins)
    if found is not None:
        origin, explicit, end = found
        near = re.match(rf"[^.?!]{{0,25}}?\bin {_YEAR}\b", text[end:])
        if explicit:
            applied = Filters(origins=(origin,))
            year = year or (near.group(1) if near else None)
        else:
            suggested = Filters(origins=(origin,))
    if year:
        applied = Filters(applied.origins, year, year)
    tm = _TAG_FILTER.search(text)
    if tm:
        tags = tuple(t for t in re.findall(r"[A-Z]{2,6}", tm.group(1)) if t not in {"AND", "OR"})
        applied = Filters(applied.origins, applied.date_from, applied.date_to, tags=tags)
    cited = [canonical_id(m.group(1)) for m in _CITES_FILTER.finditer(text)]
    if any(cited):
        applied = replace(applied, references=tuple(dict.fromkeys(c for c in cited if c)))
    sm = _SIGNER_FILTER.search(text)
    if sm:
        applied = replace(applied, signers=(sm.group(1).split()[-1],))  # the signature is a surname
    return applied, suggested
