"""A report as a one-screen summary, as Markdown, and as PNG plots."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

_RET = ("recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "full_recall@3", "full_recall@10")
_ANS = (
    "accuracy_lenient",
    "accuracy_strict",
    "false_abstention",
    "abstention_accuracy",
    "citation_recall",
    "citation_precision",
    "ttft_p50_s",
    "ttft_p95_s",
    "total_p50_s",
    "total_p95_s",
)


def fmt(block: dict[str, Any], key: str) -> str:
    """`0.853 [0.78, 0.92] n=68`, or `-` when the figure rests on no question."""
    v = block.get(key)
    if v is None:
        return "-"
    lo, hi = block.get("ci95", {}).get(key, [None, None])
    n = block.get("n", {}).get(key)
    spread = f" [{lo:.2f}, {hi:.2f}]" if lo is not None and hi is not None else ""
    return f"{v:.3f}{spread}" + (f" n={n}" if n is not None else "")


def summary(r: dict[str, Any]) -> str:
    lines = []
    for mode, m in r["retrieval"].items():
        lines.append(f"retrieval {mode}: " + ", ".join(f"{k} {fmt(m, k)}" for k in ("recall@1", "recall@3", "mrr@10")))
    if "answers" in r:
        a = r["answers"]
        lines.append(f"answers ({r.get('model')}): " + ", ".join(f"{k} {fmt(a, k)}" for k in _ANS[:6]))
        lines.append("  " + ", ".join(f"{k} {fmt(a, k)}" for k in _ANS[6:]))
        lines.append("  by path: " + ", ".join(f"{p} {fmt(v, 'lenient')}" for p, v in r["by_path"].items()))
        lines.append(
            "  by kind: "
            + ", ".join(f"{t} {v['lenient']:.2f} (n={v['n']['lenient']})" for t, v in r["by_kind"].items())
        )
    conv = r.get("conversation")
    if conv:
        rt = conv["retrieval"]
        lines.append(
            f"conversations ({conv['conversations']}, {conv['turns']} turns): retrieval recall@3 "
            f"{fmt(rt, 'recall@3')}, mrr@10 {fmt(rt, 'mrr@10')}"
        )
        if "answers" in conv:
            lines.append(
                "  answers: " + ", ".join(f"turn {n} {fmt(v, 'accuracy_lenient')}" for n, v in conv["by_turn"].items())
            )
    return "\n".join(lines)


def _table(title: str, rows: dict[str, dict[str, Any]], keys: tuple[str, ...]) -> list[str]:
    out = [f"\n## {title}\n", "| | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    out += [f"| {name} | " + " | ".join(fmt(block, k) for k in keys) + " |" for name, block in rows.items()]
    return out


def _esc(s: object) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def markdown(r: dict[str, Any]) -> str:
    md = [
        f"# Evaluation report\n\nGold: `{r['gold']}` ({r['items']} items, {r['answerable']} answerable); "
        f"conversations: `{r.get('conversation_gold')}`; index `{r['index']}`; embedder `{r['embedder']}`; model "
        f"`{r.get('model', '-')}`; {r['created']}. Figures: value [95% bootstrap interval] n=questions.\n"
    ]
    md += _table("Retrieval", r["retrieval"], _RET)
    if "answers" in r:
        md += _table("Answers", {"all": r["answers"]}, _ANS)
        md += _table("By answer path", r["by_path"], ("lenient", "strict"))
        md += _table("By question kind", r["by_kind"], ("lenient", "strict"))
    conv = r.get("conversation")
    if conv:
        md += _table("Conversations: retrieval by turn", conv["retrieval_by_turn"], ("recall@1", "recall@3", "mrr@10"))
        if "answers" in conv:
            md += _table("Conversations: answers by turn", conv["by_turn"], _ANS[:6])
    md += [
        "\n## Items\n",
        "| id | type | question | expected | answer | citations | strict | lenient | rank |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for iid, it in {**r["per_item"], **r.get("per_turn", {})}.items():
        md.append(
            f"| {iid} | {it['type']} | {_esc(it['question'])} | {_esc(it['expected'])} | {_esc(it.get('answer', '-'))}"
            f" | {_esc(', '.join(it.get('citations', [])) or '-')} | {it.get('strict', '-')} | {it.get('lenient', '-')}"
            f" | {it.get('first_rank', '-')} |"
        )
    md += ["\n## Definitions\n"] + [f"- **{k}**: {v}" for k, v in r["definitions"].items()]
    return "\n".join(md) + "\n"


def plots(r: dict[str, Any], out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no plots)", file=sys.stderr)
        return
    if r["retrieval"]:
        fig, ax = plt.subplots(figsize=(6, 4))
        for mode, m in r["retrieval"].items():
            ks = sorted(int(k) for k in m["recall_curve"])
            ax.plot(
                ks, [m["recall_curve"][k if k in m["recall_curve"] else str(k)] for k in ks], marker="o", label=mode
            )
        ax.set(xlabel="k", ylabel="recall@k", ylim=(0, 1.02), title="Retrieval recall@k")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "recall_at_k.png")
        plt.close(fig)
    lat = r.get("latencies")
    if lat:
        fig, ax = plt.subplots(figsize=(6, 4))
        for key, label in (("ttft_s", "time to first token"), ("total_s", "whole answer")):
            if lat.get(key):
                ax.hist(lat[key], bins=15, alpha=0.6, label=label)
        ax.set(xlabel="seconds", ylabel="questions", title="Answer latency")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "latency.png")
        plt.close(fig)
    if "by_kind" in r:
        fig, ax = plt.subplots(figsize=(7, 4))
        kinds = list(r["by_kind"])
        ax.bar(kinds, [r["by_kind"][t]["lenient"] for t in kinds], label="lenient")
        ax.bar(kinds, [r["by_kind"][t]["strict"] for t in kinds], width=0.4, label="strict")
        ax.set(ylim=(0, 1), ylabel="accuracy", title="Answer accuracy by question kind")
        ax.legend()
        plt.xticks(rotation=30, ha="right")
        fig.tight_layout()
        fig.savefig(out / "accuracy_by_type.png")
        plt.close(fig)
