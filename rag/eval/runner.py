"""`cables eval`: run the gold questions through retrieval and answering, one resumable items file per run
identity (rag/eval/identity.py), then aggregate into report.json, report.md and plots (rag/eval/report.py)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ..answer.pipeline import Answerer
from ..components import Components, open_answerer, open_components
from ..ids import ParagraphRef
from ..present.text import answer_text
from ..retrieve.fusion import Retriever
from ..settings import Settings
from .gold import GoldItem, load_gold
from .identity import identity_key, run_identity
from .metrics import contains_answer, score_citations, score_retrieval, token_recall
from .report import DEFINITIONS, answer_metrics, per_type, retrieval_metrics, write_report

Row = dict[str, Any]


@dataclass(frozen=True)
class EvalOptions:
    gold: str
    out: str
    limit: int | None = None
    retrieval_only: bool = False
    retriever: str | None = None  # one mode; default: all three for retrieval-only, hybrid otherwise
    min_recall: float | None = None
    quiet: bool = False


def retrieval_row(item: GoldItem, retriever: Retriever, k: int = 10) -> Row:
    t = time.perf_counter()
    r = retriever.search(item.question, k=k)
    dt = time.perf_counter() - t
    sc = score_retrieval(item, [h.ref for h in r.hits])
    return {
        "r1": sc.recall_at[1],
        "r5": sc.recall_at[5],
        "r10": sc.recall_at[10],
        "full10": sc.full_recall_10,
        "mrr10": sc.mrr_10,
        "first_rank": sc.first_rank,
        "latency_s": dt,
        "hits": [str(h.ref) for h in r.hits],
    }


def answer_row(item: GoldItem, answerer: Answerer) -> Row:
    a = answerer.ask(item.question)
    hit_refs = {h.ref for h in a.hits}
    cited = [c.ref for c in a.citations if c.ref is not None]
    cs = score_citations(item, cited)
    text = answer_text(a)
    factual = [s for s in a.sentences if s.verdict != "not_factual"]
    return {
        "answer": text,
        "abstained": a.abstained,
        "citations": [str(r) for r in cited],
        "correct": contains_answer(text, item) if item.answerable else a.abstained,
        "token_recall": token_recall(text, item) if item.answerable else 0.0,
        "valid": sum(r in hit_refs for r in cited),
        "n_cited": cs.cited,
        "gold_cited": cs.on_gold,
        "any_gold_cited": cs.any_gold,
        "alce_recall": a.report.citation_recall if factual else None,
        "alce_precision": a.report.citation_precision if factual else None,
        "words": len(text.split()),
        "retrieve_s": a.timing.retrieve_s,
        "ttft_s": a.timing.ttft_s,
        "total_s": a.timing.total_s,
    }


def run_items(
    items: list[GoldItem], path: Path, identity: dict[str, Any], fn: Callable[[GoldItem], Row], label: str, quiet: bool
) -> dict[str, Row]:
    """Rows for every item; rows already in `path` (same run identity, by construction of its name) are reused."""
    done: dict[str, Row] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                d = json.loads(line)
                done[d["id"]] = d
            except (ValueError, KeyError):
                continue
    else:
        path.with_suffix(".run.json").write_text(json.dumps(identity, indent=1))
    todo = [i for i in items if i.id not in done]
    if not quiet and done:
        print(f"{label}: resuming run {path.stem}, {len(done)} items already done", file=sys.stderr)
    from tqdm import tqdm

    with open(path, "a") as f:
        for item in tqdm(todo, desc=label, unit="q", file=sys.stderr, disable=quiet):
            row = {"id": item.id, **fn(item)}
            f.write(json.dumps(row) + "\n")
            f.flush()
            done[item.id] = row
    return done


def _items_file(out: Path, identity: dict[str, Any]) -> Path:
    return out / f"{identity['stage']}-{identity['retriever']}-{identity_key(identity)}.jsonl"


def _retrieval(opts: EvalOptions, settings: Settings, c: Components, items: list[GoldItem]) -> dict[str, Any]:
    out = Path(opts.out)
    modes = [opts.retriever] if opts.retriever else (["dense", "bm25", "hybrid"] if opts.retrieval_only else ["hybrid"])
    result: dict[str, Any] = {"retrieval": {}, "identities": {}, "first_ranks": {}}
    for mode in modes:
        retr = c.retriever if mode == "hybrid" else open_components(settings, mode, c.embedder).retriever
        ident = run_identity(settings, c.index, "retrieval", mode)
        rows = run_items(
            items,
            _items_file(out, ident),
            ident,
            partial(retrieval_row, retriever=retr),
            f"retrieval ({mode})",
            opts.quiet,
        )
        result["retrieval"][mode] = retrieval_metrics(items, rows)
        result["identities"][f"retrieval-{mode}"] = ident
        result["first_ranks"][mode] = {i.id: rows[i.id]["first_rank"] for i in items}
    return result


def run_eval(opts: EvalOptions, settings: Settings) -> int:
    items = load_gold(opts.gold)[: opts.limit] if opts.limit else load_gold(opts.gold)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    c = open_components(settings)
    answerable = [i for i in items if i.answerable]
    ret = _retrieval(opts, settings, c, answerable)
    report: dict[str, Any] = {
        "gold": str(opts.gold),
        "items": len(items),
        "index": c.index.version,
        "embedder": c.index.manifest.embedder,
        "definitions": dict(DEFINITIONS),
        "retrieval": ret["retrieval"],
        "runs": ret["identities"],
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    per_item: dict[str, Row] = {
        i.id: {
            "question": i.question,
            "type": i.type,
            "expected": i.answer,
            "support": [str(ParagraphRef.of(s.cable_id, p)) for s in i.support for p in s.paragraphs],
        }
        for i in items
    }
    for mode, ranks in ret["first_ranks"].items():
        for iid, rank in ranks.items():
            per_item[iid][f"first_rank_{mode}"] = rank
    if not opts.retrieval_only:
        answerer = open_answerer(settings, components=c)
        ident = run_identity(settings, c.index, "answers", "hybrid")
        ident["model"] = answerer.llm.name
        rows = run_items(
            items, _items_file(out, ident), ident, lambda it: answer_row(it, answerer), "answers", opts.quiet
        )
        report["model"] = answerer.llm.name
        report["runs"]["answers"] = ident
        report["answers"] = answer_metrics(items, rows)
        report["latencies"] = {
            k: [round(rows[i.id][k], 3) for i in items if rows[i.id][k]] for k in ("ttft_s", "total_s")
        }
        report["per_type"] = per_type(items, rows)
        for i in items:
            per_item[i.id].update({k: rows[i.id][k] for k in ("answer", "citations", "correct", "abstained")})
    report["per_item"] = per_item
    print(write_report(report, out))
    if opts.min_recall is not None:
        got = report["retrieval"].get("hybrid", next(iter(report["retrieval"].values())))["recall@10"]
        if got < opts.min_recall:
            print(f"FAIL: recall@10 {got:.3f} is below the threshold {opts.min_recall:.3f}", file=sys.stderr)
            return 1
    return 0
