"""Check the question sets in this folder against the bundled sample, with the project's own parser:

- every support paragraph exists, and its quoted evidence is in it (whitespace and quote marks normalised);
- every figure of a gold answer appears in its support paragraphs (the scorer requires the gold's figures);
- unanswerable items carry no support;
- the tuning and held-out splits share no cable (supports and near-miss cables, conversations included);
- sizes: questions, multi-part questions, conversations.

    python eval/sets/check_sets.py          # prints the counts and any problem; exit 1 on a problem
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLE = ROOT / "corpus" / "wikileaks-html.tar.xz"
SPLITS = {
    "tune": ("tune.jsonl", "tune-plain.jsonl", "conversations-tune.jsonl"),
    "heldout": ("heldout.jsonl", "heldout-plain.jsonl", "conversations-heldout.jsonl"),
}
MULTI_PART = frozenset({"multi_paragraph", "multi_cable"})


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    questions: int = 0  # distinct questions (plain rewordings not counted)
    multi_part: int = 0
    conversations: int = 0
    shared_cables: set[str] = field(default_factory=set)


def _norm(s: str) -> str:
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        s = s.replace(a, b)
    return re.sub(r"\s+", " ", s).strip().lower()


def _figures(s: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", s.replace(",", "")))


def _paragraphs() -> dict[str, dict[int, str]]:
    sys.path.insert(0, str(ROOT))
    from rag.ingest.parse import iter_cables
    from rag.records import Cable

    out: dict[str, dict[int, str]] = {}
    for c in iter_cables([SAMPLE]):
        if isinstance(c, Cable):
            paras = out.setdefault(c.id, {})
            for p in c.paragraphs:
                paras[p.num] = (paras.get(p.num, "") + " " + p.text).strip()
    return out


def _check_item(d: dict, where: str, paras: dict[str, dict[int, str]], report: Report) -> set[str]:
    cables = {d["near_miss_of"]} if d.get("near_miss_of") else set()
    if d.get("answer") is None:
        if d.get("support"):
            report.problems.append(f"{where}: unanswerable but has support")
        return cables
    text = ""
    for s in d.get("support", []):
        cables.add(s["cable_id"])
        cable = paras.get(s["cable_id"])
        if cable is None:
            report.problems.append(f"{where}: {s['cable_id']} is not in the sample")
            continue
        missing = [n for n in s["paragraphs"] if n not in cable]
        if missing:
            report.problems.append(f"{where}: {s['cable_id']} has no paragraph {missing}")
        found = " ".join(cable.get(n, "") for n in s["paragraphs"])
        text += " " + found
        if s.get("evidence") and _norm(s["evidence"]) not in _norm(found):
            report.problems.append(f"{where}: evidence not in {s['cable_id']} {s['paragraphs']}")
    lost = _figures(d["answer"]) - _figures(text)
    if lost:
        report.problems.append(f"{where}: figures {sorted(lost)} of the answer are not in its support")
    return cables


def check(folder: Path = HERE) -> Report:
    paras, report = _paragraphs(), Report()
    cables_of: dict[str, set[str]] = {}
    for split, files in SPLITS.items():
        used: set[str] = set()
        for name in files:
            for n, line in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), 1):
                d = json.loads(line)
                where = f"{name}:{n}"
                if "turns" in d:
                    report.conversations += 1
                    for t, turn in enumerate(d["turns"], 1):
                        used |= _check_item(turn, f"{where} turn {t}", paras, report)
                    continue
                used |= _check_item(d, where, paras, report)
                if "plain" not in name:
                    report.questions += 1
                    report.multi_part += d.get("type") in MULTI_PART
        cables_of[split] = used
    report.shared_cables = cables_of["tune"] & cables_of["heldout"]
    return report


def main() -> int:
    r = check()
    print(
        f"{r.questions} questions ({r.multi_part} multi-part), {r.conversations} conversations; "
        f"cables in both splits: {sorted(r.shared_cables) or 'none'}"
    )
    for p in r.problems:
        print("PROBLEM", p)
    return 1 if r.problems or r.shared_cables else 0


if __name__ == "__main__":
    raise SystemExit(main())
