"""Questions that ask for a named cable's metadata (classification, TAGS, signer...), answered from the record itself
with no model call, and still checked by the gate against the paragraph that carries the value (¶0, the header, or
the signed last paragraph).

Only the current question counts (never one joined to the conversation's history), and only when its intent is
anchored at its start and its object is the cable itself: "Who signed 09HARARE955?" is a metadata question; "Who
signed the ceasefire mentioned in 09HARARE955?" and "And what did he say about the elections?" are not."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ids import ParagraphRef, canonical_id
from ..records import Cable

_ID_TEXT = r"\d{2}\s?[A-Z]{2,30}\s?\d{1,7}"
_ID = rf"(?:(?:the )?cable\s+)?{_ID_TEXT}"
_END = r"(?:\s+[a-z]+){0,2}\s*[?.]?\s*$"  # at most two words after the cable ID ("...did 09X carry?")
_ASKS: tuple[tuple[str, str], ...] = (
    (
        "classified_by",
        r"who classified {ID}|who (?:is|was) the classif(?:ying|ication) (?:authority|official) (?:of|for|on) {ID}",
    ),
    (
        "classification",
        r"(?:what|which) (?:is|was) the (?:security )?classification(?: level)? of {ID}|"
        r"what classification(?: level)? (?:did|does|was|is) {ID}|how (?:was|is) {ID} classified",
    ),
    (
        "tags",
        r"(?:what|which) tags (?:were|are|was|is|did|does) (?:assigned to |given to |on |of |in )?{ID}|"
        r"what (?:are|were) the tags (?:of|on|for) {ID}",
    ),
    (
        "signer",
        r"who (?:signed|sent|wrote) {ID}|who (?:is|was) the (?:signer|signatory|author) of {ID}|"
        r"whose name appears (?:as the signature )?at the end of {ID}",
    ),
    ("subject", r"what (?:is|was) the subject(?: line)? of {ID}"),
    ("created", r"when was {ID} (?:sent|written|created|transmitted|dated)|what (?:is|was) the date of {ID}"),
    (
        "origin",
        r"(?:which|what) (?:embassy|post|mission|consulate|office) (?:sent|wrote|issued|originated) {ID}|"
        r"where did {ID} (?:come from|originate)",
    ),
    (
        "refs",
        r"(?:which|what) (?:cables|references|reftels) does {ID} (?:cite|reference)|"
        r"what (?:are|were) the references (?:of|in) {ID}",
    ),
)
_PATTERNS = tuple((field, re.compile(rf"^\s*(?:{pat.replace('{ID}', _ID)}){_END}", re.I)) for field, pat in _ASKS)
_TITLES = r"(?:Ambassador|Amb\.|Charge d'Affaires|Charge|CDA|DCM|Consul General|CG|Acting|A/DCM|PolOff|Pol/Econ Chief)"


@dataclass(frozen=True)
class MetadataAnswer:
    text: str
    value: str  # the record's value, as the paragraph carries it
    ref: ParagraphRef  # the paragraph that carries the value


def asked_field(question: str) -> tuple[str, str] | None:
    """(field, cable ID as written) when the question itself asks for a named cable's metadata."""
    for field, pattern in _PATTERNS:
        m = pattern.match(question)
        if m:
            found = re.search(_ID_TEXT, m.group(0), re.I)
            cid = canonical_id(found.group(0)) if found else None
            return (field, cid) if cid else None
    return None


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
