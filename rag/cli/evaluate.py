"""`cables eval`: scripted evaluation against gold questions and/or scripted conversations, or a per-question
comparison of two runs."""

from __future__ import annotations

import argparse

from ..eval.compare import compare
from ..eval.runner import EvalOptions, run_eval
from ..settings import Settings
from .common import err


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.compare:
        return compare(args.compare[0], args.compare[1])
    if not ((args.gold or args.conversations) and args.out):
        err("cables eval: give --gold FILE and/or --conversations FILE, and --out DIR (or --compare RUN_A RUN_B)")
        return 2
    if args.model:
        settings = settings.replace(llm=args.model)
    opts = EvalOptions(
        args.gold,
        args.out,
        args.limit,
        args.retrieval_only,
        args.retriever,
        args.min_recall,
        args.quiet,
        args.conversations,
    )
    return run_eval(opts, settings)


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("eval", help="scripted evaluation against gold questions and conversations")
    s.add_argument("--gold", help="gold questions, one JSON object a line")
    s.add_argument("--conversations", help="scripted conversations: {id, turns: [gold item, ...]} a line")
    s.add_argument("--out")
    s.add_argument("--limit", type=int, help="only the first N questions (and N conversations)")
    s.add_argument("--retrieval-only", action="store_true")
    s.add_argument(
        "--retriever",
        choices=["dense", "bm25", "hybrid"],
        default=None,
        help="one retriever (default: all three for retrieval, hybrid for answers)",
    )
    s.add_argument("--model")
    s.add_argument(
        "--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="two runs (report.json or its folder): what changed"
    )
    s.add_argument("--min-recall", type=float, help="exit 1 if hybrid recall@10 is below this")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(fn=run)
