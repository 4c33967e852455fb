"""Benchmark: embedding throughput (paragraphs/s) by backend, peak RSS, index size, retrieval latency.

    .venv/bin/python eval/bench_index.py --paragraphs 1500 --runs 3 [--backends torch,onnx] [--recall]
    CABLES_EMBED_DEVICE=cuda .venv/bin/python eval/bench_index.py --backends torch --paragraphs 100000 --runs 3

On a GPU the torch backend runs in fp16 with length-sorted device batches (CABLES_EMBED_BATCH_GPU) fed by
tokenising worker threads (CABLES_EMBED_WORKERS); the output projects the full release (~4M passages).

Prints medians over runs and the ratio to the 17.8 paragraphs/s torch fp32 baseline measured on 2 cores.
`--recall` also compares dense retrieval recall@10 of the two backends on the dev gold set over an index of
the gold cables plus distractors (same passages, each backend's own vectors).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.backends.embedder import embed_all, embed_query
from rag.backends.loaders import load_embedder  # noqa: E402
from rag.ids import ParagraphRef  # noqa: E402
from rag.ingest.parse import iter_cables  # noqa: E402
from rag.ingest.passages import embed_text, passages_for  # noqa: E402
from rag.records import Cable  # noqa: E402
from rag.settings import Settings  # noqa: E402

BASELINE = 17.8
SAMPLE = Path(__file__).resolve().parent.parent / "corpus" / "wikileaks-html.tar.xz"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dense_recall(cables: list[Cable], settings: Settings, backends: list[str]) -> None:
    """Dense-only recall@10 on the dev gold set, over the gold cables plus 300 distractors, per backend."""
    from rag.eval.gold import load_gold
    from rag.eval.metrics import score_retrieval

    items = [i for i in load_gold(Path(__file__).parent / "dev_qa.jsonl") if i.answerable]
    gold_ids = {s.cable_id for i in items for s in i.support}
    rng = np.random.default_rng(1)
    others = [c for c in cables if c.id not in gold_ids]
    pool = [c for c in cables if c.id in gold_ids] + [others[i] for i in rng.permutation(len(others))[:300]]
    passages = [ps for c in pool for ps in passages_for(c, settings)]
    texts = [embed_text(ps, settings.embed_context) for ps in passages]
    for backend in backends:
        emb = load_embedder(settings.replace(embed_backend=backend))
        vecs = embed_all(emb, texts, settings.embed_batch)
        recalls = []
        for it in items:
            scores = vecs @ embed_query(emb, it.question)
            ranked: list[ParagraphRef] = []
            for row in np.argsort(-scores):
                ref = ParagraphRef.of(passages[row].cable_id, passages[row].num)
                if ref not in ranked:
                    ranked.append(ref)
                if len(ranked) == 10:
                    break
            recalls.append(score_retrieval(it, ranked).recall_at[10])
        print(
            f"{backend:>6}: dense recall@10 {statistics.mean(recalls):.3f} on {len(items)} dev questions "
            f"({len(passages)} passages: gold cables + 300 distractors)"
        )


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--paragraphs", type=int, default=1500)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--backends", default="torch,onnx")
    p.add_argument("--recall", action="store_true")
    p.add_argument("--index", help="an index folder to report size and retrieval latency for")
    args = p.parse_args()
    settings = Settings.from_env()
    t = time.time()
    cables = [c for c in iter_cables([SAMPLE]) if isinstance(c, Cable)]
    print(
        f"parsed {len(cables)} cables in {time.time() - t:.1f}s "
        f"({len(cables) / (time.time() - t):.0f} cables/s, {sum(len(c.paragraphs) for c in cables)} paragraphs)"
    )
    # a fixed, representative slice: every k-th cable until enough paragraphs
    rng = np.random.default_rng(0)
    order = rng.permutation(len(cables))
    chosen, n_par = [], 0
    for i in order:
        chosen.append(cables[i])
        n_par += len(cables[i].paragraphs)
        if n_par >= args.paragraphs:
            break
    passages = [ps for c in chosen for ps in passages_for(c, settings)]
    texts = [embed_text(ps, settings.embed_context) for ps in passages]
    print(f"benchmark slice: {len(chosen)} cables, {n_par} paragraphs, {len(texts)} passages (windows)")
    results = {}
    for backend in args.backends.split(","):
        emb = load_embedder(settings.replace(embed_backend=backend))
        embed_all(emb, texts[:32], settings.embed_batch)  # warm-up
        rates = []
        for _ in range(args.runs):
            t = time.perf_counter()
            embed_all(emb, texts, settings.embed_batch)
            rates.append(n_par / (time.perf_counter() - t))
        med = statistics.median(rates)
        results[backend] = med
        print(
            f"{backend:>6}: {med:6.1f} paragraphs/s (median of {args.runs}; "
            f"{med * len(texts) / n_par:.1f} passages/s), {med / BASELINE:.2f}x the {BASELINE} p/s baseline, "
            f"peak RSS {rss_mb():.0f} MB"
        )
    if "torch" in results and "onnx" in results:
        print(f"onnx/torch speed ratio: {results['onnx'] / results['torch']:.2f}x")
    print(
        f"time to embed the sample's 13,567 paragraphs at the best rate: {13567 / max(results.values()) / 60:.1f} min"
    )
    best = max(results.values()) * len(texts) / n_par
    print(f"projected for the full release (~4,000,000 passages) at {best:,.0f} passages/s: {4e6 / best / 60:.1f} min")
    if args.recall:
        dense_recall(cables, settings, args.backends.split(","))
    if args.index:
        from rag.index.reader import Index
        from rag.retrieve.fusion import Retriever

        idx = Index.load(settings.replace(index_dir=args.index), verify=False)
        size = sum(f.stat().st_size for f in idx.folder.rglob("*") if f.is_file())
        print(f"index {idx.folder}: {size / 2**20:.1f} MB on disk, {idx.manifest.passage_count} passages")
        r = Retriever(idx, load_embedder(settings), settings)
        qs = [line for line in (Path(__file__).parent / "dev_qa.jsonl").read_text().splitlines() if line]
        import json

        lat = []
        for q in qs:
            t = time.perf_counter()
            r.search(json.loads(q)["question"])
            lat.append(time.perf_counter() - t)
        lat.sort()
        print(
            f"retrieval latency over {len(lat)} questions: p50 {lat[len(lat) // 2] * 1000:.0f} ms, "
            f"p95 {lat[int(0.95 * len(lat))] * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
