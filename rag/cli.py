"""`cables` command line. Every CablesError becomes one readable line on stderr and exit status 1;
usage errors exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from .errors import CablesError, ParseError
from .records import Hit, ref_json
from .settings import Settings

Command = Callable[[argparse.Namespace, Settings], int]


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from .parse import iter_cables
    from .store import cable_json

    parsed = skipped = 0
    for r in iter_cables(args.paths):
        if isinstance(r, ParseError):
            skipped += 1
            _err(str(r))
            continue
        parsed += 1
        if args.json:
            print(cable_json(r), flush=False)
        else:
            print(
                f"{r.id}\t{r.created}\t{r.origin}\t{r.classification}\t{len(r.paragraphs) - 1} paragraphs\t{r.subject}"
            )
    _err(f"parsed {parsed} cables, skipped {skipped} files or rows")
    return 0 if parsed else 1


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from .index import ingest

    report = ingest(
        args.paths, settings, rebuild=args.rebuild, on_error=lambda e: _err(str(e)), progress=not args.quiet
    )
    where = f" -> {settings.index_dir} ({report.version})" if report.version else " (index unchanged)"
    if args.json:
        print(
            json.dumps(
                {
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "failed": report.failed,
                    "passages": report.passages,
                    "embedded": report.embedded,
                    "seconds": round(report.seconds, 2),
                    "version": report.version,
                }
            )
        )
    _err(report.summary() + where)
    return 0 if (report.added + report.updated + report.unchanged) else 1


def _filters(args: argparse.Namespace) -> object:
    from .query import Filters

    return Filters(
        origins=tuple(args.origin or ()),
        date_from=args.date_from or "",
        date_to=args.date_to or "",
        classifications=tuple(args.classification or ()),
        tags=tuple(t.upper() for t in (args.tag or ())),
        cable_ids=tuple(args.cable or ()),
    )


def _read_batch(path: str) -> list[dict[str, str]]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                items.append({"id": str(d.get("id", n)), "question": str(d["question"])})
            except (ValueError, KeyError, TypeError) as e:
                raise CablesError(f"{path}:{n}: expected a JSON object with 'question' ({e})") from e
    return items


def hit_json(h: Hit, with_text: bool = True) -> dict[str, object]:
    extra: dict[str, object] = {"score": round(h.score, 5)}
    if with_text:
        extra["text"] = h.passage.text
    return ref_json(h.passage.cable_id, h.pid.split(" ¶", 1)[1], **extra)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from .pipeline import open_retriever

    retriever = open_retriever(settings, mode=args.retriever)
    filters = _filters(args)
    queries = _read_batch(args.batch) if args.batch else [{"id": "", "question": " ".join(args.query)}]
    if not args.batch and not queries[0]["question"].strip():
        _err("cables search: give a QUERY or --batch FILE")
        return 2
    for item in queries:
        r = retriever.search(item["question"], k=args.k, filters=filters)  # type: ignore[arg-type]
        if args.json:
            out: dict[str, object] = {"query": item["question"], "hits": [hit_json(h) for h in r.hits]}
            if args.batch:
                out = {"id": item["id"], **out}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(f"# {item['question']}")
            for h in r.hits:
                print(f"{h.rank:>2}. {h.pid:<24} {h.score:.4f}  {h.passage.text[:110]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cables", description="Local, cited question answering over diplomatic cables.")
    p.add_argument("--index", help="index folder (default: CABLES_INDEX_DIR or ./index/default)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("parse", help="parse cables and print them")
    s.add_argument("paths", nargs="+")
    s.add_argument("--json", action="store_true", help="one JSON object per cable")
    s.set_defaults(fn=cmd_parse)

    s = sub.add_parser("ingest", help="add cables to the index (incremental)")
    s.add_argument("paths", nargs="+")
    s.add_argument("--rebuild", action="store_true", help="start a fresh index")
    s.add_argument("--json", action="store_true")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(fn=cmd_ingest)

    s = sub.add_parser("search", help="retrieve paragraphs")
    s.add_argument("query", nargs="*")
    s.add_argument("--k", type=int, default=10)
    s.add_argument("--batch", help="JSONL file of {id, question}")
    s.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default="hybrid")
    _filter_args(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_search)

    from .cli_more import register

    register(sub)
    return p


def _filter_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--origin", action="append", help="e.g. 'Embassy Ankara' (repeatable)")
    s.add_argument("--from", dest="date_from", help="YYYY or YYYY-MM-DD")
    s.add_argument("--to", dest="date_to", help="YYYY or YYYY-MM-DD")
    s.add_argument("--tag", action="append", help="TAGS code, e.g. PTER (repeatable)")
    s.add_argument("--classification", action="append")
    s.add_argument("--cable", action="append", help="restrict to a cable ID (repeatable)")


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
        _err(f"cables {args.command}: {e}")
        return 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
