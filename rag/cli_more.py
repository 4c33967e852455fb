"""Subcommands of the later stages: ask, check, eval, serve, bench."""

from __future__ import annotations

import argparse
import json
import sys

from .cli import hit_json
from .errors import CablesError
from .records import Answer, SentenceCheck, ref_json
from .settings import Settings


def answer_json(a: Answer, item_id: str | None = None) -> dict[str, object]:
    def cites(s: SentenceCheck) -> list[dict[str, object]]:
        return [ref_json(c.cable_id, c.paragraph) for c in s.citations]

    out: dict[str, object] = {
        "question": a.question,
        "answer": a.text,
        "abstained": a.abstained,
        "citations": [ref_json(c.cable_id, c.paragraph) for c in a.citations],
        "sentences": [
            {"text": s.text, "citations": cites(s), "support": s.verdict, "score": s.score} for s in a.sentences
        ],
        "hits": [hit_json(h, with_text=False) for h in a.hits],
        "timing": {
            "retrieve_s": round(a.timing.retrieve_s, 3),
            "ttft_s": round(a.timing.ttft_s, 3),
            "total_s": round(a.timing.total_s, 3),
        },
        "model": a.model,
    }
    return {"id": item_id, **out} if item_id is not None else out


def _print_human(a: Answer, lookup: object) -> None:
    print(a.text)
    print()
    if a.abstained:
        print("Closest paragraphs:")
        for h in a.hits[:3]:
            print(f"  {h.pid}: {h.passage.text[:200]}")
        return
    for c in a.citations:
        cable = lookup(c.cable_id)  # type: ignore[operator]
        p = cable.paragraph(c.paragraph) if cable else None
        if p is not None:
            print(f"[{c.cable_id} ¶{c.paragraph}] ({cable.origin}, {cable.created[:10]}) {p.text[:400]}")
    print(
        f"\n(retrieval {a.timing.retrieve_s:.2f}s, first token {a.timing.ttft_s:.1f}s, total {a.timing.total_s:.1f}s)"
    )


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from .answer import Token
    from .cli import _filters, _read_batch
    from .pipeline import open_answerer

    if args.model:
        settings = settings.replace(llm=args.model)
    answerer = open_answerer(settings)
    filters = _filters(args)
    if args.batch:
        for item in _read_batch(args.batch):
            try:
                a = answerer.ask(item["question"], filters=filters)  # type: ignore[arg-type]
                print(json.dumps(answer_json(a, item["id"]), ensure_ascii=False), flush=True)
            except CablesError as e:
                print(json.dumps({"id": item["id"], "question": item["question"], "error": str(e)}), flush=True)
        return 0
    question = " ".join(args.question).strip()
    if not question:
        print("cables ask: give a QUESTION or --batch FILE", file=sys.stderr)
        return 2
    final = None
    for ev in answerer.stream(question, filters=filters):  # type: ignore[arg-type]
        if isinstance(ev, Token) and not args.json:
            print(ev.text, end="", file=sys.stderr, flush=True)
        elif hasattr(ev, "answer"):
            final = ev.answer
    if not args.json:
        print("\n", file=sys.stderr)
    assert final is not None
    if args.json:
        print(json.dumps(answer_json(final), ensure_ascii=False))
    else:
        _print_human(final, answerer.retriever.index.cable)
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from .pipeline import open_pipeline

    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CablesError(f"{args.file}: cannot read ({e})") from e
    checker = open_pipeline(settings).checker
    rep = checker.check_text(text)
    if args.json:
        print(
            json.dumps(
                {
                    "sentences": [
                        {
                            "text": s.text,
                            "citations": [ref_json(c.cable_id, c.paragraph, status=c.status) for c in s.citations],
                            "verdict": s.verdict,
                            "score": s.score,
                            "span": s.span,
                        }
                        for s in rep.sentences
                    ],
                    "citation_recall": rep.citation_recall,
                    "citation_precision": rep.citation_precision,
                    "invalid_citations": [
                        ref_json(c.cable_id, c.paragraph, status=c.status) for c in rep.invalid_citations
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
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


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .evaluate import run_eval

    if args.model:
        settings = settings.replace(llm=args.model)
    return run_eval(args, settings)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import runpy
    from pathlib import Path

    app = Path(__file__).resolve().parent.parent / "app.py"
    sys.argv = [
        "app.py",
        *(["--host", args.host] if args.host else []),
        *(["--port", str(args.port)] if args.port else []),
    ]
    runpy.run_path(str(app), run_name="__main__")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from .cli import _filter_args

    s = sub.add_parser("ask", help="answer a question with verified citations")
    s.add_argument("question", nargs="*")
    s.add_argument("--batch", help="JSONL file of {id, question}")
    s.add_argument("--model", help="packaged model name or GGUF path")
    _filter_args(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_ask)

    s = sub.add_parser("check", help="verify the cable citations of a text")
    s.add_argument("file", help="a text file, or - for standard input")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_check)

    s = sub.add_parser("eval", help="scripted evaluation against a gold Q&A file")
    s.add_argument("--gold", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--limit", type=int)
    s.add_argument("--retrieval-only", action="store_true")
    s.add_argument(
        "--retriever",
        choices=["dense", "bm25", "hybrid"],
        default=None,
        help="one retriever (default: all three for retrieval, hybrid for answers)",
    )
    s.add_argument("--model")
    s.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="print deltas between two report.json")
    s.add_argument("--min-recall", type=float, help="exit 1 if hybrid recall@10 is below this")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(fn=cmd_eval)

    s = sub.add_parser("serve", help="open the web chat")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(fn=cmd_serve)
