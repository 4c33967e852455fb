"""`cables eval --compare RUN_A RUN_B`: headline figures side by side, then every question whose outcome changed
(credit, abstention, answer path, rank of the first gold paragraph)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_FIELDS = ("lenient", "strict", "abstained", "path", "first_rank")


def _load(run: str) -> dict[str, Any]:
    p = Path(run)
    p = p / "report.json" if p.is_dir() else p
    return json.loads(p.read_text())


def _headline(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    lines = [f"{'figure':<40} {'A':>8} {'B':>8} {'B-A':>8}"]
    blocks: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (f"retrieval {m}", a["retrieval"][m], b["retrieval"][m]) for m in a["retrieval"] if m in b["retrieval"]
    ]
    if "answers" in a and "answers" in b:
        blocks.append(("answers", a["answers"], b["answers"]))
    ca, cb = a.get("conversation", {}), b.get("conversation", {})
    if "answers" in ca and "answers" in cb:
        blocks.append(("conversation answers", ca["answers"], cb["answers"]))
    if "retrieval" in ca and "retrieval" in cb:
        blocks.append(("conversation retrieval", ca["retrieval"], cb["retrieval"]))
    for name, x, y in blocks:
        for k, v in x.items():
            w = y.get(k)
            if isinstance(v, int | float) and isinstance(w, int | float) and not isinstance(v, bool):
                lines.append(f"{name + ' ' + k:<40} {v:>8.3f} {w:>8.3f} {w - v:>+8.3f}")
    return lines


def _changes(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    ia = {**a.get("per_item", {}), **a.get("per_turn", {})}
    ib = {**b.get("per_item", {}), **b.get("per_turn", {})}
    lines, fixed, broken = [], 0, 0
    for iid in sorted(set(ia) & set(ib)):
        x, y = ia[iid], ib[iid]
        diff = [f"{f} {x.get(f)} -> {y.get(f)}" for f in _FIELDS if f in x and f in y and x[f] != y[f]]
        if not diff:
            continue
        if x.get("lenient") is False and y.get("lenient") is True:
            fixed += 1
        if x.get("lenient") is True and y.get("lenient") is False:
            broken += 1
        lines.append(f"{iid} [{x.get('type')}] {x['question'][:90]}")
        lines.append("    " + "; ".join(diff))
        if "answer" in x and "answer" in y and x["answer"] != y["answer"]:
            lines.append(f"    A: {str(x['answer'])[:160]}")
            lines.append(f"    B: {str(y['answer'])[:160]}")
    only = sorted(set(ia) ^ set(ib))
    head = [
        f"\n{len(lines) and sum(1 for s in lines if not s.startswith('    '))} questions changed "
        f"({fixed} now credited, {broken} no longer credited, lenient); {len(only)} in one run only"
    ]
    return head + lines


def compare(run_a: str, run_b: str) -> int:
    a, b = _load(run_a), _load(run_b)
    if a.get("gold") != b.get("gold"):
        print(f"note: different gold files ({a.get('gold')} vs {b.get('gold')})")
    print("\n".join(_headline(a, b) + _changes(a, b)))
    return 0
