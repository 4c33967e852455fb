"""Questions about a named cable's metadata (classification, TAGS, signer...) answered from the record
itself, with no model call: exact, instant, and cited to ¶0 (the header) or the signed last paragraph."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ids import ParagraphRef
from ..records import Cable

_FIELDS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(
            r"classifying (authority|official)|classified (it )?by|who classified|classification authority", re.I
        ),
        "classified_by",
        "was classified by",
    ),
    (
        re.compile(r"\bclassification\b|\bclassified (as|at)\b|security (level|marking)|how was .* classified", re.I),
        "classification",
        "carried the classification",
    ),
    (re.compile(r"\bTAGS?\b|\btagged\b", re.I), "tags", "carried the TAGS"),
    (re.compile(r"\bsign(ed|s|ature|atory|er)\b|whose name appears at the end", re.I), "signer", "was signed"),
    (re.compile(r"\bsubject( line)?\b", re.I), "subject", "has the subject"),
    (
        re.compile(
            r"\bwhen was\b.*\b(sent|written|created|transmitted|dated)\b|\bwhat date\b.*\b(sent|created|written)\b",
            re.I,
        ),
        "created",
        "was created on",
    ),
    (
        re.compile(
            r"\b(which|what) (embassy|post|mission|consulate|office)\b|\bwhere did\b.*\b(come|originate)\b", re.I
        ),
        "origin",
        "came from",
    ),
    (re.compile(r"\breferences?\b|\breftels?\b|\bwhich cables? does\b.*\bcite\b", re.I), "refs", "references"),
)


@dataclass(frozen=True)
class MetadataAnswer:
    text: str
    ref: ParagraphRef  # the paragraph that carries the value


def metadata_answer(question: str, cable: Cable) -> MetadataAnswer | None:
    for pattern, field, phrase in _FIELDS:
        if not pattern.search(question):
            continue
        value = getattr(cable, field)
        if isinstance(value, tuple):
            value = " ".join(map(str, value))
        if not value:
            return None
        value = str(value).strip().rstrip(".")
        if field == "signer":
            last = cable.paragraphs[-1]
            return MetadataAnswer(f"Cable {cable.id} {phrase} {value}.", last.ref)
        return MetadataAnswer(f"Cable {cable.id} {phrase} {value}.", ParagraphRef(cable.id, "0"))
    return None
