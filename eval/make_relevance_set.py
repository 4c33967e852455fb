"""Make eval/sets/relevance.jsonl: questions labelled "the index has something about this" or not, for setting and
checking the relevance decision (rag/retrieve/relevance.py) without touching the dev questions.

    python eval/make_relevance_set.py     # deterministic: seed 0

How it is made, from the bundled sample (1,295 cables):
- 10% of the cables (never a cable the dev gold set cites) are held out: eval/sets/relevance-heldout.txt. The
  calibration index is the sample without them (plus distractors, for the at-scale check).
- relevant (about an indexed cable): its SUBJECT line, and the first 14 words of a sentence of one of its
  paragraphs (a sentence of 60 to 400 characters), for 150 randomly chosen indexed cables;
- not relevant: the same two kinds of question for every held-out cable (near misses: the index has cables on
  neighbouring topics, but not that cable), and the 60 off-domain questions of eval/sets/offdomain.txt
  (hand-written general-knowledge questions a user might type into the wrong box).
Each line: {"id", "question", "relevant", "kind" (subject | sentence | offdomain), "cable_id"}.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.ingest.parse import iter_cables  # noqa: E402
from rag.records import Cable  # noqa: E402

SETS = ROOT / "eval" / "sets"


def sentence_query(c: Cable, rng: random.Random) -> str | None:
    sentences = [
        s
        for p in c.paragraphs
        if p.num > 0
        for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", p.text))
        if 60 < len(s) < 400
    ]
    return " ".join(rng.choice(sentences).split()[:14]) if sentences else None


def subject_query(c: Cable) -> str | None:
    s = re.sub(r"\s+", " ", c.subject).strip(" .")
    return s.lower() if len(s) > 15 else None


def main() -> int:
    rng = random.Random(0)
    gold = {
        s["cable_id"]
        for line in (ROOT / "eval" / "dev_qa.jsonl").read_text().splitlines()
        if line.strip()
        for s in json.loads(line).get("support", [])
    }
    cables = sorted((c for c in iter_cables([ROOT / "corpus" / "wikileaks-html.tar.xz"]) if isinstance(c, Cable)),
                    key=lambda c: c.id)  # fmt: skip
    pool = [c for c in cables if c.id not in gold]
    held = rng.sample(pool, len(cables) // 10)
    held_ids = {c.id for c in held}
    kept = [c for c in cables if c.id not in held_ids]
    items: list[dict[str, object]] = []

    def add(q: str | None, relevant: bool, kind: str, cid: str) -> None:
        if q:
            items.append({"id": f"r{len(items) + 1:04d}", "question": q, "relevant": relevant, "kind": kind,
                          "cable_id": cid})  # fmt: skip

    for c in rng.sample(kept, 150):
        add(subject_query(c), True, "subject", c.id)
        add(sentence_query(c, rng), True, "sentence", c.id)
    for c in held:
        add(subject_query(c), False, "subject", c.id)
        add(sentence_query(c, rng), False, "sentence", c.id)
    for q in (SETS / "offdomain.txt").read_text().splitlines():
        add(q.strip(), False, "offdomain", "")
    SETS.mkdir(parents=True, exist_ok=True)
    (SETS / "relevance-heldout.txt").write_text("".join(f"{c.id}\n" for c in sorted(held, key=lambda c: c.id)))
    (SETS / "relevance.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    rel = sum(bool(i["relevant"]) for i in items)
    print(
        f"{len(items)} questions: {rel} relevant, {len(items) - rel} not; {len(held)} cables held out", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
