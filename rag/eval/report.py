"""Eval reports: aggregate metrics (one definition each), report.json, report.md, PNG plots, and comparison of two
runs."""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..ids import ParagraphRef
from .gold import GoldItem

DEFINITIONS = MappingProxyType(
    {
        "recall@k": "share of answerable items with any gold support paragraph among the top k hits",
        "full_recall@10": "share of answerable items whose every support entry has a paragraph in the top 10",
        "mrr@10": "mean reciprocal rank of the first gold paragraph within the top 10 (0 when absent)",
        "accuracy": "answerable items whose normalised gold answer or an alias is contained in the answer "
        "(or >=75% of its content tokens are)",
        "token_recall": "mean share of the gold answer's content tokens found in the answer",
        "abstention_accuracy": "share of unanswerable items on which the system abstained",
        "false_abstention": "share of answerable items on which the system abstained",
        "citation_validity": "share of cited paragraphs that exist and were among the retrieved hits",
        "citation_precision_gold": "share of cited paragraphs that are gold support paragraphs",
        "citation_recall_gold": "share of answerable items with at least one gold paragraph cited",
        "alce_citation_recall": "share of answer sentences judged supported by their citations (checker)",
        "alce_citation_precision": "share of citations that support their sentence (checker)",
    }
)


def _pct(xs: list[float]) -> float:
    return round(sum(xs) / len(xs), 4) if xs else 0.0


