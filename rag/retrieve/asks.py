"""The one table of a cable's metadata fields as questions ask for them. Each field says where the cable carries it
(the header, ¶0, or the signed last paragraph), the anchored question forms that ask for a named cable's value
(answered from the record by rag/answer/metadata.py), and the words that, anywhere in a question, make the
paragraph carrying it worth retrieving (rag/retrieve/query.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ids import canonical_id

_ID_TEXT = r"\d{2}\s?[A-Z]{2,30}\s?\d{1,7}"
_ID = rf"(?:(?:the )?cable\s+)?{_ID_TEXT}"
_END = r"(?:\s+[a-z]+){0,2}\s*[?.]?\s*$"  # at most two words after the cable ID ("...did 09X carry?")


@dataclass(frozen=True)
class MetaField:
    name: str  # the Cable attribute
    where: str  # "header" (¶0) | "signature" (the signed last paragraph)
    asks: str  # anchored question forms; {ID} stands for the cable
    hints: str  # words anywhere in a question that call for the paragraph carrying the field ("" for none)


FIELDS: tuple[MetaField, ...] = (
    MetaField(
        "classified_by",
        "header",
        r"who classified {ID}|who (?:is|was) the classif(?:ying|ication) (?:authority|official) (?:of|for|on) {ID}",
        r"classifying authority|classified by",
    ),
    MetaField(
        "classification",
        "header",
        r"(?:what|which) (?:is|was) the (?:security )?classification(?: level)? of {ID}|"
        r"what classification(?: level)? (?:did|does|was|is) {ID}|how (?:was|is) {ID} classified",
        r"classif\w*|caveat|NOFORN|EXDIS|NODIS",
    ),
    MetaField(
        "tags",
        "header",
        r"(?:what|which) tags (?:were|are|was|is|did|does) (?:assigned to |given to |on |of |in )?{ID}|"
        r"what (?:are|were) the tags (?:of|on|for) {ID}",
        r"TAGS?|tagged",
    ),
    MetaField(
        "signer",
        "signature",
        r"who (?:signed|sent|wrote) {ID}|who (?:is|was) the (?:signer|signatory|author) of {ID}|"
        r"whose name appears (?:as the signature )?at the end of {ID}",
        r"sign(?:ed|s|ature|atory|er)|who sent|whose name appears at the end",
    ),
    MetaField("subject", "header", r"what (?:is|was) the subject(?: line)? of {ID}", r"subject line"),
    MetaField(
        "created",
        "header",
        r"when was {ID} (?:sent|written|created|transmitted|dated)|what (?:is|was) the date of {ID}",
        r"transmi\w+|what date was .* (?:sent|written|created)|when was .* (?:sent|written|created|cabled)|released",
    ),
    MetaField(
        "origin",
        "header",
        r"(?:which|what) (?:embassy|post|mission|consulate|office) (?:sent|wrote|issued|originated) {ID}|"
        r"where did {ID} (?:come from|originate)",
        "",
    ),
    MetaField(
        "refs",
        "header",
        r"(?:which|what) (?:cables|references|reftels) does {ID} (?:cite|reference)|"
        r"what (?:are|were) the references (?:of|in) {ID}",
        r"reference[sd]?|refs?",
    ),
)
_ANCHORED = tuple((f.name, re.compile(rf"^\s*(?:{f.asks.replace('{ID}', _ID)}){_END}", re.I)) for f in FIELDS)


def _hints(where: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(f.hints for f in FIELDS if f.where == where and f.hints) + r")\b", re.I)


HEADER_WORDS = _hints("header")
SIGN_WORDS = _hints("signature")


def calls_for(question: str) -> frozenset[str]:
    """The paragraphs a question calls for: "header" (¶0), "signature" (the signed last paragraph), both or none."""
    field = asked_field(question)
    out = {f.where for f in FIELDS if field and f.name == field[0]}
    out |= {where for where, words in (("header", HEADER_WORDS), ("signature", SIGN_WORDS)) if words.search(question)}
    return frozenset(out)


def asked_field(question: str) -> tuple[str, str] | None:
    """(field, cable ID) when the question itself asks for a named cable's metadata, intent anchored at its start."""
    for name, pattern in _ANCHORED:
        m = pattern.match(question)
        if m:
            found = re.search(_ID_TEXT, m.group(0), re.I)
            cid = canonical_id(found.group(0)) if found else None
            return (name, cid) if cid else None
    return None
