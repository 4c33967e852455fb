"""`cables ingest`: add cables to the index (a new segment, published atomically; resumable), or merge segments."""

from __future__ import annotations

import argparse
import json

from ..errors import IndexMismatchError
from ..ingest.build import IngestReport, ingest, merge
from ..present.json import ingest_json
from ..settings import Settings
from .common import err


def _ingest(args: argparse.Namespace, settings: Settings, rebuild: bool) -> IngestReport:
    return ingest(args.paths, settings, rebuild=rebuild, on_error=lambda e: err(str(e)), progress=not args.quiet)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.merge:
        name = merge(settings, progress=not args.quiet)
        err(
            f"merged into one segment -> {settings.index_dir} ({name})"
            if name
            else "one segment already: nothing to merge"
        )
        return 0
    if not args.paths:
        err("cables ingest: give PATH... (or --merge)")
        return 2
    try:
        report = _ingest(args, settings, args.rebuild)
    except IndexMismatchError as e:
        if not args.rebuild_if_needed:
            raise
        err(f"{e}\nrebuilding (--rebuild-if-needed)")
        report = _ingest(args, settings, True)
    where = f" -> {settings.index_dir} ({report.version})" if report.version else " (index unchanged)"
    if args.json:
        print(json.dumps(ingest_json(report)))
    for note in report.notes:
        err(note)
    err(report.summary() + where)
    return 0 if (report.added + report.updated + report.unchanged) else 1


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("ingest", help="add cables to the index (incremental, resumable)")
    s.add_argument("paths", nargs="*")
    s.add_argument("--rebuild", action="store_true", help="start a fresh index")
    s.add_argument(
        "--rebuild-if-needed", action="store_true", help="start a fresh index if the existing one cannot be extended"
    )
    s.add_argument("--merge", action="store_true", help="merge every segment into one (no re-embedding)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--quiet", action="store_true", help="no progress bars")
    s.set_defaults(fn=run)
