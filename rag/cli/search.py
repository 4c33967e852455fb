"""`cables search`: retrieve paragraphs for a query or a batch of them."""

from __future__ import annotations

import argparse
import json

from ..components import open_components
from ..present.json import hit_json
from ..settings import Settings
from .common import add_filter_args, err, filters_of, read_batch, threads_of


def run(args: argparse.Namespace, settings: Settings) -> int:
    queries = read_batch(args.batch) if args.batch else [{"id": "", "question": " ".join(args.query)}]
    if not args.batch and not queries[0]["question"].strip():
        err("cables search: give a QUERY or --batch FILE")
        return 2
    retriever = open_components(settings, mode=args.retriever).retriever
    filters = filters_of(args)
    for item in queries:
        r = retriever.search(item["question"], k=args.k, filters=filters)
        if args.json:
            out: dict[str, object] = {"query": item["question"], "hits": [hit_json(h) for h in r.hits]}
            out["threads"] = threads_of(retriever.index, (h.passage.cable_id for h in r.hits))
            if args.batch:
                out = {"id": item["id"], **out}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(f"# {item['question']}")
            for h in r.hits:
                print(f"{h.rank:>2}. {str(h.ref):<24} {h.score:.4f}  {h.passage.text[:110]}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("search", help="retrieve paragraphs")
    s.add_argument("query", nargs="*")
    s.add_argument("--k", type=int, default=10)
    s.add_argument("--batch", help="JSONL file of {id, question}")
    s.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default="hybrid")
    add_filter_args(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=run)
