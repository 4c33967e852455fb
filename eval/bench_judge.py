"""Benchmark: what the entailment judge costs, on the default model.

For each question (answerable dev questions; latency only, nothing here is scored or tuned):
1. the whole answer with the judge off (`Settings.judge = "none"`): the "before" latency;
2. the whole answer with the judge on, timing every judge call made in the answer prompt's frame (KV cache re-used);
3. the same claims judged alone (a prompt of their own, as `cables check` does): the cost without the shared prefix.
Prints medians, 95th percentiles and ratios. Label figures taken on a busy machine as such.

    .venv/bin/python eval/bench_judge.py --index /path/to/index [--n 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.backends.loaders import load_llm  # noqa: E402
from rag.check.judge import Claim, Frame, Judge  # noqa: E402
from rag.components import make_judge, open_answerer, open_components  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.settings import Settings  # noqa: E402


@dataclass
class TimedJudge:
    inner: Judge
    name: str = "timed"
    calls: list[tuple[float, bool, Claim]] = field(default_factory=list)

    def entails(self, claim: Claim, frame: Frame | None = None) -> bool:
        t = time.perf_counter()
        ok = self.inner.entails(claim, frame)
        self.calls.append((time.perf_counter() - t, frame is not None, claim))
        return ok


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def line(name: str, xs: list[float]) -> str:
    return f"{name}: n {len(xs)}, median {statistics.median(xs):.2f}s, p95 {pct(xs, 0.95):.2f}s" if xs else name


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--index", required=True)
    p.add_argument("--n", type=int, default=8)
    args = p.parse_args()
    settings = Settings.from_env(index_dir=args.index)
    items = [i for i in load_gold(Path(__file__).parent / "dev_qa.jsonl") if i.answerable and i.type != "metadata"]
    items = items[: args.n]
    comps = open_components(settings)
    llm = load_llm(settings)
    off = open_answerer(settings.replace(judge="none"), llm=llm, components=comps)
    on = open_answerer(settings, llm=llm, components=comps)
    judge = make_judge(settings, lambda: llm)
    assert judge is not None
    timed = TimedJudge(judge)
    on.gate = on.gate.with_judge(timed)
    off.ask(items[0].question)  # warm the model and the system prompt's KV
    before, after, ttft_b, ttft_a = [], [], [], []
    for it in items:
        a = off.ask(it.question)
        before.append(a.timing.total_s)
        ttft_b.append(a.timing.ttft_s)
        b = on.ask(it.question)
        after.append(b.timing.total_s)
        ttft_a.append(b.timing.ttft_s)
        print(f"{it.id}: judge off {a.timing.total_s:.1f}s, on {b.timing.total_s:.1f}s", file=sys.stderr, flush=True)
    framed = [t for t, f, _ in timed.calls if f]
    alone = []
    for _, f, claim in list(timed.calls):
        if f:
            t = time.perf_counter()
            judge.entails(claim, None)
            alone.append(time.perf_counter() - t)
    print(f"{len(items)} dev questions, model {settings.llm}, {settings.n_threads or 'all'} threads")
    print(line("judge call in the answer prompt's frame (KV re-used)", framed))
    print(line("the same claims judged alone (own prompt)", alone))
    if framed and alone:
        print(f"ratio alone / framed (medians): {statistics.median(alone) / statistics.median(framed):.1f}x")
    print(line("whole answer, judge off (before)", before) + "; " + line("time to first token", ttft_b))
    print(line("whole answer, judge on (after)", after) + "; " + line("time to first token", ttft_a))
    print(f"ratio after / before (medians): {statistics.median(after) / statistics.median(before):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
