"""Property-based fuzzing (time-bounded): parsers, citation finder and gold loader never crash or hang."""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.check.citations import find_citations
from rag.errors import GoldError, ParseError
from rag.eval.gold import load_gold
from rag.ingest.parse import parse_bytes
from rag.ingest.parse.csvfile import iter_csv
from rag.records import Cable

from .conftest import FIXTURES

SEED = (FIXTURES / "seeds" / "000_d0dd0442f83ff540.txt").read_bytes()
CSV = (FIXTURES / "csv" / "cables.csv").read_text()
FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.integers(0, 2))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == 0 and data:
            del data[pos : pos + draw(st.integers(1, 400))]
        elif op == 1:
            data[pos:pos] = draw(st.binary(max_size=40))
        else:
            data[pos:pos] = draw(
                st.sampled_from(
                    [
                        b"\n1. ",
                        b"\xc2\xb6",
                        b"SUBJECT:",
                        b"TAGS:",
                        b"<pre>",
                        b'\\"',
                        b"\n\n\n",
                        b"(",
                        b"REF: A. STATE 123",
                        b"SECTION 01 OF 02",
                    ]
                )
            )
    return bytes(data)


@FUZZ
@given(st.one_of(st.binary(max_size=3000), mutated(SEED)))
def test_text_parser_never_crashes(data: bytes) -> None:
    try:
        c = parse_bytes(data, "fuzz.txt")
    except ParseError as e:
        assert e.path == "fuzz.txt" and e.reason
        return
    assert isinstance(c, Cable) and c.id


@FUZZ
@given(mutated(b"<html><table class='cable'><tr><td>07X1</td></tr></table><pre>" + SEED + b"</pre></html>"))
def test_html_parser_never_crashes(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_bytes(data, "fuzz.html")


@FUZZ
@given(mutated(CSV.encode()[:6000]))
def test_csv_reader_reports_every_row(data: bytes) -> None:
    for r in iter_csv(io.StringIO(data.decode("utf-8", "replace"), newline=""), "fuzz.csv"):
        assert isinstance(r, (Cable, ParseError))


@FUZZ
@given(st.text(max_size=500))
def test_citation_finder(text: str) -> None:
    for c in find_citations(text):
        assert c.cable_id and c.start < c.end


def test_pathological_inputs_finish_quickly() -> None:
    t = time.time()
    find_citations("07MOSCOW828 ¶" + "1, " * 20000)
    find_citations("1" * 100_000 + "A" * 100_000)
    for data in (
        b"UNCLAS " + b"1. (C) " * 50_000,
        ("\n" + " " * 1000).encode() * 2000 + SEED,
        b"UNCLAS MOSCOW 12\n" + b"\n1. x" * 20_000,
    ):
        with contextlib.suppress(ParseError):
            parse_bytes(data, "big.txt")
    assert time.time() - t < 30


@FUZZ
@given(st.lists(st.text(max_size=80), max_size=6))
def test_gold_loader(tmp_path_factory, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    f = Path(tmp_path_factory.mktemp("g")) / "g.jsonl"
    f.write_text("\n".join(lines))
    with contextlib.suppress(GoldError):
        load_gold(f)
