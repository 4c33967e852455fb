"""`cables check`: verify the cable citations of any text; exit 1 if any citation fails."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..components import open_components
from ..errors import CablesError
from ..present.json import report_json
from ..settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CablesError(f"{args.file}: cannot read ({e})") from e
    rep = open_components(settings).attributor.check_text(text)
    if args.json:
        print(json.dumps(report_json(rep), ensure_ascii=False, indent=1))
        return 0 if rep.ok else 1
    for s in rep.sentences:
        cites = ", ".join(f"{c.raw or c.cable_id} ({c.status})" for c in s.citations) or "-"
        print(f"[{s.verdict.upper():<11} {s.score:.2f}] {s.text}\n    cites: {cites}")
        if s.span:
            print(f"    matching span: {s.span[:300]}")
    print(
        f"\ncitation recall {rep.citation_recall:.2f}, citation precision {rep.citation_precision:.2f}, "
        f"{len(rep.invalid_citations)} invalid citation(s)"
    )
    return 0 if rep.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("check", help="verify the cable citations of a text")
    s.add_argument("file", help="a text file, or - for standard input")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=run)
