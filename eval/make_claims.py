"""Generate the adversarial claims set (eval/sets/claims.jsonl and claims.txt) from real paragraphs of the sample.

Every claim is made from one sentence of one real paragraph (no paragraph is used twice) and cited as
`[CABLEID ¶N]`. Kinds, and what the checker should do with each:

| kind | made how | expect |
|---|---|---|
| true_quote | the sentence verbatim | accept |
| true_paraphrase | a synonym swapped, a parenthesis dropped, "X said that Y" -> "According to X, Y" | accept |
| negation | "not" added after the first auxiliary (or "said" -> "did not say"), or an existing "not" removed | reject |
| swapped_roles | two names around an asymmetric verb (told, urged, accused...) swapped | reject |
| changed_number | one figure changed (a year by 1-3, another by about a third) | reject |
| changed_name | one name replaced by a name from another cable | reject |
| out_of_context | the clause of "denied that X", "asked whether X", "urged that X"... stated as fact | reject |
| wrong_paragraph | the sentence verbatim, cited to another paragraph of the same cable | reject |
| fake_cable | the sentence verbatim, cited to a cable that does not exist | reject |

Each claim gets a split (`cal` for about 30%, by a hash of its id, `test` for the rest): tune prompts on `cal` only
and report on `test`. claims.txt has one claim per paragraph (blank line between), as `cables check` reads it.

    .venv/bin/python eval/make_claims.py --index /path/to/sample-index [--seed 14]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.index.reader import Index  # noqa: E402
from rag.records import Cable, Paragraph  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.text.sentences import split_sentences  # noqa: E402
from rag.text.words import normalize  # noqa: E402

OUT = Path(__file__).resolve().parent / "sets"
QUOTAS = {
    "true_quote": 60,
    "true_paraphrase": 80,
    "negation": 50,
    "swapped_roles": 40,
    "changed_number": 50,
    "changed_name": 50,
    "out_of_context": 45,
    "wrong_paragraph": 40,
    "fake_cable": 20,
}
SYN = {
    "said": "stated",
    "told": "informed",
    "noted": "observed",
    "stressed": "emphasized",
    "emphasized": "stressed",
    "approximately": "about",
    "commented": "remarked",
    "indicated": "said",
    "requested": "asked for",
    "purchase": "buy",
    "assistance": "help",
    "additional": "more",
    "currently": "now",
    "numerous": "many",
    "individuals": "people",
    "attempted": "tried",
    "commenced": "began",
    "prior to": "before",
    "in order to": "to",
    "however": "but",
    "significant": "considerable",
    "stated": "said",
    "explained": "said",
}
CONNECTIVES = (
    r"^(However|In addition|Separately|Meanwhile|Moreover|Furthermore|Additionally|Nonetheless|Still|Indeed),\s+"
)
AUX = r"\b(is|was|were|are|will|would|could|can|has|have|had|should|must)\b(?!\s+not\b)"
ASYM = (
    r"told|asked|urged|informed|warned|criticized|accused|thanked|invited|pressed|replaced|defeated|briefed|"
    r"advised|assured|reminded|congratulated|hosted|called on|appointed|dismissed|fired|sued|attacked"
)
NAME = r"(?<![\w-])([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,}){0,2})(?![\w-])"
NOT_NAMES = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "The This That These Those He She They We It In On At For From With After Before During When While If But "
        "And Post Embassy Government Ministry President Minister Ambassador Secretary Prime Foreign Deputy General "
        "Director January February March April May June July August September October November December Monday "
        "Tuesday Wednesday Thursday Friday Saturday Sunday Mission Department Council Party Parliament State National "
        "Comment End"
    ).split()
)
OUT_OF_CONTEXT = re.compile(
    r"\b(?:denied|rejected|dismissed|refuted)\s+(?:(?:the\s+)?(?:reports?|claims?|allegations?|rumou?rs?|"
    r"suggestions?|speculation)\s+)?that\s+(?P<a>[^.;?]{25,160})[.;]|"
    r"\b(?:asked|wondered|questioned|inquired)\s+(?:\w+\s+){0,2}whether\s+(?P<b>[^.;?]{25,160})[.;?]|"
    r"\b(?:urged|proposed|demanded|hoped|wanted|called for|recommended)\s+that\s+(?P<c>[^.;?]{25,160})[.;]",
    re.I,
)


@dataclass(frozen=True)
class Claim:
    id: str
    kind: str
    expect: str  # accept | reject
    claim: str  # the sentence, with its citation
    cited: str  # the citation as written
    source: str  # the paragraph the sentence came from
    original: str  # the source sentence
    split: str  # cal | test


def usable(sent: str) -> bool:
    words = sent.split()
    return (
        10 <= len(words) <= 45
        and sent[0].isupper()
        and sent.endswith(".")
        and not re.search(r"[\"“”]|\b\d{2}[A-Z]{3,}\d|\bREF\b|\bpara\b|^[A-Z ]{12,}", sent)
        and sum(w.isupper() and len(w) > 3 for w in words) < 3
    )


def paraphrase(s: str) -> str | None:
    out = re.sub(CONNECTIVES, "", s)
    out = re.sub(r"\s*\([^()]{1,60}\)", "", out)
    m = re.match(r"^((?:[A-Z][\w.'-]*\s+){1,5})(?:said|stated|noted|told us|explained)\s+that\s+(.+)$", out)
    if m and "not" not in m.group(1) and m.group(1).split()[0] not in ("He", "She", "They", "We", "It", "I"):
        out = f"According to {m.group(1).strip()}, {m.group(2)}"
    for a, b in SYN.items():
        out, n = re.subn(rf"\b{a}\b", b, out, count=1)
        if n:
            break
    out = out[0].upper() + out[1:] if out else out
    return out if normalize(out) != normalize(s) and len(out.split()) >= 8 else None


def negate(s: str) -> str | None:
    if re.match(r"(Whether|If|Unless)\b", s):
        return None
    if re.search(r"\bnot\b", s):
        out = re.sub(r"\s+not\b", "", s, count=1)
    elif re.search(AUX, s[3:]):
        out = s[:3] + re.sub(AUX, r"\1 not", s[3:], count=1)
    elif re.search(r"\bsaid\b", s):
        out = re.sub(r"\bsaid\b", "did not say", s, count=1)
    else:
        return None
    return out if out != s else None


def swap_roles(s: str) -> str | None:
    m = re.search(rf"{NAME}\s+(?:\w+\s+){{0,2}}(?:{ASYM})\s+(?:\w+\s+){{0,2}}?{NAME}", s)
    if not m or m.start() == 0:
        return None
    a, b = m.group(1), m.group(2)
    if a == b or a.split()[0] in NOT_NAMES or b.split()[0] in NOT_NAMES:
        return None
    seg = m.group(0)
    swapped = seg[: m.start(1) - m.start()] + b + seg[m.end(1) - m.start() : m.start(2) - m.start()] + a
    return s[: m.start()] + swapped + s[m.end() :]


def change_number(s: str, rng: random.Random) -> str | None:
    nums = [m for m in re.finditer(r"(?<![\w.,/])\d[\d,]*(?:\.\d+)?(?![\w/])", s) if m.start() > 0]
    if not nums:
        return None
    m = rng.choice(nums)
    raw = m.group(0).replace(",", "")
    n = float(raw)
    if re.fullmatch(r"(19|20)\d\d", raw):
        new = str(int(n) + rng.choice((-3, -2, -1, 1, 2, 3)))
    elif "." in raw:
        new = f"{n * rng.choice((1.5, 2.0, 0.5)):.{len(raw.split('.')[1])}f}"
    else:
        new = str(int(n) + max(1, round(n * rng.choice((0.3, 0.5, 1.0)))))
    return s[: m.start()] + new + s[m.end() :]


def change_name(s: str, pool: list[str], para: str, rng: random.Random) -> str | None:
    spans = [m for m in re.finditer(NAME, s) if m.start() > 0 and m.group(1).split()[0] not in NOT_NAMES]
    if not spans:
        return None
    m = rng.choice(spans)
    words = len(m.group(1).split())
    options = [p for p in pool if len(p.split()) == words and p.lower() not in para.lower()]
    if not options:
        return None
    return s[: m.start(1)] + rng.choice(options) + s[m.end(1) :]


def out_of_context(text: str) -> str | None:
    m = OUT_OF_CONTEXT.search(text)
    if not m:
        return None
    clause = next(g for g in (m.group("a"), m.group("b"), m.group("c")) if g).strip().rstrip(",")
    if clause.split()[0].lower() in {"the", "a", "an"} or clause[0].isupper() or clause.split()[0].islower():
        clause = clause[0].upper() + clause[1:]
    return clause + "." if len(clause.split()) >= 5 else None


def split_of(cid: str) -> str:
    return "cal" if int(hashlib.sha256(cid.encode()).hexdigest()[:4], 16) % 10 < 3 else "test"


def main() -> int:  # long: one pass over the paragraphs, filling each kind's quota in turn
    p = argparse.ArgumentParser()
    p.add_argument("--index", required=True)
    p.add_argument("--seed", type=int, default=14)
    args = p.parse_args()
    rng = random.Random(args.seed)
    index = Index.load(Settings(index_dir=args.index))
    cables = [c for c in (index.cable(i) for i in sorted(index.store.cable_ids())) if c is not None]
    paras: list[tuple[Cable, Paragraph]] = [(c, x) for c in cables for x in c.paragraphs if x.num > 0]
    rng.shuffle(paras)
    pool = sorted({m.group(1) for _, x in paras[:3000] for m in re.finditer(NAME, x.text) if m.start() > 0})
    pool = [n for n in pool if n.split()[0] not in NOT_NAMES]
    known = set(index.store.cable_ids())
    claims: list[Claim] = []
    counts = dict.fromkeys(QUOTAS, 0)
    makers: dict[str, Callable[[str, Cable, Paragraph], tuple[str, str] | None]] = {
        "out_of_context": lambda s, c, x: (lambda t: (t, "") if t else None)(out_of_context(x.text)),
        "swapped_roles": lambda s, c, x: (lambda t: (t, "") if t else None)(swap_roles(s)),
        "negation": lambda s, c, x: (lambda t: (t, "") if t else None)(negate(s)),
        "changed_number": lambda s, c, x: (lambda t: (t, "") if t else None)(change_number(s, rng)),
        "changed_name": lambda s, c, x: (lambda t: (t, "") if t else None)(change_name(s, pool, x.text, rng)),
        "true_paraphrase": lambda s, c, x: (lambda t: (t, "") if t else None)(paraphrase(s)),
        "wrong_paragraph": lambda s, c, x: wrong_paragraph(s, c, x, rng),
        "fake_cable": lambda s, c, x: (s, fake_id(c, known, rng)),
        "true_quote": lambda s, c, x: (s, ""),
    }
    for cable, para in paras:
        sents = [s for s in split_sentences(para.text) if usable(s)]
        if not sents:
            continue
        sent = rng.choice(sents)
        common = [k for k in makers if k not in ("out_of_context", "swapped_roles")]
        rng.shuffle(common)
        for kind in ["out_of_context", "swapped_roles", *common]:
            make = makers[kind]
            if counts[kind] >= QUOTAS[kind]:
                continue
            made = make(sent, cable, para)
            if made is None:
                continue
            text, cite = made
            cite = cite or f"{cable.id} ¶{para.label}"
            cid = f"{kind}-{counts[kind] + 1:03d}"
            expect = "accept" if kind.startswith("true_") else "reject"
            source = f"{cable.id} ¶{para.label}"
            claims.append(Claim(cid, kind, expect, f"{text} [{cite}]", cite, source, sent, split_of(cid)))
            counts[kind] += 1
            break
        if all(counts[k] >= QUOTAS[k] for k in QUOTAS):
            break
    OUT.mkdir(exist_ok=True)
    with open(OUT / "claims.jsonl", "w") as f:
        for c in claims:
            f.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
    (OUT / "claims.txt").write_text("\n\n".join(c.claim for c in claims) + "\n")
    print(f"{len(claims)} claims: {counts}")
    return 0


def wrong_paragraph(s: str, cable: Cable, para: Paragraph, rng: random.Random) -> tuple[str, str] | None:
    others = [
        x for x in cable.paragraphs if x.num > 0 and x.label != para.label and normalize(s) not in normalize(x.text)
    ]
    if not others:
        return None
    return s, f"{cable.id} ¶{rng.choice(others).label}"


def fake_id(cable: Cable, known: set[str], rng: random.Random) -> str:
    m = re.match(r"(\d{2}[A-Z]+)", cable.id)
    head = m.group(1) if m else "09FAKE"
    while True:
        cid = f"{head}{rng.randint(3000, 9999)}"
        if cid not in known:
            return cid


if __name__ == "__main__":
    sys.exit(main())
