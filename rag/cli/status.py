"""`cables status`: the live index version, what it holds and how much of it is embedded (exit 1 if it cannot
be loaded)."""

from __future__ import annotations

import argparse
import json

from ..index.reader import Index
from ..settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    idx = Index.load(settings)
    m = idx.manifest
    out = {
        "version": idx.version,
        "cables": m.cable_count,
        "passages": m.passage_count,
        "embedded": m.embedded,
        "segments": len(m.segments),
        "dense": m.dense_kind,
        "nprobe": [s.nprobe for s in m.segments if s.nprobe],
        "note": idx.note,
    }
    if args.json:
        print(json.dumps(out))
    else:
        share = f" ({m.embedded / m.passage_count:.0%})" if m.passage_count and m.embedded < m.passage_count else ""
        print(
            f"{idx.version}: {m.cable_count:,} cables, {m.passage_count:,} passages, {m.embedded:,} embedded{share}, "
            f"{len(m.segments)} segment(s), dense {m.dense_kind}" + (f"\nnote: {idx.note}" if idx.note else "")
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("status", help="what the live index holds and how much is embedded")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=run)
