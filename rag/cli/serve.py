"""`cables serve`: the web chat. Runs the repository's app.py in this process's place (exec, not import: rag/
never imports the app)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import CablesError
from ..settings import REPO_ROOT, Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    app = Path(REPO_ROOT) / "app.py"
    if not app.is_file():
        raise CablesError(f"{app} not found: `cables serve` runs the chat from a checkout of the repository")
    argv = [sys.executable, str(app)]
    argv += ["--host", args.host] if args.host else []
    argv += ["--port", str(args.port)] if args.port else []
    if args.index:
        os.environ["CABLES_INDEX_DIR"] = args.index
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)
    return 0  # not reached


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="open the web chat")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(fn=run)
