"""The one table of metadata fields (rag/retrieve/asks.py) serves both the retriever's header/signature hints and
the anchored metadata questions the answerer takes from the record."""

from __future__ import annotations

import pytest

from rag.answer.metadata import asked_field
from rag.retrieve.asks import FIELDS
from rag.retrieve.query import analyze


@pytest.mark.parametrize(
    ("question", "field", "header", "signature"),
    [
        ("Where did 09HARARE955 originate?", "origin", True, False),  # no hint word: the anchored form decides
        ("Which embassy sent 09HARARE955?", "origin", True, False),
        ("Who signed 09HARARE955?", "signer", False, True),
        ("What TAGS were assigned to cable 09SEOUL1400?", "tags", True, False),
        ("Who signed the ceasefire mentioned in 09HARARE955?", None, False, True),  # a hint, not a metadata question
        ("What did the mayor say about the vote?", None, False, False),
    ],
)
def test_one_table_drives_hints_and_metadata_questions(
    question: str, field: str | None, header: bool, signature: bool
) -> None:
    found = asked_field(question)
    assert (found[0] if found else None) == field
    q = analyze(question)
    assert (q.wants_header, q.wants_signature) == (header, signature)
    if field:
        assert q.asks == ("signature" if signature else "header")


def test_every_field_is_a_cable_attribute_with_a_known_place() -> None:
    from rag.records import Cable

    names = {f.name for f in FIELDS}
    assert names <= set(Cable.__dataclass_fields__)
    assert {f.where for f in FIELDS} == {"header", "signature"}
