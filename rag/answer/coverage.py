"""What an answer under filters drew on: "from 4 paragraphs of 3 of the 37 cables matching Embassy Ankara, 2009".
Plain information computed from the applied filters and the index's filter columns; not a verified claim."""

from __future__ import annotations

from ..index.reader import Index
from ..records import CitationReport, Coverage, Hit
from ..retrieve.query import Filters


def scope(f: Filters) -> str:
    """The filters in words: "Embassy Ankara, 2009", "2008..2009, tagged PTER"."""
    words = {"tag": "tagged {}", "classification": "classified {}", "cable": "{}"}
    return ", ".join(words.get(c.kind, "{}").format(c.value) for c in f.chips())


def coverage(index: Index, f: Filters, report: CitationReport | None, shown: tuple[Hit, ...]) -> Coverage | None:
    """None unless the search ran under filters other than the cables a question names. The paragraphs counted are
    the ones the answer cites (every passage the model was shown when it cites none); none for an abstention."""
    if not (f.origins or f.date_from or f.date_to or f.classifications or f.tags):
        return None
    if report is None:
        refs: set[str] = set()
        cables: set[str] = set()
    elif report.citations:
        cited = [c for c in report.citations if c.ref is not None]
        refs, cables = {str(c.ref) for c in cited}, {c.cable_id for c in cited}
    else:
        refs, cables = {str(h.ref) for h in shown}, {h.passage.cable_id for h in shown}
    return Coverage(len(refs), len(cables), index.count_cables(f), scope(f))
