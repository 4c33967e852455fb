"""IVF against exact search on an index with real vectors: recall@10 of the IVF segment's answers against exact
inner-product search over the same vectors, for real questions (not passage vectors, which the build-time
calibration uses), at the nprobe recorded in the manifest and at a sweep of others, with latency.

    python eval/bench_ivf.py --index IDX [--nprobe 1,2,4,8,16,32,64]

Questions: the dev set and every question of eval/sets (tune, held-out, thread, near-miss, relevance). Prints
mean recall@10 with a 95% bootstrap interval over questions, and the median and p95 search time per question.
Real embedder; nothing here is used by the product.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.backends.embedder import embed_query  # noqa: E402
from rag.backends.loaders import load_embedder  # noqa: E402
from rag.index.dense import exact_neighbours  # noqa: E402
from rag.index.reader import Index  # noqa: E402
from rag.settings import Settings  # noqa: E402

SETS = ["dev_qa.jsonl", *(f"sets/{n}.jsonl" for n in ("tune", "heldout", "thread", "near_miss", "relevance"))]


def questions() -> list[str]:
    out: list[str] = []
    for name in SETS:
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and "question" in (row := json.loads(line)):
                out.append(row["question"])
    return sorted(set(out))


def bootstrap(values: list[float], runs: int = 2000) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    arr = np.asarray(values)
    means = arr[rng.integers(0, len(arr), size=(runs, len(arr)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", required=True)
    p.add_argument("--nprobe", default="1,2,4,8,16,32,64")
    p.add_argument("--out")
    a = p.parse_args()
    s = Settings.from_env(index_dir=a.index)
    index = Index.load(s)
    segs = [g for g in index.segments if g.dense.ivf is not None]
    if not segs:
        print(f"{a.index}: no IVF segment (merge with CABLES_DENSE_INDEX=ivf)", file=sys.stderr)
        return 2
    seg = max(segs, key=lambda g: g.dense.n)
    dense = seg.dense
    emb = load_embedder(s)
    qs = questions()
    qv = np.stack([embed_query(emb, q) for q in qs]).astype(np.float32)
    truth = exact_neighbours(dense.vectors, qv, 10)
    chosen = dense.nprobe
    rows = []
    for nprobe in sorted({chosen, *(int(x) for x in a.nprobe.split(","))}):
        dense.nprobe = nprobe
        recalls, ms = [], []
        for i in range(len(qs)):
            t = time.perf_counter()
            _, got = dense.search(qv[i], 10, None)
            ms.append((time.perf_counter() - t) * 1000)
            recalls.append(len(set(got.tolist()) & set(truth[i].tolist())) / 10)
        ms.sort()
        lo, hi = bootstrap(recalls)
        row = {"nprobe": nprobe, "chosen": nprobe == chosen, "recall_at_10": statistics.mean(recalls),
               "ci95": [lo, hi], "p50_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * len(ms)) - 1]}  # fmt: skip
        rows.append(row)
        mark = "  <- chosen at build time" if row["chosen"] else ""
        print(f"nprobe {nprobe:4d}: recall@10 {row['recall_at_10']:.3f} [{lo:.3f}, {hi:.3f}]  "
              f"p50 {row['p50_ms']:.1f} ms  p95 {row['p95_ms']:.1f} ms{mark}")  # fmt: skip
    info = {"index": a.index, "passages": dense.n, "kind": dense.kind, "questions": len(qs),
            "build_recall_passage_queries": seg.info.ivf_recall,
            "rows": rows}  # fmt: skip
    print(f"{dense.n} vectors, {dense.kind}, {len(qs)} real questions; the build-time calibration (passage vectors "
          f"as queries) measured recall {info['build_recall_passage_queries']:.3f} at nprobe {chosen}")  # fmt: skip
    if a.out:
        Path(a.out).write_text(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
