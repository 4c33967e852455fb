"""`cables ask`: answer a question (or a batch) with verified citations."""

from __future__ import annotations

import argparse
import json
import sys

from ..answer.pipeline import Answerer, Done, Token
from ..components import open_answerer
from ..errors import CablesError
from ..present.json import answer_json
from ..present.text import CLOSEST_HEADING, answer_text, coverage_text
from ..records import Answer
from ..settings import Settings
from .common import add_filter_args, err, filters_of, read_batch, threads_of


def _print_human(a: Answer, answerer: Answerer) -> None:
    print(answer_text(a))
    if a.coverage:
        print(coverage_text(a.coverage))
    print()
    if a.abstained:
        print(CLOSEST_HEADING)
        for h in a.hits[:3]:
            print(f"  {h.ref}: {h.passage.text[:200]}")
        return
    for c in a.citations:
        cable = answerer.retriever.index.cable(c.cable_id)
        p = cable.paragraph(c.paragraph) if cable and c.paragraph is not None else None
        if cable and p is not None:
            print(f"[{p.ref}] ({cable.origin}, {cable.created[:10]}) {p.text[:400]}")
    t = a.timing
    print(f"\n(retrieval {t.retrieve_s:.2f}s, first token {t.ttft_s:.1f}s, total {t.total_s:.1f}s)")


def _threads(answerer: Answerer, a: Answer) -> dict[str, object]:
    """The REF thread of every cable the answer cites (or, when it abstains, of the cables retrieved)."""
    ids = [c.cable_id for c in a.citations] or [h.passage.cable_id for h in a.hits]
    return threads_of(answerer.retriever.index, ids)


def run(args: argparse.Namespace, settings: Settings) -> int:
    question = " ".join(args.question).strip()
    if not args.batch and not question:
        err("cables ask: give a QUESTION or --batch FILE")
        return 2
    if args.model:
        settings = settings.replace(llm=args.model)
    answerer = open_answerer(settings)
    filters = filters_of(args)
    if args.batch:
        for item in read_batch(args.batch):
            try:
                a = answerer.ask(item["question"], filters=filters)
                out = answer_json(a, item["id"]) | {"threads": _threads(answerer, a)}
                print(json.dumps(out, ensure_ascii=False), flush=True)
            except CablesError as e:
                print(json.dumps({"id": item["id"], "question": item["question"], "error": str(e)}), flush=True)
        return 0
    final = None
    for ev in answerer.stream(question, filters=filters):
        if isinstance(ev, Token) and not args.json:
            print(ev.text, end="", file=sys.stderr, flush=True)
        elif isinstance(ev, Done):
            final = ev.answer
    if not args.json:
        print("\n", file=sys.stderr)
    assert final is not None
    if args.json:
        print(json.dumps(answer_json(final) | {"threads": _threads(answerer, final)}, ensure_ascii=False))
    else:
        _print_human(final, answerer)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("ask", help="answer a question with verified citations")
    s.add_argument("question", nargs="*")
    s.add_argument("--batch", help="JSONL file of {id, question}")
    s.add_argument("--model", help="packaged model name or GGUF path")
    add_filter_args(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=run)
