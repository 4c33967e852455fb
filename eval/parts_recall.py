"""Per-part retrieval (rag/retrieve/parts.py) against one search for the whole question, on the multi-part items
(multi_paragraph, multi_cable) of the question sets: for each depth, how many questions have every support entry (every
part's gold paragraph) in the top n, and how many have at least one, with 95% bootstrap intervals. The prompt depth
is Settings.prompt_passages for one search and Settings.multi_part_passages with per-part retrieval.

    python eval/parts_recall.py --index /work/idx-new [--gold eval/sets/tune.jsonl ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.backends.guard import real_models  # noqa: E402
from rag.backends.loaders import load_embedder  # noqa: E402
from rag.eval.gold import GoldItem, load_gold  # noqa: E402
from rag.eval.metrics import score_retrieval  # noqa: E402
from rag.eval.stats import mean_ci  # noqa: E402
from rag.index.reader import Index  # noqa: E402
from rag.retrieve.fusion import Retriever  # noqa: E402
from rag.retrieve.parts import search_parts  # noqa: E402
from rag.settings import Settings  # noqa: E402

KINDS = ("multi_paragraph", "multi_cable")
DEPTHS = (1, 3, 4, 5, 10)


def _line(label: str, values: list[float]) -> str:
    e = mean_ci(values)
    return f"{label:<34} {int(sum(values)):>3}/{len(values):<3} = {e.value:.3f} [{e.lo:.3f}, {e.hi:.3f}]"


def measure(retriever: Retriever, items: list[GoldItem], prompt_depth: tuple[int, int]) -> None:
    single = [score_retrieval(i, [h.ref for h in retriever.search(i.question, k=10).hits], DEPTHS) for i in items]
    parts = [score_retrieval(i, [h.ref for h in search_parts(retriever, i.question, k=10).hits], DEPTHS) for i in items]
    for n in DEPTHS:
        print(_line(f"every part in top {n}: one search", [s.full_recall_at[n] for s in single]))
        print(_line(f"every part in top {n}: per part", [s.full_recall_at[n] for s in parts]))
        print(_line(f"any part in top {n}: one search", [s.recall_at[n] for s in single]))
        print(_line(f"any part in top {n}: per part", [s.recall_at[n] for s in parts]))
    a, b = prompt_depth
    print(_line(f"every part in the prompt ({a}): one search", [s.full_recall_at[a] for s in single]))
    print(_line(f"every part in the prompt ({b}): per part", [s.full_recall_at[b] for s in parts]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True)
    ap.add_argument("--gold", nargs="+", default=[str(ROOT / "eval/sets/tune.jsonl")])
    args = ap.parse_args()
    s = Settings.from_env(index_dir=args.index)
    if s.multi_part_k <= 0:
        print("multi_part_k is 0: per-part retrieval is off", file=sys.stderr)
        return 2
    with real_models():
        emb = load_embedder(s)
    retriever = Retriever(Index.load(s), emb, s)
    for path in args.gold:
        items = [i for i in load_gold(path) if i.answerable and i.type in KINDS]
        print(f"\n{path}: {len(items)} multi-part questions ({', '.join(KINDS)})")
        measure(retriever, items, (s.prompt_passages, s.multi_part_passages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
