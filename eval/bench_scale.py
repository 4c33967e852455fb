"""Scale benchmark: streaming CSV parse of synthetic cables, and FAISS exact vs IVF-SQ8 at large sizes.

    .venv/bin/python eval/bench_scale.py --cables 10000 --passages 100000,250000 [--index index/default]

Synthetic cables come from eval/make_csv.py (sentences of real paragraphs mixed, new IDs, flagged
SYNTHETIC); nothing is written outside a temporary folder. Vectors beyond the real index's are real
passage vectors plus small Gaussian noise (renormalised), so neighbourhoods stay realistic.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.index.dense import Dense  # noqa: E402
from rag.index.reader import Index  # noqa: E402
from rag.ingest.parse import iter_cables  # noqa: E402
from rag.records import Cable  # noqa: E402
from rag.settings import Settings  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_parse(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "synthetic.csv"
        t = time.time()
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "eval" / "make_csv.py"),
                str(ROOT / "corpus" / "wikileaks-html.tar.xz"),
                "-o",
                str(csv),
                "--synthetic",
                str(n),
            ],
            check=True,
        )
        gen = time.time() - t
        before = rss_mb()
        t = time.time()
        count = paras = errors = 0
        for r in iter_cables([csv]):
            if isinstance(r, Cable):
                count += 1
                paras += len(r.paragraphs)
            else:
                errors += 1
        dt = time.time() - t
        print(
            f"parse {n} synthetic cables ({csv.stat().st_size / 2**20:.0f} MB CSV, generated in {gen:.0f}s): "
            f"{count / dt:.0f} cables/s, {paras} paragraphs, {errors} errors, peak RSS {rss_mb():.0f} MB "
            f"(+{rss_mb() - before:.0f} MB while streaming)"
        )


def bench_faiss(base: np.ndarray, sizes: list[int], settings: Settings) -> None:
    import faiss

    rng = np.random.default_rng(0)
    print("passages | kind | build s | disk MB | query p50 ms | p95 ms | recall@10 vs exact")
    for n in sizes:
        reps = int(np.ceil(n / len(base)))
        vecs = np.concatenate(
            [base + (0 if i == 0 else rng.normal(0, 0.03, base.shape).astype(np.float32)) for i in range(reps)]
        )[:n]
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        queries = vecs[rng.choice(n, 200, replace=False)] + rng.normal(0, 0.05, (200, vecs.shape[1])).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        exact = faiss.IndexFlatIP(vecs.shape[1])
        exact.add(vecs)
        truth = exact.search(queries, 10)[1]
        with tempfile.TemporaryDirectory() as tmp:
            for kind in ("flat", "ivf"):
                t = time.time()
                d = Dense.build(vecs, settings.replace(dense_index=kind))
                build = time.time() - t
                folder = Path(tmp) / kind
                folder.mkdir()
                path = folder / "dense.faiss"
                d.save(path)
                np.save(folder / "vectors.npy", vecs)
                loaded = Dense.load(folder, d.kind, settings.ivf_nprobe)
                lat, hits = [], 0
                for qi, q in enumerate(queries):
                    t = time.perf_counter()
                    _, rows = loaded.search(q, 10)
                    lat.append((time.perf_counter() - t) * 1000)
                    hits += len(set(rows.tolist()) & set(truth[qi].tolist()))
                lat.sort()
                print(
                    f"{n:8d} | {d.kind:>12} | {build:7.1f} | {path.stat().st_size / 2**20:7.0f} | "
                    f"{statistics.median(lat):12.1f} | {lat[int(0.95 * len(lat))]:6.1f} | "
                    f"{hits / (10 * len(queries)):.3f}"
                )


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--cables", type=int, default=10000)
    p.add_argument("--passages", default="100000,250000")
    p.add_argument("--index", help="real index whose vectors seed the FAISS benchmark")
    args = p.parse_args()
    settings = Settings.from_env(index_dir=args.index)
    if args.cables:
        bench_parse(args.cables)
    base = np.asarray(Index.load(settings, verify=False).dense.vectors, dtype=np.float32)
    bench_faiss(base, [int(x) for x in args.passages.split(",") if x], settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
