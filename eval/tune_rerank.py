"""Fit the retrieval settings (fusion weights and the re-ranker's feature weights) on the tuning question sets, by
coordinate ascent on early precision: objective = weighted mean over the sets of (MRR@10 + recall@3).

Only eval/sets/tune.jsonl and tune-plain.jsonl are used to choose values; --heldout prints the chosen settings'
figures on the held-out sets (look once, at the end). The question embeddings are computed once per run.

    python eval/tune_rerank.py --index /work/idx-base [--rounds 2] [--heldout]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.backends.guard import real_models  # noqa: E402
from rag.backends.loaders import load_embedder  # noqa: E402
from rag.eval.gold import GoldItem, load_gold  # noqa: E402
from rag.eval.metrics import score_retrieval  # noqa: E402
from rag.index.reader import Index  # noqa: E402
from rag.retrieve.fusion import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402

SETS = {"tune": 2.0, "tune-plain": 1.0}  # set -> weight in the objective (plain questions' gold is less complete)
HELDOUT = ("heldout", "heldout-plain")
GRID = {
    "dense_weight": (0.1, 0.2, 0.3, 0.5, 0.8),
    "rrf_k": (10, 20, 40),
    "rerank_pool": (20, 40, 60),
    "rerank_fused": (0.5, 1.0, 2.0, 3.0),
    "rerank_bm25": (-0.5, 0.0, 0.5, 1.0),
    "rerank_dense": (0.0, 1.0, 2.0, 3.0, 4.0),
    "rerank_cover": (0.0, 0.5, 1.0, 2.0),
    "rerank_near": (0.0, 0.5, 1.0, 2.0),
    "rerank_kind": (0.0, 0.25, 0.5, 1.0),
    "rerank_header": (0.0, -0.5, -1.0, -2.0, -3.0),
}


class CachedEmbedder:
    """The real embedder's vectors for a fixed list of questions, computed once."""

    def __init__(self, real: object, texts: list[str]) -> None:
        self.name = real.name  # type: ignore[attr-defined]
        vecs = real.embed_batch(texts)  # type: ignore[attr-defined]
        self.cache = {t: v for t, v in zip(texts, vecs, strict=True)}

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.cache[t] for t in texts])


class CachedIndex:
    """Dense and BM25 rankings depend only on the question, not on the settings tuned here: computed once."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.cache: dict[tuple[str, str, int], tuple[np.ndarray, np.ndarray]] = {}

    def __getattr__(self, name: str) -> object:
        return getattr(self.index, name)

    def _cached(self, kind: str, key: str, k: int, allowed: list[Any] | None, run: Callable[[], Any]) -> Any:
        if allowed is not None and any(m is not None for m in allowed):
            return run()
        if (kind, key, k) not in self.cache:
            self.cache[(kind, key, k)] = run()
        return self.cache[(kind, key, k)]

    def search_dense(self, q: np.ndarray, k: int, allowed: list[Any] | None = None) -> Any:
        return self._cached("dense", q.tobytes().hex(), k, allowed, lambda: self.index.search_dense(q, k, allowed))

    def search_lexical(self, tokens: list[str], k: int, allowed: list[Any] | None = None) -> Any:
        run = lambda: self.index.search_lexical(tokens, k, allowed)  # noqa: E731
        return self._cached("bm25", " ".join(tokens), k, allowed, run)


def metrics(r: Retriever, items: list[GoldItem]) -> dict[str, float]:
    rows = [score_retrieval(i, [h.ref for h in r.search(i.question, k=10).hits], (1, 3, 5, 10)) for i in items]
    return {
        "R@1": float(np.mean([x.recall_at[1] for x in rows])),
        "R@3": float(np.mean([x.recall_at[3] for x in rows])),
        "R@10": float(np.mean([x.recall_at[10] for x in rows])),
        "MRR@10": float(np.mean([x.mrr_10 for x in rows])),
    }


def objective(index: CachedIndex, emb: CachedEmbedder, s: Settings, sets: dict[str, list[GoldItem]]) -> float:
    r = Retriever(index, emb, s)  # type: ignore[arg-type]
    total = sum(SETS.values())
    return sum(w * sum(metrics(r, sets[n])[m] for m in ("MRR@10", "R@3")) for n, w in SETS.items()) / total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--heldout", action="store_true", help="print the chosen settings' figures on held-out sets")
    args = ap.parse_args()
    base = Settings.from_env(index_dir=args.index)
    index = CachedIndex(Index.load(base))
    names = list(SETS) + (list(HELDOUT) if args.heldout else [])
    sets = {n: [i for i in load_gold(ROOT / "eval" / "sets" / f"{n}.jsonl") if i.answerable] for n in names}
    with real_models():
        emb = CachedEmbedder(load_embedder(base), sorted({i.question for v in sets.values() for i in v}))
    s, t0 = base, time.perf_counter()
    best = objective(index, emb, s, sets)
    print(f"start {best:.4f}", flush=True)
    for rnd in range(args.rounds):
        for name, values in GRID.items():
            for v in values:
                o = objective(index, emb, s.replace(**{name: v}), sets)
                if o > best + 1e-9:
                    best, s = o, s.replace(**{name: v})
                    print(f"round {rnd + 1}: {name}={v} -> {best:.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    print("\nchosen:", {k: getattr(s, k) for k in GRID})
    r = Retriever(index, emb, s)  # type: ignore[arg-type]
    for n, items in sets.items():
        m = metrics(r, items)
        print(f"{n:<14} n={len(items):<3} " + "  ".join(f"{k} {v:.3f}" for k, v in m.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
