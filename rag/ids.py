"""The project's two keys, each parsed and printed here and nowhere else.

- Cable IDs: canonical form `07MOSCOW828` (two-digit year, origin in capitals, number without zeros). The origin is
  the post's canonical name from `rag/data/posts.tsv` (`RIODEJANEIRO`, `USUNNEWYORK`), used for a cable's own ID and
  for the IDs it references; a written form (`Rio`, `USUN NEW YORK`, `Port-au-Prince`) maps to it.
- Paragraph references: `ParagraphRef("07MOSCOW828", "5")`, printed `07MOSCOW828 ¶5`. The label is the cable's
  own paragraph number (0 is the header), with a letter for the 2nd, 3rd... paragraph repeating a number (`3b`).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

_ID = re.compile(r"^(\d{2})([A-Z][A-Z]{1,30})0*(\d{1,7})$")
ID_IN_TEXT = re.compile(r"\b(\d{2}[A-Z]{2,30}\d{1,7})\b")
_SUFFIXES = string.ascii_lowercase
_REF = re.compile(r"^\s*(\S+)\s*¶\s*(\d{1,4}(?:[a-z]|\.\d+)?)\s*$")


POSTS_FILE = Path(__file__).resolve().parent / "data" / "posts.tsv"
_POST_PREFIXES = re.compile(
    r"^(?:AMEMBASSY|AMEMB|AMCONSUL|AMCONGEN|USMISSION|USINT|USLO|USOFFICE|EMBASSY|CONSULATE)\s+"
)


def _post_key(name: str) -> str:
    return re.sub(r"[^A-Z]", "", name.upper())


@lru_cache(maxsize=1)
def post_table() -> MappingProxyType[str, str]:
    """Every written form of every post (letters only, upper case) -> the post's canonical ID prefix."""
    table: dict[str, str] = {}
    for line in POSTS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canon, forms = line.split("\t")
        table[canon] = canon
        for form in forms.split("|"):
            table.setdefault(_post_key(form), canon)
    return MappingProxyType(table)


def canonical_post(name: str) -> str | None:
    """`Port-au-Prince`, `AMEMBASSY LA PAZ`, `USUN NEW YORK`, `Rio` -> PORTAUPRINCE, LAPAZ, USUNNEWYORK, RIODEJANEIRO;
    None for a name that is no known post."""
    key = _post_key(_POST_PREFIXES.sub("", name.strip().upper()))
    return post_table().get(key)


@lru_cache(maxsize=1)
def post_pattern() -> re.Pattern[str]:
    """Any written form of a known post in running text (any case; spaces, hyphens, apostrophes alike), longest
    first. Group 1 is the name as written."""
    forms: set[str] = set()
    for line in POSTS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            forms.update(line.split("\t")[1].split("|"))
    alts = []
    for form in sorted(forms, key=len, reverse=True):
        words = [re.escape(w).replace("'", "'?") for w in re.split(r"[\s\-]+", form.replace(".", "").strip())]
        alts.append(r"[\s.\-]*".join(words))
    return re.compile(rf"(?<![A-Za-z'])({'|'.join(alts)})(?![A-Za-z])", re.I)


def canonical_id(raw: str) -> str | None:
    s = re.sub(r"[\s_\-']+", "", raw.strip().upper())
    m = _ID.match(s)
    if not m:
        return None
    origin = post_table().get(m.group(2), m.group(2))
    return f"{m.group(1)}{origin}{int(m.group(3))}"


def split_id(cable_id: str) -> tuple[str, str, int] | None:
    m = _ID.match(cable_id)
    return (m.group(1), m.group(2), int(m.group(3))) if m else None


def paragraph_label(num: int, dup: int = 1) -> str:
    """The cable's own number, plus a letter for the 2nd, 3rd... paragraph that repeats it (3, 3b, 3c)."""
    return f"{num}{_SUFFIXES[dup - 1] if dup > 1 else ''}" if dup <= 26 else f"{num}.{dup}"


def label_num(label: str) -> int:
    """The cable's own paragraph number of a label ("3b" -> 3, "0" -> 0)."""
    digits = "".join(ch for ch in label.split(".")[0] if ch.isdigit())
    return int(digits) if digits else 0


@dataclass(frozen=True, order=True)
class ParagraphRef:
    """One paragraph of one cable: the key of index rows, citations, gold support and the UI."""

    cable_id: str
    label: str

    @classmethod
    def of(cls, cable_id: str, num: int, dup: int = 1) -> ParagraphRef:
        return cls(cable_id, paragraph_label(num, dup))

    @classmethod
    def parse(cls, text: str) -> ParagraphRef:
        """`07MOSCOW828 ¶5` -> ParagraphRef; ValueError for anything else."""
        m = _REF.match(text)
        if not m:
            raise ValueError(f"not a paragraph reference: {text!r} (expected e.g. '07MOSCOW828 ¶5')")
        return cls(m.group(1), m.group(2))

    @classmethod
    def try_parse(cls, text: str) -> ParagraphRef | None:
        try:
            return cls.parse(text)
        except ValueError:
            return None

    @property
    def num(self) -> int:
        return label_num(self.label)

    def __str__(self) -> str:
        return f"{self.cable_id} ¶{self.label}"

    def to_json(self, **extra: object) -> dict[str, object]:
        """In every JSON output: `paragraph` is the cable's own number (an integer, as in the gold files; 0 is the
        header), `label` tells repeated numbers apart ("3b")."""
        return {"cable_id": self.cable_id, "paragraph": self.num, "label": self.label, **extra}
