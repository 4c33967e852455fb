"""Eval reports: every question scored from its run's raw outputs (rag/eval/metrics.py), then aggregated, each
headline figure with its 95% bootstrap interval and the number of questions it rests on (rag/eval/stats.py);
breakdowns by answer path and question kind; rendering in rag/eval/render.py."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..ids import ParagraphRef
from .gold import GoldConversation, GoldItem
from .metrics import KS, match_answer, score_citations, score_retrieval
from .render import markdown, plots, summary
from .stats import Estimate, mean_ci, quantile_ci

DEFINITIONS = MappingProxyType(
    {
        "recall@k": "share of answerable questions with a gold support paragraph among the top k hits",
        "full_recall@k": "share of answerable questions whose every support entry has a paragraph in the top k",
        "mrr@10": "mean reciprocal rank of the first gold paragraph within the top 10 (0 when absent)",
        "accuracy_strict": "answerable questions whose answer, citation labels removed, holds the gold answer (or an "
        "alias) as whole words, or every content word of it, and all its figures",
        "accuracy_lenient": "as strict, but 75% of the gold's content words suffice; all its figures still required",
        "abstention_accuracy": "share of unanswerable questions on which the system abstained",
        "false_abstention": "share of answerable questions on which the system abstained",
        "citation_recall": "per answered answerable question: share of its support entries with a cited paragraph; "
        "averaged over those questions",
        "citation_precision": "per answer with citations: share of its cited paragraphs that are gold support "
        "paragraphs; averaged over those answers",
        "citation_validity": "share of cited paragraphs that were among the answer's retrieved hits",
        "path": "abstention | metadata (from the cable record) | quote (a passage sentence quoted) | model",
    }
)


def _refs(row: dict[str, Any], key: str) -> list[ParagraphRef]:
    return [r for r in (ParagraphRef.try_parse(x) for x in row.get(key, [])) if r is not None]


def score_retrieval_row(item: GoldItem, row: dict[str, Any]) -> dict[str, Any]:
    sc = score_retrieval(item, _refs(row, "hits"))
    return {
        **{f"r{k}": sc.recall_at[k] for k in KS},
        "full3": sc.full_recall_at[3],
        "full10": sc.full_recall_at[10],
        "mrr10": sc.mrr_10,
        "first_rank": sc.first_rank,
    }


def score_answer_row(item: GoldItem, row: dict[str, Any]) -> dict[str, Any]:
    m = match_answer(row["answer"], item)
    cited = _refs(row, "citations")
    cs = score_citations(item, cited)
    hits = set(_refs(row, "hits"))
    return {
        "strict": m.strict if item.answerable else row["abstained"],
        "lenient": m.lenient if item.answerable else row["abstained"],
        "token_recall": m.token_recall,
        "abstained": row["abstained"],
        "path": row["path"],
        "cit_recall": cs.recall if item.answerable and not row["abstained"] else None,
        "cit_precision": cs.precision if item.answerable else None,
        "cited": cs.cited,
        "valid": sum(r in hits for r in set(cited)),
        **({"first_rank": score_retrieval(item, _refs(row, "hits")).first_rank} if item.answerable else {}),
    }


def _est(values: Sequence[float | bool | None]) -> Estimate:
    return mean_ci([float(v) for v in values if v is not None])


def _flat(estimates: dict[str, Estimate], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """{metric: value, ..., "ci95": {metric: [lo, hi]}, "n": {metric: n}}: values stay plain numbers."""
    return {
        **{k: e.value for k, e in estimates.items()},
        "ci95": {k: [e.lo, e.hi] for k, e in estimates.items()},
        "n": {k: e.n for k, e in estimates.items()},
        **(extra or {}),
    }


def retrieval_summary(items: Sequence[GoldItem], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    scored = [score_retrieval_row(i, rows[i.id]) for i in items if i.answerable and i.id in rows]
    est = {f"recall@{k}": _est([s[f"r{k}"] for s in scored]) for k in KS}
    est |= {
        "mrr@10": _est([s["mrr10"] for s in scored]),
        "full_recall@3": _est([s["full3"] for s in scored]),
        "full_recall@10": _est([s["full10"] for s in scored]),
    }
    lat = [rows[i.id]["latency_s"] for i in items if i.answerable and i.id in rows and "latency_s" in rows[i.id]]
    curve = {
        k: round(
            sum(
                any(i.support_index(r) is not None for r in _refs(rows[i.id], "hits")[:k])
                for i in items
                if i.answerable and i.id in rows
            )
            / max(1, len(scored)),
            4,
        )
        for k in range(1, 11)
    }
    extra: dict[str, Any] = {"recall_curve": curve}
    if lat:
        extra |= {"latency_p50_s": quantile_ci(lat, 0.5).value, "latency_p95_s": quantile_ci(lat, 0.95).value}
    return _flat(est, extra)


def answer_summary(items: Sequence[GoldItem], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    pairs = [(i, score_answer_row(i, rows[i.id])) for i in items if i.id in rows]
    ans = [s for i, s in pairs if i.answerable]
    una = [s for i, s in pairs if not i.answerable]
    answered = [s for s in ans if not s["abstained"]]
    cited = sum(s["cited"] for s in ans)
    raw = [rows[i.id] for i, _ in pairs]
    est = {
        "accuracy_lenient": _est([s["lenient"] for s in ans]),
        "accuracy_strict": _est([s["strict"] for s in ans]),
        "false_abstention": _est([s["abstained"] for s in ans]),
        "abstention_accuracy": _est([s["abstained"] for s in una]),
        "citation_recall": _est([s["cit_recall"] for s in answered]),
        "citation_precision": _est([s["cit_precision"] for s in answered]),
        "ttft_p50_s": quantile_ci([r["ttft_s"] for r in raw if r["ttft_s"]], 0.5),
        "ttft_p95_s": quantile_ci([r["ttft_s"] for r in raw if r["ttft_s"]], 0.95),
        "total_p50_s": quantile_ci([r["total_s"] for r in raw], 0.5),
        "total_p95_s": quantile_ci([r["total_s"] for r in raw], 0.95),
    }
    extra = {"citation_validity": round(sum(s["valid"] for s in ans) / cited, 4) if cited else None}
    return _flat(est, extra)


def breakdown(items: Sequence[GoldItem], rows: dict[str, dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Strict and lenient credit (abstention credit for unanswerable questions) per answer path or question kind."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in items:
        if i.id in rows:
            s = score_answer_row(i, rows[i.id])
            groups[s["path"] if key == "path" else i.type].append(s)
    return {
        g: _flat({"lenient": _est([s["lenient"] for s in v]), "strict": _est([s["strict"] for s in v])})
        for g, v in sorted(groups.items())
    }


def _per_item(items: Sequence[GoldItem], runs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    ans = runs.get("answers", runs.get("conversations", {})).get("rows", {})
    hyb = runs.get("retrieval", {}).get("hybrid", {}).get("rows", {})
    for i in items:
        d: dict[str, Any] = {"question": i.question, "type": i.type, "expected": i.answer}
        if i.id in hyb and i.answerable:
            d["first_rank"] = score_retrieval_row(i, hyb[i.id])["first_rank"]
        if i.id in ans and "answer" not in ans[i.id] and i.answerable:
            d["first_rank"] = score_retrieval_row(i, ans[i.id])["first_rank"]
        elif i.id in ans and "answer" in ans[i.id]:
            s = score_answer_row(i, ans[i.id])
            d |= {k: s[k] for k in ("strict", "lenient", "abstained", "path")}
            d |= {"answer": ans[i.id]["answer"], "citations": ans[i.id]["citations"]}
            d.setdefault("first_rank", s.get("first_rank"))
        out[i.id] = d
    return out


def _conversation_part(convs: Sequence[GoldConversation], run: dict[str, Any]) -> dict[str, Any]:
    turns = [t for c in convs for t in c.turns]
    rows = run["rows"]
    out: dict[str, Any] = {"conversations": len(convs), "turns": len(turns)}
    if turns and "answer" in rows.get(turns[0].id, {}):
        out["answers"] = answer_summary(turns, rows)
        out["by_turn"] = {
            str(n): answer_summary([c.turns[n - 1] for c in convs if len(c.turns) >= n], rows) for n in (1, 2, 3)
        }
    out["retrieval"] = retrieval_summary(turns, rows)
    out["retrieval_by_turn"] = {
        str(n): retrieval_summary([c.turns[n - 1] for c in convs if len(c.turns) >= n], rows) for n in (1, 2, 3)
    }
    return out


def build_report(
    opts: Any, c: Any, items: list[GoldItem], convs: list[GoldConversation], runs: dict[str, Any]
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "gold": opts.gold,
        "conversation_gold": opts.conversations,
        "items": len(items),
        "answerable": sum(i.answerable for i in items),
        "index": c.index.version,
        "embedder": c.index.manifest.embedder,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "definitions": dict(DEFINITIONS),
        "retrieval": {m: retrieval_summary(items, r["rows"]) for m, r in runs["retrieval"].items()},
        "runs": {f"retrieval-{m}": r["identity"] for m, r in runs["retrieval"].items()},
    }
    if "answers" in runs:
        rows = runs["answers"]["rows"]
        report["model"] = runs["answers"]["identity"].get("model")
        report["runs"]["answers"] = runs["answers"]["identity"]
        report["answers"] = answer_summary(items, rows)
        report["by_path"] = breakdown(items, rows, "path")
        report["by_kind"] = breakdown(items, rows, "kind")
        report["latencies"] = {
            k: [round(rows[i.id][k], 3) for i in items if rows[i.id][k]] for k in ("ttft_s", "total_s")
        }
    if "conversations" in runs:
        report["runs"]["conversations"] = runs["conversations"]["identity"]
        if runs["conversations"]["identity"].get("model"):
            report["model"] = runs["conversations"]["identity"]["model"]
        report["conversation"] = _conversation_part(convs, runs["conversations"])
    report["per_item"] = _per_item(items, runs)
    if convs:
        report["per_turn"] = _per_item([t for cv in convs for t in cv.turns], {"conversations": runs["conversations"]})
    return report


def write_report(report: dict[str, Any], out: Path) -> str:
    """report.json, report.md and the plots into `out`; returns the one-screen summary."""
    import json

    (out / "report.json").write_text(json.dumps(report, indent=1))
    (out / "report.md").write_text(markdown(report))
    plots(report, out)
    return summary(report)
