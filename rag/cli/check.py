"""`cables check`: verify the cable citations of any text; exit 1 if any citation fails.

Each sentence (a blank line or a list item always ends one) passes the cheap checks, then the entailment judge (the
local model; `--fast` for the cheap checks only, where nothing but a verbatim whole sentence earns a ✔)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..components import open_components
from ..errors import CablesError
from ..present.json import report_json
from ..present.text import sentence_text
from ..settings import Settings


class _Progress:
    """`checked 12/80 sentences (31s)` on standard error, at most every 2 seconds, for texts of 5 sentences or more."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.t0 = self.last = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.quiet or total < 5 or (done < total and now - self.last < 2.0):
            return
        self.last = now
        end = "\n" if done == total else ""
        print(f"\rchecked {done}/{total} sentences ({now - self.t0:.0f}s)", end=end, file=sys.stderr, flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CablesError(f"{args.file}: cannot read ({e})") from e
    if args.fast:
        settings = settings.replace(judge="none")
    rep = open_components(settings).gate.check_text(text, progress=_Progress(args.quiet))
    if args.json:
        print(json.dumps(report_json(rep), ensure_ascii=False, indent=1))
        return 0 if rep.ok else 1
    for s in rep.sentences:
        cites = ", ".join(f"{c.raw or c.cable_id} ({c.status})" for c in s.citations) or "-"
        how = f", by {s.basis}" if s.basis else ""
        print(f"[{s.verdict.upper():<11} {s.score:.2f}{how}] {sentence_text(s)}\n    cites: {cites}")
        if s.span:
            print(f"    matching span: {s.span[:300]}")
    print(
        f"\ncitation recall {rep.citation_recall:.2f}, citation precision {rep.citation_precision:.2f}, "
        f"{len(rep.invalid_citations)} invalid citation(s)"
        + ("; judge off (--fast): ✔ only for verbatim whole sentences" if args.fast else "")
    )
    return 0 if rep.ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("check", help="verify the cable citations of a text")
    s.add_argument("file", help="a text file, or - for standard input")
    s.add_argument("--json", action="store_true")
    s.add_argument("--fast", action="store_true", help="cheap checks only, no judge (no ✔ but verbatim sentences)")
    s.add_argument("--quiet", action="store_true", help="no progress on standard error")
    s.set_defaults(fn=run)