def _quantile(xs: list[float], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return round(s[min(len(s) - 1, int(q * len(s)))], 3)


def _hit_ok(item: GoldItem, pid: str) -> bool:
    return item.support_index(ParagraphRef.parse(pid)) is not None


def answer_metrics(items: list[GoldItem], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ans = [rows[i.id] for i in items if i.answerable]
    una = [rows[i.id] for i in items if not i.answerable]
    cited = sum(r["n_cited"] for r in ans)
    alr = [r["alce_recall"] for r in ans if r["alce_recall"] is not None]
    alp = [r["alce_precision"] for r in ans if r["alce_precision"] is not None]
    all_rows = [rows[i.id] for i in items]
    return {
        "accuracy": _pct([float(r["correct"]) for r in ans]),
        "token_recall": _pct([r["token_recall"] for r in ans]),
        "abstention_accuracy": _pct([float(r["abstained"]) for r in una]) if una else None,
        "false_abstention": _pct([float(r["abstained"]) for r in ans]),
        "mean_answer_words": round(statistics.mean(r["words"] for r in ans), 1) if ans else 0,
        "citation_validity": round(sum(r["valid"] for r in ans) / cited, 4) if cited else None,
        "citation_precision_gold": round(sum(r["gold_cited"] for r in ans) / cited, 4) if cited else None,
        "citation_recall_gold": _pct([float(r["any_gold_cited"]) for r in ans]),
        "alce_citation_recall": _pct(alr),
        "alce_citation_precision": _pct(alp),
        "ttft_p50_s": _quantile([r["ttft_s"] for r in all_rows if r["ttft_s"]], 0.5),
        "ttft_p95_s": _quantile([r["ttft_s"] for r in all_rows if r["ttft_s"]], 0.95),
        "total_p50_s": _quantile([r["total_s"] for r in all_rows], 0.5),
        "total_p95_s": _quantile([r["total_s"] for r in all_rows], 0.95),
        "retrieve_p50_s": _quantile([r["retrieve_s"] for r in all_rows], 0.5),
    }


def per_type(items: list[GoldItem], rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[GoldItem]] = defaultdict(list)
    for i in items:
        groups[i.type].append(i)
    return {
        t: {"n": len(g), "accuracy": _pct([float(rows[i.id]["correct"]) for i in g])} for t, g in sorted(groups.items())
    }


def _summary(r: dict[str, Any]) -> str:
    lines = ["retriever  R@1    R@5    R@10   full@10 MRR@10  p50(ms)"]
    for mode, m in r["retrieval"].items():
        lines.append(
            f"{mode:<10} {m['recall@1']:.3f}  {m['recall@5']:.3f}  {m['recall@10']:.3f}  "
            f"{m['full_recall@10']:.3f}   {m['mrr@10']:.3f}   {m['latency_p50_s'] * 1000:.0f}"
        )
    if "answers" in r:
        a = r["answers"]
        lines.append(
            f"answers ({r.get('model')}): accuracy {a['accuracy']:.3f}, abstention "
            f"{a['abstention_accuracy']}, false abstention {a['false_abstention']:.3f}, citation precision "
            f"(gold) {a['citation_precision_gold']}, validity {a['citation_validity']}, "
            f"TTFT p50 {a['ttft_p50_s']}s, total p50 {a['total_p50_s']}s"
        )
        lines.append(
            "per type: " + ", ".join(f"{t} {v['accuracy']:.2f} (n={v['n']})" for t, v in r["per_type"].items())
        )
    return "\n".join(lines)


def _markdown(r: dict[str, Any]) -> str:
    md = [
        f"# Evaluation report\n\nGold: `{r['gold']}` ({r['items']} items); index `{r['index']}`; embedder "
        f"`{r['embedder']}`; model `{r.get('model', '-')}`; {r['created']}.\n",
        "## Retrieval\n",
        "| retriever | R@1 | R@5 | R@10 | full R@10 | MRR@10 | p50 latency | p95 latency |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mode, m in r["retrieval"].items():
        md.append(
            f"| {mode} | {m['recall@1']:.3f} | {m['recall@5']:.3f} | {m['recall@10']:.3f} | "
            f"{m['full_recall@10']:.3f} | {m['mrr@10']:.3f} | {m['latency_p50_s'] * 1000:.0f} ms | "
            f"{m['latency_p95_s'] * 1000:.0f} ms |"
        )
    if "answers" in r:
        md += ["\n## Answers\n", "| metric | value |", "|---|---|"]
        md += [f"| {k} | {v} |" for k, v in r["answers"].items()]
        md += ["\n## Per type\n", "| type | n | accuracy |", "|---|---|---|"]
        md += [f"| {t} | {v['n']} | {v['accuracy']:.2f} |" for t, v in r["per_type"].items()]
    md += [
        "\n## Items\n",
        "| id | type | question | expected | answer | citations | ok |",
        "|---|---|---|---|---|---|---|",
    ]
    for iid, it in r["per_item"].items():
        esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        md.append(
            f"| {iid} | {it['type']} | {esc(it['question'])} | {esc(it['expected'])} | "
            f"{esc(it.get('answer', '-'))} | {esc(', '.join(it.get('citations', [])) or '-')} | "
            f"{'yes' if it.get('correct') else ('no' if 'correct' in it else '-')} |"
        )
    md += ["\n## Definitions\n"] + [f"- **{k}**: {v}" for k, v in r["definitions"].items()]
    return "\n".join(md) + "\n"


def _plots(r: dict[str, Any], out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no plots)", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for mode, m in r["retrieval"].items():
        ks = sorted(int(k) for k in m["recall_curve"])
        ax.plot(ks, [m["recall_curve"][k if k in m["recall_curve"] else str(k)] for k in ks], marker="o", label=mode)
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k")
    ax.set_ylim(0, 1.02)
    ax.legend()
    ax.set_title("Retrieval recall@k")
    fig.tight_layout()
    fig.savefig(out / "recall_at_k.png")
    plt.close(fig)
    lat = r.get("latencies")
    if lat:
        fig, ax = plt.subplots(figsize=(6, 4))
        for key, label in (("ttft_s", "time to first token"), ("total_s", "whole answer")):
            if lat.get(key):
                ax.hist(lat[key], bins=15, alpha=0.6, label=label)
        ax.set_xlabel("seconds")
        ax.set_ylabel("questions")
        ax.legend()
        ax.set_title("Answer latency")
        fig.tight_layout()
        fig.savefig(out / "latency.png")
        plt.close(fig)
    if "per_type" in r:
        fig, ax = plt.subplots(figsize=(7, 4))
        types = list(r["per_type"])
        ax.bar(types, [r["per_type"][t]["accuracy"] for t in types])
        ax.set_ylim(0, 1)
        ax.set_ylabel("accuracy")
        ax.set_title("Answer accuracy by question type")
        plt.xticks(rotation=30, ha="right")
        fig.tight_layout()
        fig.savefig(out / "accuracy_by_type.png")
        plt.close(fig)


def retrieval_metrics(items: list[GoldItem], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    vals = [rows[i.id] for i in items]
    lat = [v["latency_s"] for v in vals]
    return {
        "recall@1": _pct([v["r1"] for v in vals]),
        "recall@5": _pct([v["r5"] for v in vals]),
        "recall@10": _pct([v["r10"] for v in vals]),
        "full_recall@10": _pct([v["full10"] for v in vals]),
        "mrr@10": _pct([v["mrr10"] for v in vals]),
        "latency_p50_s": _quantile(lat, 0.5),
        "latency_p95_s": _quantile(lat, 0.95),
        "recall_curve": {
            k: _pct([float(any(_hit_ok(i, p) for p in rows[i.id]["hits"][:k])) for i in items]) for k in range(1, 11)
        },
    }


def write_report(report: dict[str, Any], out: Path) -> str:
    """report.json, report.md and the plots into `out`; returns the one-screen summary."""
    (out / "report.json").write_text(json.dumps(report, indent=1))
    (out / "report.md").write_text(_markdown(report))
    _plots(report, out)
    return _summary(report)


def compare(old: str, new: str) -> int:
    a = json.loads(Path(old).read_text())
    b = json.loads(Path(new).read_text())
    print(f"{'metric':<36} {'old':>8} {'new':>8} {'delta':>8}")
    for mode in sorted(set(a["retrieval"]) & set(b["retrieval"])):
        for k in ("recall@1", "recall@5", "recall@10", "full_recall@10", "mrr@10"):
            x, y = a["retrieval"][mode][k], b["retrieval"][mode][k]
            print(f"{mode + ' ' + k:<36} {x:>8.3f} {y:>8.3f} {y - x:>+8.3f}")
    for k in sorted(set(a.get("answers", {})) & set(b.get("answers", {}))):
        x, y = a["answers"][k], b["answers"][k]
        if isinstance(x, (int, float)) and isinstance(y, (int, float)):
            print(f"{'answers ' + k:<36} {x:>8.3f} {y:>8.3f} {y - x:>+8.3f}")
    return 0
