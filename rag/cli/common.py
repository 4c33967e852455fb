"""What the subcommands share: error output, filter options, batch files."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import CablesError
from ..retrieve.query import Filters


def err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def add_filter_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--origin", action="append", help="e.g. 'Embassy Ankara' (repeatable)")
    s.add_argument("--from", dest="date_from", help="YYYY or YYYY-MM-DD")
    s.add_argument("--to", dest="date_to", help="YYYY or YYYY-MM-DD")
    s.add_argument("--tag", action="append", help="TAGS code, e.g. PTER (repeatable)")
    s.add_argument("--classification", action="append")
    s.add_argument("--cable", action="append", help="restrict to a cable ID (repeatable)")


def filters_of(args: argparse.Namespace) -> Filters:
    return Filters(
        origins=tuple(args.origin or ()),
        date_from=args.date_from or "",
        date_to=args.date_to or "",
        classifications=tuple(args.classification or ()),
        tags=tuple(t.upper() for t in (args.tag or ())),
        cable_ids=tuple(args.cable or ()),
    )


def read_batch(path: str) -> list[dict[str, str]]:
    """A JSONL file of {"id", "question"}; every bad line is an error naming the file and line."""
    items = []
    try:
        f = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as e:
        raise CablesError(f"{path}: cannot read ({e.strerror or e})") from e
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                items.append({"id": str(d.get("id", n)), "question": str(d["question"])})
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise CablesError(f"{path}:{n}: expected a JSON object with 'question' ({e})") from e
    return items
