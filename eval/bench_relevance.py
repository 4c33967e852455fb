"""The relevance decision (rag/retrieve/relevance.py) at any index size, against the old absolute floor.

    python eval/bench_relevance.py --index IDX [--index IDX_WITH_DISTRACTORS ...] [--dev-index IDX ...] [--out DIR]

On eval/sets/relevance.jsonl (made by eval/make_relevance_set.py: questions about indexed cables, about held-out
cables, and off-domain ones) over each calibration --index (the sample without the held-out cables, then the same
plus distractors), and on the dev questions over each --dev-index (reported, never used to set anything): the share
of relevant questions kept, of not-relevant ones rejected (by kind, with a 95% Wilson interval), the index's probe
floors, and what the old rule (abstain when the best cosine < 0.28) would do. Real embedder; retrieval only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.backends.loaders import load_embedder  # noqa: E402
from rag.index.reader import Index  # noqa: E402
from rag.retrieve.fusion import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402

OLD_FLOOR = 0.28


def wilson(k: int, n: int) -> tuple[float, float]:
    if not n:
        return (float("nan"), float("nan"))
    p, z = k / n, 1.96
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, mid - half), min(1.0, mid + half))


def rate(flags: list[bool]) -> str:
    k, n = sum(flags), len(flags)
    lo, hi = wilson(k, n)
    return f"{k / n:.3f} [{lo:.2f}, {hi:.2f}] (n={n})" if n else "-"


def run(index_dir: str, items: list[dict], settings: Settings, emb: object, label: str) -> dict:
    idx = Index.load(settings.replace(index_dir=index_dir), verify=False)
    r = Retriever(idx, emb, settings)  # type: ignore[arg-type]
    rows = []
    for it in items:
        res = r.search(it["question"])
        old_keep = bool(res.hits) and (res.top_dense >= OLD_FLOOR or bool(res.query.cable_ids))  # the pipeline's rule
        rows.append({**it, "relevant_decision": res.relevant, "old_keep": old_keep, "margin": res.relevance})
    rel = [x for x in rows if x["relevant"]]
    kinds = sorted({x["kind"] for x in rows if not x["relevant"]})
    out = {"passages": idx.manifest.passage_count, "floors": r.floors.__dict__}
    out["kept"] = rate([x["relevant_decision"] for x in rel])
    out["old_kept"] = rate([x["old_keep"] for x in rel])
    for k in kinds:
        neg = [x for x in rows if not x["relevant"] and x["kind"] == k]
        out[f"rejected {k}"] = rate([not x["relevant_decision"] for x in neg])
        out[f"old rejected {k}"] = rate([not x["old_keep"] for x in neg])
    print(f"\n== {label}: {index_dir} ({out['passages']:,} passages); probe floors {out['floors']}")
    for k, v in out.items():
        if k not in ("passages", "floors"):
            print(f"  {k}: {v}")
    out["rows"] = rows
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--index", action="append", default=[], help="calibration index (sample minus held-out cables)")
    p.add_argument("--dev-index", action="append", default=[], help="indexes to report the dev questions on")
    p.add_argument("--set", default=str(ROOT / "eval" / "sets" / "relevance.jsonl"))
    p.add_argument("--out")
    a = p.parse_args()
    settings = Settings.from_env()
    emb = load_embedder(settings)
    items = [json.loads(line) for line in Path(a.set).read_text().splitlines() if line.strip()]
    dev = [json.loads(line) for line in (ROOT / "eval" / "dev_qa.jsonl").read_text().splitlines() if line.strip()]
    dev_items = [{"question": d["question"], "relevant": d.get("type") != "unanswerable", "kind": "unanswerable"}
                 for d in dev]  # fmt: skip
    results = {}
    for path in a.index:
        results[f"set {path}"] = run(path, items, settings, emb, "relevance set")
    for path in a.dev_index:
        results[f"dev {path}"] = run(path, dev_items, settings, emb, "dev questions (reported only)")
    if a.out:
        Path(a.out).mkdir(parents=True, exist_ok=True)
        (Path(a.out) / "relevance.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
