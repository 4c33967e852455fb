"""`cables verify`: hash every file of the live index version (or of every version kept) against its manifest and
check the segments agree with each other; exit 1 on any problem. Loading checks only sizes and times."""

from __future__ import annotations

import argparse

from ..errors import IndexMissingError
from ..index.verify import verify
from ..settings import Settings
from .common import err


def run(args: argparse.Namespace, settings: Settings) -> int:
    checks = verify(settings, every=args.all)
    if not checks:
        raise IndexMissingError(f"no index at {settings.index_dir}: build one with `cables ingest PATH...`")
    bad = 0
    for c in checks:
        tag = " (live)" if c.live else ""
        if c.problems:
            bad += 1
            print(f"FAILED {c.version}{tag}:")
            for p in c.problems:
                print(f"  {p}")
        else:
            print(f"ok {c.version}{tag}: {c.files} files, {c.bytes / 2**20:.1f} MB hashed in {c.seconds:.1f}s")
    if bad:
        err("repair: re-run the last ingest, or `cables ingest --rebuild PATH...`")
    return 1 if bad else 0


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("verify", help="check every index file against its checksum")
    s.add_argument("--all", action="store_true", help="every version kept, not only the live one")
    s.set_defaults(fn=run)
