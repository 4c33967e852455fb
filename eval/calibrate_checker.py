"""Calibrate the citation checker on real pairs from the gold set.

For every gold evidence sentence: the sentence against its true paragraph (should be accepted), against a
neighbouring paragraph of the same cable and against a random paragraph of another cable (should be
rejected); plus a distorted copy of the sentence (a changed number or name) against its true paragraph
(should be rejected). Prints acceptance/rejection shares at several thresholds.

    .venv/bin/python eval/calibrate_checker.py [--index index/default]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.components import open_components  # noqa: E402
from rag.eval.gold import load_gold  # noqa: E402
from rag.ingest.passages import paragraph_text  # noqa: E402
from rag.settings import Settings  # noqa: E402


def distort(sentence: str, rng: random.Random) -> str | None:
    nums = re.findall(r"\b\d+\b", sentence)
    if nums:
        n = rng.choice(nums)
        return re.sub(rf"\b{n}\b", str(int(n) + rng.randint(2, 9)), sentence, count=1)
    names = re.findall(r"(?<!^)\b[A-Z][a-z]{3,}\b", sentence)
    if names:
        return sentence.replace(rng.choice(names), rng.choice(["Petrov", "Gonzalez", "Lindqvist", "Okafor"]), 1)
    return None


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--index")
    args = p.parse_args()
    settings = Settings.from_env(index_dir=args.index)
    pipe = open_components(settings)
    checker = pipe.gate.scorer
    rng = random.Random(3)
    ids = pipe.index.store.cable_ids()
    rows: dict[str, list[float]] = {"true": [], "neighbour": [], "random": [], "distorted": []}
    answers: dict[str, list[float]] = {"true": [], "neighbour": [], "random": [], "distorted": []}
    for item in load_gold(Path(__file__).parent / "dev_qa.jsonl"):
        for sup in item.support:
            cable = pipe.index.cable(sup.cable_id)
            if cable is None or not sup.evidence:
                continue
            for num in sup.paragraphs:
                para = next((x for x in cable.paragraphs if x.num == num), None)
                if para is None:
                    continue
                text = paragraph_text(cable, para)
                rows["true"].append(checker.support(sup.evidence, para.ref, text).score)
                near = [x for x in cable.paragraphs if x.num not in sup.paragraphs and abs(x.num - num) <= 2 and x.num]
                if near:
                    nb = rng.choice(near)
                    rows["neighbour"].append(checker.support(sup.evidence, nb.ref, nb.text).score)
                other = pipe.index.cable(rng.choice(ids))
                if other is not None and other.id != cable.id and len(other.paragraphs) > 1:
                    rp = rng.choice(other.paragraphs[1:])
                    rows["random"].append(checker.support(sup.evidence, rp.ref, rp.text).score)
                bad = distort(sup.evidence, rng)
                if bad:
                    rows["distorted"].append(checker.support(bad, para.ref, text).score)
                if item.answer and len(item.support) == 1 and len(sup.paragraphs) == 1:
                    # answer-mode: the gold answer as a claim, the question as what it may restate
                    q, a = item.question, item.answer
                    answers["true"].append(checker.support(a, para.ref, text, q).score)
                    if near:
                        answers["neighbour"].append(checker.support(a, nb.ref, nb.text, q).score)
                    if other is not None and len(other.paragraphs) > 1:
                        answers["random"].append(checker.support(a, rp.ref, rp.text, q).score)
                    bad_a = distort(a, rng)
                    if bad_a:
                        answers["distorted"].append(checker.support(bad_a, para.ref, text, q).score)
    for title, table in (("evidence sentences (quotes)", rows), ("gold answers as claims, question given", answers)):
        print(f"\n{title}: {', '.join(f'{k} {len(v)}' for k, v in table.items())} pairs")
        print("threshold | true accepted | neighbour rejected | random rejected | distorted rejected")
        for t in (0.35, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
            acc = sum(s >= t for s in table["true"]) / max(1, len(table["true"]))
            rej = {k: sum(s < t for s in v) / max(1, len(v)) for k, v in table.items() if k != "true"}
            print(
                f"{t:9.2f} | {acc:13.2f} | {rej['neighbour']:18.2f} | {rej['random']:15.2f} | {rej['distorted']:18.2f}"
            )
    print(f"in use: supported >= {settings.check_supported}, partial >= {settings.check_partial}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
