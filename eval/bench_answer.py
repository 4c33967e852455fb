"""Benchmark: answer latency (time to first token, whole answer) per model on dev questions.

    .venv/bin/python eval/bench_answer.py --models qwen-0.5b,qwen-1.5b --n 12

Prints medians and 95th percentiles; the first question of each model (cold KV cache) is reported apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.components import open_answerer, open_components  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.settings import Settings  # noqa: E402


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="qwen-0.5b")
    p.add_argument("--n", type=int, default=12)
    args = p.parse_args()
    settings = Settings.from_env()
    items = [i for i in load_gold(Path(__file__).parent / "dev_qa.jsonl") if i.answerable and i.type != "metadata"]
    items = items[: args.n]
    pipe = open_components(settings)
    for model in args.models.split(","):
        t = time.perf_counter()
        answerer = open_answerer(settings.replace(llm=model), components=pipe)
        load_s = time.perf_counter() - t
        ttft, total, retrieve = [], [], []
        for it in items:
            a = answerer.ask(it.question)
            ttft.append(a.timing.ttft_s)
            total.append(a.timing.total_s)
            retrieve.append(a.timing.retrieve_s)
        print(
            f"{model}: load {load_s:.1f}s; first question ttft {ttft[0]:.1f}s; over {len(items)} questions "
            f"ttft p50 {statistics.median(ttft):.1f}s p95 {pct(ttft, 0.95):.1f}s, total p50 "
            f"{statistics.median(total):.1f}s p95 {pct(total, 0.95):.1f}s, retrieval p50 "
            f"{statistics.median(retrieve) * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
