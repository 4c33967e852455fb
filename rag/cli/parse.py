"""`cables parse`: parse cables and print them (a line each, or one JSON object each)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import CablesError, ParseError
from ..index.manifest import Manifest, current_version
from ..index.reader import Index
from ..ingest.parse import iter_cables
from ..present.json import cable_json
from ..settings import Settings
from .common import err


def _index_at_hand(settings: Settings) -> Index | None:
    """The index of `--index`, when there is one that loads (for `cited_by`); parsing never needs it."""
    version = current_version(Path(settings.index_dir))
    if version is None:
        return None
    try:  # whatever embedder built it: parsing embeds nothing
        return Index.load(settings, verify=False, expect_embedder=Manifest.read(version / "manifest.json").embedder)
    except CablesError:
        return None


def run(args: argparse.Namespace, settings: Settings) -> int:
    parsed = skipped = 0
    index = _index_at_hand(settings) if args.json else None
    for r in iter_cables(args.paths, max_bytes=settings.max_cable_mb << 20):
        if isinstance(r, ParseError):
            skipped += 1
            err(str(r))
            continue
        parsed += 1
        if args.json:
            cited_by = index.cited_by(r.id) if index is not None else None
            print(json.dumps(cable_json(r, cited_by), ensure_ascii=False), flush=False)
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
