"""Thread-following measured: recall of both linked cables' gold paragraphs, with `follow_refs` on and off.

Runs `cables eval --retrieval-only` twice on the same index (CABLES_FOLLOW_REFS=1, then 0) over
eval/sets/thread.jsonl and prints, per part of the set (questions written from the threads; named-REF variants
such as "What did REF A of 07TALLINN375 say ..."), at k = 3, 5, 10: how many questions have a gold paragraph of
*both* cables in the top k (with a bootstrap 95% interval), the share of the two cables covered, and how many have
the referenced cable's gold.

    python eval/bench_threads.py --index /work/idx-new [--retriever hybrid] [--out eval/out/threads]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "sets" / "thread.jsonl"
KS = (3, 5, 10)


def covered(item: dict, hits: list[str], k: int) -> list[bool]:
    """Per support entry (citing cable, referenced cable): is one of its gold paragraphs in the top k?"""
    return [any(h in {f"{s['cable_id']} ¶{p}" for p in s["paragraphs"]} for h in hits[:k]) for s in item["support"]]


def interval(xs: list[float], n: int = 2000, seed: int = 1) -> tuple[float, float]:
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(xs) for _ in xs) / len(xs) for _ in range(n))
    return means[int(0.025 * n)], means[int(0.975 * n)]


def run(index: str, retriever: str, out: Path, follow: bool) -> list[dict]:
    folder = out / ("on" if follow else "off")
    env = {**os.environ, "CABLES_FOLLOW_REFS": "1" if follow else "0"}
    cmd = [sys.executable, "-m", "rag.cli", "--index", index, "eval", "--gold", str(GOLD), "--retrieval-only"]
    subprocess.run([*cmd, "--retriever", retriever, "--out", str(folder), "--quiet"], check=True, env=env, cwd=ROOT)
    path = next(folder.glob(f"retrieval-{retriever}-*.jsonl"))
    return [json.loads(line) for line in path.read_text().splitlines()]


def report(name: str, rows: list[dict], gold: dict[str, dict]) -> None:
    for k in KS:
        cov = [covered(gold[r["id"]], r["hits"], k) for r in rows]
        both = [float(all(c)) for c in cov]
        lo, hi = interval(both)
        share = sum(sum(c) / len(c) for c in cov) / len(cov)
        ref = sum(c[-1] for c in cov)
        print(f"  {name:4s} @{k:<2d} both {int(sum(both)):2d}/{len(rows)} = {sum(both) / len(rows):.2f} "
              f"[{lo:.2f}, {hi:.2f}]   cables covered {share:.3f}   referenced {ref}/{len(rows)}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--retriever", default="hybrid", choices=["hybrid", "dense", "bm25"])
    ap.add_argument("--out", default=str(ROOT / "eval" / "out" / "threads"))
    args = ap.parse_args()
    gold = {d["id"]: d for d in map(json.loads, GOLD.read_text().splitlines())}
    runs = {follow: run(args.index, args.retriever, Path(args.out), follow) for follow in (True, False)}
    for part, keep in (
        ("written", lambda d: "variant_of" not in d),
        ("named-REF variants", lambda d: "variant_of" in d),
    ):
        print(f"{part} ({sum(keep(d) for d in gold.values())} questions), retriever {args.retriever}:")
        for follow, rows in runs.items():
            report("on" if follow else "off", [r for r in rows if keep(gold[r["id"]])], gold)


if __name__ == "__main__":
    main()
