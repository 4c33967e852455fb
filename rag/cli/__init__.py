"""`cables` command line: one module per verb. Every CablesError becomes one readable line on stderr and exit
status 1; usage errors exit 2."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..errors import CablesError
from ..settings import Settings
from . import ask, check, evaluate, ingest, parse, search, serve, status, verify
from .common import err


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cables", description="Local, cited question answering over diplomatic cables.")
    p.add_argument("--index", help="index folder (default: CABLES_INDEX_DIR or ./index/default)")
    sub = p.add_subparsers(dest="command", required=True)
    for verb in (parse, ingest, search, ask, check, evaluate, serve, status, verify):
        verb.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else 2
    try:
        settings = Settings.from_env(index_dir=args.index)
        return int(args.fn(args, settings))
    except CablesError as e:
        err(f"cables {args.command}: {e}")
        return 1
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
