"""Abstention on unanswerable questions and false abstention on answerable ones, with the real pipeline (retrieval,
the default model, the verification gate and its judge), plus which path produced each shown answer (model sentence,
quote, metadata). Rows are written to --out as they finish; a re-run skips questions already there.

    .venv/bin/python eval/run_abstention.py --index /path/to/sample-index --gold eval/sets/near_miss.jsonl \\
        --out eval/out/near_miss.jsonl [--gold eval/dev_qa.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.components import open_answerer  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.present.text import answer_text  # noqa: E402
from rag.settings import Settings  # noqa: E402


def share(xs: list[int], rng: random.Random) -> str:
    if not xs:
        return "n/a"
    means = sorted(sum(rng.choices(xs, k=len(xs))) / len(xs) for _ in range(2000))
    return f"{sum(xs)}/{len(xs)} = {sum(xs) / len(xs):.3f} [95% bootstrap {means[50]:.3f}, {means[1949]:.3f}]"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--index", required=True)
    p.add_argument("--gold", action="append", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--limit", type=int, default=0)
    args = p.parse_args()
    settings = Settings.from_env(index_dir=args.index)
    items = [i for g in args.gold for i in load_gold(g)]
    if args.limit:
        items = items[: args.limit]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done: dict[str, dict[str, Any]] = (
        {json.loads(x)["id"]: json.loads(x) for x in out.read_text().splitlines()} if out.exists() else {}
    )
    answerer = None
    with open(out, "a") as f:
        for n, it in enumerate(items, 1):
            if it.id in done:
                continue
            answerer = answerer or open_answerer(settings)
            a = answerer.ask(it.question)
            row: dict[str, Any] = {
                "id": it.id,
                "answerable": it.answerable,
                "abstained": a.abstained,
                "answer": answer_text(a),
                "verdicts": [s.verdict for s in a.sentences],
                "origins": [s.origin for s in a.sentences if s.verdict == "supported"],
                "cited": [str(c.ref) for c in a.citations if c.ref],
                "gold": [f"{s.cable_id} ¶{x}" for s in it.support for x in s.paragraphs],
                "ttft_s": round(a.timing.ttft_s, 2),
                "total_s": round(a.timing.total_s, 2),
            }
            done[it.id] = row
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            print(
                f"{n}/{len(items)} {it.id} abstained={a.abstained} {row['total_s']}s {row['answer'][:100]}",
                file=sys.stderr,
                flush=True,
            )
    rows = [done[i.id] for i in items if i.id in done]
    rng = random.Random(0)
    un = [int(r["abstained"]) for r in rows if not r["answerable"]]
    ans = [int(r["abstained"]) for r in rows if r["answerable"]]
    print(f"{len(rows)} questions ({', '.join(args.gold)}), judge {settings.judge}, model {settings.llm}")
    print(f"abstention on unanswerable: {share(un, rng)}")
    print(f"false abstention on answerable: {share(ans, rng)}")
    paths = Counter(o for r in rows if not r["abstained"] for o in set(r["origins"]))
    print(f"shown answers by path (supported sentences' origin): {dict(paths)}")
    tot = [r["total_s"] for r in rows]
    print(f"whole answer p50 {statistics.median(tot):.1f}s (machine contended unless stated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
