"""Run the verification gate over the adversarial claims set (eval/sets/claims.jsonl, made by make_claims.py) and
report, by kind, true claims accepted and distortions rejected (counts, shares, 95% bootstrap intervals).

A claim is accepted when every sentence of it that carries a citation is `supported`. Rows are written to
--out as they finish (a re-run skips claims already there, for the same judge setting).

    .venv/bin/python eval/run_claims.py --index /path/to/sample-index --split test --out eval/out/claims-test.jsonl
    .venv/bin/python eval/run_claims.py ... --fast          # cheap checks only (Settings.judge = "none")
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.check.judge import Claim, Frame, Judge  # noqa: E402
from rag.components import open_components  # noqa: E402
from rag.settings import Settings  # noqa: E402

SETS = Path(__file__).resolve().parent / "sets"


class Replay:
    """A judge that answers from a previous run's rows where that run asked the judge once about the claim."""

    name = "replay"

    def __init__(self, inner: Judge, path: str) -> None:
        self.inner = inner
        self.current = ""
        self.calls = 0
        self.replayed = 0
        rows = [json.loads(x) for x in Path(path).read_text().splitlines()]
        self.answers = {r["id"]: r["accepted"] for r in rows if r["judge_calls"] == 1 and "judge" in r["basis"]}
        self.answers |= {r["id"]: False for r in rows if r["judge_calls"] == 1 and not r["accepted"]}

    def entails(self, claim: Claim, frame: Frame | None = None) -> bool:
        self.calls += 1
        if self.current in self.answers:
            self.replayed += 1
            return self.answers[self.current]
        return self.inner.entails(claim, frame)


def interval(xs: list[int], rng: random.Random, n: int = 2000) -> tuple[float, float]:
    if not xs:
        return (0.0, 0.0)
    means = sorted(sum(rng.choices(xs, k=len(xs))) / len(xs) for _ in range(n))
    return means[int(0.025 * n)], means[int(0.975 * n) - 1]


def report(rows: list[dict]) -> str:
    rng = random.Random(0)
    by: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        ok = r["accepted"] if r["expect"] == "accept" else not r["accepted"]
        by[r["kind"]].append(int(ok))
        by["ALL true (accepted)" if r["expect"] == "accept" else "ALL distortions (rejected)"].append(int(ok))
    lines = ["kind | right / n | share | 95% bootstrap interval | judged share | median s"]
    for kind in sorted(by, key=lambda k: (k.startswith("ALL"), k)):
        xs = by[kind]
        sub = [
            r
            for r in rows
            if r["kind"] == kind or kind.startswith("ALL") and (r["expect"] == "accept") == ("true" in kind)
        ]
        judged = sum(r["judge_calls"] > 0 for r in sub) / max(1, len(sub))
        secs = sorted(r["seconds"] for r in sub)
        lo, hi = interval(xs, rng)
        lines.append(
            f"{kind} | {sum(xs)}/{len(xs)} | {sum(xs) / len(xs):.3f} | [{lo:.3f}, {hi:.3f}] | {judged:.2f} | "
            f"{secs[len(secs) // 2]:.2f}"
        )
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--index", required=True)
    p.add_argument("--split", default="test", choices=["cal", "test", "all"])
    p.add_argument("--out", required=True)
    p.add_argument("--fast", action="store_true")
    p.add_argument("--kinds", default="")
    p.add_argument("--per-kind", type=int, default=0, help="the first N claims of each kind (0: all)")
    p.add_argument(
        "--replay",
        help="a previous run's rows: where it asked the judge about a claim (one call), re-use that answer instead "
        "of asking again (the cheap filters are re-run with the current code; a claim it never judged is judged)",
    )
    args = p.parse_args()
    settings = Settings.from_env(index_dir=args.index, judge="none" if args.fast else None)
    items = [json.loads(x) for x in (SETS / "claims.jsonl").read_text().splitlines()]
    items = [i for i in items if args.split == "all" or i["split"] == args.split]
    if args.kinds:
        items = [i for i in items if i["kind"] in args.kinds.split(",")]
    if args.per_kind:
        taken: dict[str, int] = defaultdict(int)
        keep = []
        for i in items:
            taken[i["kind"]] += 1
            if taken[i["kind"]] <= args.per_kind:
                keep.append(i)
        items = keep
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {json.loads(x)["id"]: json.loads(x) for x in out.read_text().splitlines()} if out.exists() else {}
    gate = open_components(settings).gate
    if args.replay and gate.judge is not None:
        gate = gate.with_judge(Replay(gate.judge, args.replay))
    judge = gate.judge
    with open(out, "a") as f:
        for n, it in enumerate(items, 1):
            if it["id"] in done:
                continue
            if isinstance(judge, Replay):
                judge.current = it["id"]
            before = getattr(judge, "calls", 0)
            t = time.perf_counter()
            rep = gate.check_text(it["claim"])
            cited = [s for s in rep.sentences if s.citations]
            row = {
                "id": it["id"],
                "kind": it["kind"],
                "expect": it["expect"],
                "accepted": bool(cited) and all(s.verdict == "supported" for s in cited),
                "verdicts": [s.verdict for s in rep.sentences],
                "basis": [s.basis for s in rep.sentences],
                "scores": [s.score for s in rep.sentences],
                "judge_calls": getattr(judge, "calls", 0) - before,
                "seconds": round(time.perf_counter() - t, 3),
            }
            done[it["id"]] = row
            f.write(json.dumps(row) + "\n")
            f.flush()
            print(f"{n}/{len(items)} {it['id']} {row['accepted']} {row['seconds']}s", file=sys.stderr, flush=True)
    rows = [done[i["id"]] for i in items if i["id"] in done]
    print(f"claims set: {len(rows)} claims ({args.split} split), judge {'off' if args.fast else settings.judge}")
    if isinstance(judge, Replay):
        print(f"judge answers replayed from {args.replay}: {judge.replayed} of {judge.calls} calls this run")
    print(report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
