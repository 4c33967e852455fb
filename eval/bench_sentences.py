"""Which sentence segmenter handles cable prose: pysbd, sentencex, syntok and the old hand-written splitter.

Two measures: (1) a hand-labelled set of cable-style passages (abbreviations, initials, dates, quotes, lower-case
openings, list items) scored by exact match of the split; (2) on real paragraphs of the sample index, the share of
segments that end in a known abbreviation or an initial (a wrong split) and the time per paragraph.

    .venv/bin/python eval/bench_sentences.py [--index /path/to/index] [--n 2000]
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (text, expected sentences); every one of these patterns occurs in the sample cables
LABELLED: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "The U.S. delegation arrived on Jan. 5. Talks began the next day.",
        ("The U.S. delegation arrived on Jan. 5.", "Talks began the next day."),
    ),
    (
        "Amb. Ray met Mr. Tsvangirai. He raised the elections.",
        ("Amb. Ray met Mr. Tsvangirai.", "He raised the elections."),
    ),
    (
        "Charles A. Ray signed the cable. It was sent on 21 DEC 2009.",
        ("Charles A. Ray signed the cable.", "It was sent on 21 DEC 2009."),
    ),
    ("The U.N. Security Council met. The P5+1 agreed.", ("The U.N. Security Council met.", "The P5+1 agreed.")),
    ('He said "we will not pay." The minister left.', ('He said "we will not pay."', "The minister left.")),
    (
        "Post recommends approval. (See para 4.) Action is requested.",
        ("Post recommends approval.", "(See para 4.)", "Action is requested."),
    ),
    ("Sales rose 4.5 percent in 2008. Exports fell.", ("Sales rose 4.5 percent in 2008.", "Exports fell.")),
    (
        "Gen. Petraeus and Lt. Col. Smith met at 10 a.m. on Monday. No agreement was reached.",
        ("Gen. Petraeus and Lt. Col. Smith met at 10 a.m. on Monday.", "No agreement was reached."),
    ),
    ("SUMMARY: The ruling party won. END SUMMARY.", ("SUMMARY: The ruling party won.", "END SUMMARY.")),
    (
        "The visit is set for Feb. 12. The Embassy will report septel.",
        ("The visit is set for Feb. 12.", "The Embassy will report septel."),
    ),
    (
        "Dr. Ali, the head of the U.S.-funded clinic, resigned. His deputy took over.",
        ("Dr. Ali, the head of the U.S.-funded clinic, resigned.", "His deputy took over."),
    ),
    (
        "The cost is approx. USD 3 million. Funding is not yet secured.",
        ("The cost is approx. USD 3 million.", "Funding is not yet secured."),
    ),
    ("Who will pay? The ministry has not said.", ("Who will pay?", "The ministry has not said.")),
    (
        "The deal covers e.g. oil and gas. It expires in 2012.",
        ("The deal covers e.g. oil and gas.", "It expires in 2012."),
    ),
    ("PM Olmert (reftel) agreed. FM Livni did not.", ("PM Olmert (reftel) agreed.", "FM Livni did not.")),
    (
        "He met the GOT on Sept. 3. The GOT rejected the offer.",
        ("He met the GOT on Sept. 3.", "The GOT rejected the offer."),
    ),
    ("Turnout was 42 pct. Results are due Friday.", ("Turnout was 42 pct.", "Results are due Friday.")),
    (
        "The Embassy contacted Sen. Lugar's office. No reply came.",
        ("The Embassy contacted Sen. Lugar's office.", "No reply came."),
    ),
    (
        "The talks failed. iPhone sales, he said, were unaffected.",
        ("The talks failed.", "iPhone sales, he said, were unaffected."),
    ),
    ("The vote was 12-3. The resolution passed.", ("The vote was 12-3.", "The resolution passed.")),
)
ABBR_END = re.compile(
    r"\b(U\.S|U\.K|U\.N|Mr|Mrs|Ms|Dr|Gen|Lt|Col|Amb|Sen|Gov|Jan|Feb|Aug|Sept?|Oct|Nov|Dec|No|approx|e\.g|i\.e|"
    r"vs|Jr|St|[A-Z])\.$"
)


def segmenters() -> dict[str, Callable[[str], list[str]]]:
    out: dict[str, Callable[[str], list[str]]] = {}
    try:
        import pysbd

        seg = pysbd.Segmenter(language="en", clean=False)
        out["pysbd"] = lambda t: [s.strip() for s in seg.segment(t) if s.strip()]
    except ImportError:
        pass
    try:
        import sentencex

        out["sentencex"] = lambda t: [s.strip() for s in sentencex.segment("en", t) if s.strip()]
    except ImportError:
        pass
    try:
        import syntok.segmenter as sy

        def syn(t: str) -> list[str]:
            return ["".join(tok.spacing + tok.value for tok in s).strip() for para in sy.process(t) for s in para]

        out["syntok"] = syn
    except ImportError:
        pass
    from rag.text.sentences import split_sentences

    out["project (rag.text.sentences)"] = split_sentences
    return out


def paragraphs(index: str, n: int) -> list[str]:
    versions = sorted((Path(index) / "versions").iterdir())
    db = sqlite3.connect(f"file:{versions[-1] / 'store.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT text FROM paragraphs WHERE num > 0 AND length(text) > 80 LIMIT ?", (n,)).fetchall()
    return [r[0] for r in rows]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--index", default="/work/idx-base")
    p.add_argument("--n", type=int, default=2000)
    args = p.parse_args()
    paras = paragraphs(args.index, args.n)
    print(f"labelled set: {len(LABELLED)} passages; real paragraphs: {len(paras)}")
    print("segmenter | labelled exact | segments ending in an abbreviation/initial | ms per paragraph (median)")
    for name, fn in segmenters().items():
        exact = sum(tuple(fn(t)) == want for t, want in LABELLED)
        bad = total = 0
        times = []
        for t in paras:
            t0 = time.perf_counter()
            segs = fn(t)
            times.append((time.perf_counter() - t0) * 1000)
            total += len(segs)
            bad += sum(1 for s in segs[:-1] if ABBR_END.search(s))
        print(
            f"{name} | {exact}/{len(LABELLED)} | {bad}/{total} ({bad / max(1, total):.3%}) | "
            f"{statistics.median(times):.2f}"
        )
        for t, want in LABELLED:
            got = tuple(fn(t))
            if got != want:
                print(f"    miss: {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
