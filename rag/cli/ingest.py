"""`cables ingest`: add cables to the index (incremental; a new version swapped in atomically)."""

from __future__ import annotations

import argparse
import json

from ..ingest.build import ingest
from ..present.json import ingest_json
from ..settings import Settings
from .common import err


def run(args: argparse.Namespace, settings: Settings) -> int:
    report = ingest(args.paths, settings, rebuild=args.rebuild, on_error=lambda e: err(str(e)), progress=not args.quiet)
    where = f" -> {settings.index_dir} ({report.version})" if report.version else " (index unchanged)"
    if args.json:
        print(json.dumps(ingest_json(report)))
    err(report.summary() + where)
    return 0 if (report.added + report.updated + report.unchanged) else 1


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("ingest", help="add cables to the index (incremental)")
    s.add_argument("paths", nargs="+")
    s.add_argument("--rebuild", action="store_true", help="start a fresh index")
    s.add_argument("--json", action="store_true")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(fn=run)
