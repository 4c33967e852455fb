"""`cables parse`: parse cables and print them (a line each, or one JSON object each)."""

from __future__ import annotations

import argparse
import json

from ..errors import ParseError
from ..ingest.parse import iter_cables
from ..present.json import cable_json
from ..settings import Settings
from .common import err


def run(args: argparse.Namespace, settings: Settings) -> int:
    parsed = skipped = 0
    for r in iter_cables(args.paths, max_bytes=settings.max_cable_mb << 20):
        if isinstance(r, ParseError):
            skipped += 1
            err(str(r))
            continue
        parsed += 1
        if args.json:
            print(json.dumps(cable_json(r), ensure_ascii=False), flush=False)
        else:
            print(
                f"{r.id}\t{r.created}\t{r.origin}\t{r.classification}\t{len(r.paragraphs) - 1} paragraphs\t{r.subject}"
            )
    err(f"parsed {parsed} cables, skipped {skipped} files or rows")
    return 0 if parsed else 1


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("parse", help="parse cables and print them")
    s.add_argument("paths", nargs="+")
    s.add_argument("--json", action="store_true", help="one JSON object per cable")
    s.set_defaults(fn=run)
