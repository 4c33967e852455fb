"""What the subcommands share: error output, filter options, batch files."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any

from ..errors import CablesError
from ..index.reader import Index
from ..present.json import thread_json
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
    s.add_argument("--cites", action="append", help="only cables that reference this cable ID (repeatable)")
    s.add_argument("--signer", action="append", help="only cables signed by this name (repeatable)")


def filters_of(args: argparse.Namespace) -> Filters:
    return Filters(
        origins=tuple(args.origin or ()),
        date_from=args.date_from or "",
        date_to=args.date_to or "",
        classifications=tuple(args.classification or ()),
        tags=tuple(t.upper() for t in (args.tag or ())),
        cable_ids=tuple(args.cable or ()),
        references=tuple(c.upper() for c in (getattr(args, "cites", None) or ())),
        signers=tuple(getattr(args, "signer", None) or ()),
    )


def threads_of(index: Index, cable_ids: Iterable[str]) -> dict[str, Any]:
    """The REF thread of each cable, for JSON output: what it cites and what cites it."""
    return {cid: thread_json(index.cites(cid), index.cited_by(cid)) for cid in dict.fromkeys(cable_ids)}


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
