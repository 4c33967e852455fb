"""Questions that ask for a named cable's metadata (classification, TAGS, signer...), answered from the record itself
with no model call, and still checked by the gate against the paragraph that carries the value (¶0, the header, or
the signed last paragraph).

Only the current question counts (never one joined to the conversation's history), and only when its intent is
anchored at its start and its object is the cable itself: "Who signed 09HARARE955?" is a metadata question; "Who
signed the ceasefire mentioned in 09HARARE955?" and "And what did he say about the elections?" are not."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ids import ParagraphRef
from ..records import Cable
from ..retrieve.asks import asked_field

__all__ = ["MetadataAnswer", "asked_field", "full_name", "metadata_answers"]

_TITLES = r"(?:Ambassador|Amb\.|Charge d'Affaires|Charge|CDA|DCM|Consul General|CG|Acting|A/DCM|PolOff|Pol/Econ Chief)"


@dataclass(frozen=True)
class MetadataAnswer:
    text: str
    value: str  # the record's value, as the paragraph carries it
    ref: ParagraphRef  # the paragraph that carries the value


def full_name(signer: str, classified_by: str) -> str:
    """The signer's full name where the classifying line gives it ("Ambassador Charles A. Ray" for RAY), else ''."""
    m = re.search(rf"((?:[A-Z][\w.'-]*\s+){{1,3}}){re.escape(signer)}\b", classified_by, re.I)
    if not m:
        return ""
    name = re.sub(rf"^{_TITLES}\s+", "", m.group(0).strip(), flags=re.I)
    return name if len(name.split()) > 1 else ""


def metadata_answers(field: str, cable: Cable) -> list[MetadataAnswer]:
    """The sentences that answer it, each with the paragraph that carries its value; [] when the cable lacks it."""
    value = getattr(cable, field)
    if isinstance(value, tuple):
        value = ", ".join(map(str, value)) if field == "refs" else " ".join(value)
    value = str(value or "").strip().rstrip(".")
    if not value:
        return []
    head = ParagraphRef(cable.id, "0")
    if field == "signer":
        out = [MetadataAnswer(f"Cable {cable.id} was signed by {value}.", value, cable.paragraphs[-1].ref)]
        name = full_name(value, cable.classified_by)
        if name:
            out.append(MetadataAnswer(f"Cable {cable.id} was classified by {name}.", name, head))
        return out
    phrase = {
        "classified_by": "was classified by",
        "classification": "was classified",
        "tags": "carries the TAGS",
        "subject": "has the subject",
        "created": "was created on",
        "origin": "came from",
        "refs": "references",
    }[field]
    if field == "classified_by":
        value = re.split(r"[,;]?\s+(?:for |per |reasons?\b|\d\.\d)", value, maxsplit=1, flags=re.I)[0]
    return [MetadataAnswer(f"Cable {cable.id} {phrase} {value}.", value, head)]
