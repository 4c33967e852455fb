"""Header-field figures for the closing note of issue 16: how many sample cables have a non-empty REF, TAGS,
subject, classified-by and signer, and a table of randomly drawn cables (fixed seed) to check by eye.

    python -m eval.parse_report [--sample corpus/wikileaks-html.tar.xz] [--draw 30] [--seed 16] [--json OUT]

Runs on any checkout (it reads only Cable fields that exist before and after issue 16), so the same script
gives the "before" figures on the branch point and the "after" figures on the branch.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from rag.ingest.parse import iter_cables
from rag.records import Cable

FIELDS = ("refs", "tags", "subject", "classified_by", "signer")


def _ref_text(r: object) -> str:
    """A reference as text, whatever the record type (str before issue 16, Reference after)."""
    letter = getattr(r, "letter", "")
    kind = getattr(r, "kind", "cable")
    value = str(r)
    return (f"{letter}. " if letter else "") + (value if kind == "cable" else f"{value} [{kind}]")


def field_text(c: Cable, field: str) -> str:
    value = getattr(c, field)
    if field == "refs":
        return "; ".join(_ref_text(r) for r in value)
    return " ".join(value) if isinstance(value, tuple) else str(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", default="corpus/wikileaks-html.tar.xz")
    ap.add_argument("--draw", type=int, default=30)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--json", help="write the counts and the drawn rows here")
    args = ap.parse_args(argv)
    cables = sorted((r for r in iter_cables([args.sample]) if isinstance(r, Cable)), key=lambda c: c.id)
    counts = {f: sum(bool(getattr(c, f)) for c in cables) for f in FIELDS}
    print(f"{len(cables)} cables parsed from {args.sample}")
    print("| field | cables with a value | share |\n|---|---|---|")
    for f in FIELDS:
        print(f"| {f} | {counts[f]} | {counts[f] / len(cables):.3f} |")
    refs_total = sum(len(c.refs) for c in cables)
    print(f"\nreferences in all: {refs_total}")
    drawn = random.Random(args.seed).sample(cables, min(args.draw, len(cables)))
    rows = [{"id": c.id, **{f: field_text(c, f) for f in FIELDS}} for c in sorted(drawn, key=lambda c: c.id)]
    print(f"\n{len(rows)} cables drawn with seed {args.seed}:\n")
    print("| cable | REF | TAGS | subject | classified by | signer |\n|---|---|---|---|---|---|")
    for r in rows:
        cells = [r["id"], *(r[f].replace("|", "/") for f in FIELDS)]
        print("| " + " | ".join(cells) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps({"n": len(cables), "counts": counts, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
