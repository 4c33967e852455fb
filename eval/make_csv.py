"""Write cables in the layout of the 2011 full release `cables.csv` (see corpus/FORMATS.md).

Real mode: `python eval/make_csv.py corpus/wikileaks-html.tar.xz -o out.csv --limit 50` re-encodes real
cable-viewer pages (plain `1.` paragraph numbers, backslash-escaped quotes, multi-line fields).
Synthetic mode (`--synthetic N`): N new cables whose paragraphs mix sentences drawn from different real
paragraphs, with new IDs and subjects flagged SYNTHETIC, for scale tests (the synthetic release: about 6 passages
per cable, so `--synthetic 170000` gives ~1M passages). `--exclude-gold eval/dev_qa.jsonl` leaves out every
sentence of the cables a gold file cites, so that distractors cannot carry a gold answer under another ID.
Deterministic for a given `--seed`. Nothing it makes is committed.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
import tarfile
from collections.abc import Iterator

_PRE = re.compile(r"<pre>(.*?)</pre>", re.S)
_TD = re.compile(r"<td>(.*?)</td>", re.S)
_TAG = re.compile(r"<[^>]+>")


def quote(field: str) -> str:
    return '"' + field.replace("\\", "\\\\").replace('"', '\\"') + '"'


def row(n: int, created: str, cid: str, origin: str, classification: str, refs: str, header: str, body: str) -> str:
    return (
        ",".join(
            [
                quote(str(n)),
                quote(created),
                quote(cid),
                quote(origin),
                quote(classification),
                quote(refs),
                quote(header),
                quote(body),
            ]
        )
        + "\n"
    )


def csv_date(iso: str) -> str:
    """`2007-02-27 16:37` -> `2/27/2007 16:37` (the release's M/D/YYYY H:MM)."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})", iso)
    if not m:
        return iso
    y, mo, d, h, mi = m.groups()
    return f"{int(mo)}/{int(d)}/{y} {int(h)}:{mi}"


def pages(archive: str) -> Iterator[str]:
    with tarfile.open(archive) as t:
        for m in t:
            if m.isfile() and m.name.endswith(".html"):
                f = t.extractfile(m)
                if f is not None:
                    yield f.read().decode("utf-8")


def page_fields(page: str) -> tuple[str, str, str, str, str, str] | None:
    cells = [html.unescape(_TAG.sub("", c)).strip() for c in _TD.findall(page)]
    pres = _PRE.findall(page)
    if len(cells) < 5 or not pres:
        return None

    def text(fragment: str) -> str:
        fragment = re.sub(r"<a id='par\w+' href='#par\w+'>¶</a>", "", fragment)
        return html.unescape(_TAG.sub("", fragment))

    body = text(pres[-1])
    header = text(pres[0]) if len(pres) > 1 else ""
    return cells[0], csv_date(cells[1]), cells[4], cells[3], header, body


def gold_cables(path: str) -> set[str]:
    """Every cable a gold file cites (its `support` entries)."""
    out: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.update(s["cable_id"] for s in json.loads(line).get("support", []))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("archive", help="tar archive of cable-viewer pages (corpus/wikileaks-html.tar.xz)")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--synthetic", type=int, default=0, help="write N synthetic cables instead")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--exclude-gold", help="gold JSONL: no sentence of the cables it cites goes into synthetic ones")
    args = p.parse_args(argv)
    real = [f for f in (page_fields(pg) for pg in pages(args.archive)) if f]
    excluded = gold_cables(args.exclude_gold) if args.exclude_gold else set()
    with open(args.out, "w", encoding="utf-8") as out:
        if not args.synthetic:
            for n, (cid, created, origin, classification, header, body) in enumerate(real[: args.limit or None], 1):
                out.write(row(n, created, cid, origin, classification, "", header, body))
            return 0
        rng = random.Random(args.seed)
        sentences = [
            s
            for cid, *_, body in real
            if cid not in excluded
            for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", body))
            if 60 < len(s) < 400
        ]
        posts = sorted({f[2] for f in real})
        for n in range(1, args.synthetic + 1):
            origin = rng.choice(posts)
            city = re.sub(r"[^A-Z]", "", origin.split(" ", 1)[-1].upper()) or "STATE"
            year = rng.randint(2003, 2010)
            cid = f"{year % 100:02d}{city}{900000 + n}"
            paras = "\n\n".join(
                f"{i}. (C) " + " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
                for i in range(1, rng.randint(3, 9))
            )
            body = (
                f"C O N F I D E N T I A L {city} {900000 + n:06d}\n\nE.O. 12958: DECL: 01/01/2020\nTAGS: PREL\n"
                f"SUBJECT: SYNTHETIC CABLE {n} (generated for scale tests)\n\n{paras}\n\nSYNTHETIC"
            )
            out.write(
                row(
                    n,
                    f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{year} 12:00",
                    cid,
                    origin,
                    "CONFIDENTIAL",
                    "",
                    "",
                    body,
                )
            )
            if n % 10000 == 0:
                print(f"{n} synthetic cables", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
