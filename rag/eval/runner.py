"""`cables eval`: run gold questions (and scripted conversations, turn by turn with their history) through
retrieval and answering. Each run stores the raw outputs, one resumable items file per run identity
(rag/eval/identity.py): an item is reused only when the same question was run under the same identity. Scoring
happens afterwards, from the raw outputs (rag/eval/report.py), so a stricter scorer never needs the model again."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answer.conversation import Turn, standalone_question
from ..answer.pipeline import Answerer
from ..components import Components, open_answerer, open_components
from ..ids import ParagraphRef
from ..present.text import answer_text
from ..records import Answer, SentenceCheck
from ..retrieve.fusion import Retriever
from ..retrieve.parts import search_parts
from ..settings import Settings
from .gold import GoldConversation, GoldItem, load_conversations, load_gold
from .identity import identity_key, run_identity
from .report import build_report, write_report

Row = dict[str, Any]


@dataclass(frozen=True)
class EvalOptions:
    gold: str | None
    out: str
    limit: int | None = None
    retrieval_only: bool = False
    retriever: str | None = None  # one mode; default: all three for retrieval-only, hybrid otherwise
    min_recall: float | None = None
    quiet: bool = False
    conversations: str | None = None


def retrieval_row(question: str, retriever: Retriever, k: int = 10) -> Row:
    t = time.perf_counter()
    r = search_parts(retriever, question, k=k)  # a multi-part question's parts too (Settings.multi_part_k)
    return {"hits": [str(h.ref) for h in r.hits], "latency_s": time.perf_counter() - t}


def _is_quote(s: SentenceCheck) -> bool:
    return s.text.startswith("\u201c") and s.text.endswith("\u201d") and len(s.citations) == 1


def answer_path(a: Answer) -> str:
    """How the answer was produced: abstention, metadata (from the cable's record), quote (a passage sentence
    quoted when the model gave nothing verifiable) or model (the model's sentences). A per-sentence `origin`, where
    the checking stage records one, decides; else the answer's own marks do."""
    if a.abstained:
        return "abstention"
    origins = {str(o) for o in (getattr(s, "origin", None) for s in a.sentences) if o}
    if origins:
        return origins.pop() if len(origins) == 1 else "model"
    if a.model == "metadata":
        return "metadata"
    factual = [s for s in a.sentences if s.verdict != "not_factual"]
    return "quote" if factual and all(_is_quote(s) for s in factual) else "model"


def answer_row(a: Answer) -> Row:
    return {
        "answer": answer_text(a),
        "abstained": a.abstained,
        "path": answer_path(a),
        "citations": [str(c.ref) for c in a.citations if c.ref is not None],
        "verdicts": [s.verdict for s in a.sentences],
        "hits": [str(h.ref) for h in a.hits],
        "standalone": a.standalone_question,
        "retrieve_s": a.timing.retrieve_s,
        "ttft_s": a.timing.ttft_s,
        "total_s": a.timing.total_s,
    }


def run_items(
    keys: Sequence[tuple[str, str]],
    path: Path,
    identity: dict[str, Any],
    fn: Callable[[str], list[Row]],
    label: str,
    quiet: bool,
) -> dict[str, Row]:
    """Rows for every (id, question) key; rows already in `path` (same identity by construction of its name) are
    reused when their question is the same. `fn(id)` returns the rows of one unit (a question, or a whole
    conversation's turns)."""
    done: dict[str, Row] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                d = json.loads(line)
                done[d["id"]] = d
            except (ValueError, KeyError):
                continue
    else:
        path.write_text("")
        path.with_suffix(".run.json").write_text(json.dumps(identity, indent=1))
    want = dict(keys)
    todo = list(dict.fromkeys(k.split("/")[0] for k, q in keys if done.get(k, {}).get("question") != q))
    if not quiet and len(want) > len(todo):
        print(f"{label}: resuming run {path.stem}", file=sys.stderr)
    from tqdm import tqdm

    with open(path, "a") as f:
        for unit in tqdm(todo, desc=label, unit="q", file=sys.stderr, disable=quiet):
            for row in fn(unit):
                f.write(json.dumps(row) + "\n")
                f.flush()
                done[row["id"]] = row
    return done


def _items_file(out: Path, identity: dict[str, Any]) -> Path:
    return out / f"{identity['stage']}-{identity['retriever']}-{identity_key(identity)}.jsonl"


def _modes(opts: EvalOptions) -> list[str]:
    if opts.retriever:
        return [opts.retriever]
    return ["dense", "bm25", "hybrid"] if opts.retrieval_only else ["hybrid"]


def _conversation_rows(conv: GoldConversation, ask: Callable[[str, list[Turn]], Row]) -> list[Row]:
    """Each turn with the turns before it as history; a turn's cables are the ones its answer cited (retrieval
    only: the gold answer's support, as its text is the gold answer)."""
    history: list[Turn] = []
    rows = []
    for t in conv.turns:
        row = {"id": t.id, "question": t.question, **ask(t.question, history)}
        text = row.pop("_text")
        refs = (ParagraphRef.try_parse(c) for c in row.get("citations", []))
        cited = tuple(dict.fromkeys(r.cable_id for r in refs if r is not None))
        cables = cited if text else tuple(dict.fromkeys(s.cable_id for s in t.support))
        history.append(Turn(t.question, text or (t.answer or ""), row["standalone"], cables))
        rows.append(row)
    return rows


class Runner:
    def __init__(
        self,
        opts: EvalOptions,
        settings: Settings,
        components: Components | None = None,
        answerer: Answerer | None = None,
    ) -> None:
        self.opts, self.settings = opts, settings
        self.out = Path(opts.out)
        self.c: Components = components or open_components(settings)
        self._answerer: Answerer | None = answerer

    def answerer(self) -> Answerer:
        if self._answerer is None:
            self._answerer = open_answerer(self.settings, components=self.c)
        return self._answerer

    def _run(self, stage: str, mode: str, keys: list[tuple[str, str]], fn: Callable[[str], list[Row]]) -> dict:
        ident = run_identity(self.settings, self.c.index, stage, mode)
        if stage in ("answers", "conversations"):
            ident["model"] = self.answerer().llm.name
        rows = run_items(keys, _items_file(self.out, ident), ident, fn, f"{stage} ({mode})", self.opts.quiet)
        return {"identity": ident, "rows": rows}

    def retrieval(self, items: list[GoldItem]) -> dict[str, dict]:
        by_id = {i.id: i for i in items if i.answerable}
        out = {}
        for mode in _modes(self.opts):
            retr = (
                self.c.retriever if mode == "hybrid" else Retriever(self.c.index, self.c.embedder, self.settings, mode)
            )

            def one(iid: str, r: Retriever = retr) -> list[Row]:
                return [{"id": iid, "question": by_id[iid].question, **retrieval_row(by_id[iid].question, r)}]

            out[mode] = self._run("retrieval", mode, [(i.id, i.question) for i in by_id.values()], one)
        return out

    def answers(self, items: list[GoldItem]) -> dict:
        by_id = {i.id: i for i in items}

        def one(iid: str) -> list[Row]:
            a = self.answerer().ask(by_id[iid].question)
            return [{"id": iid, "question": by_id[iid].question, **answer_row(a)}]

        return self._run("answers", "hybrid", [(i.id, i.question) for i in items], one)

    def conversations(self, convs: list[GoldConversation], retrieval_only: bool) -> dict:
        by_id = {c.id: c for c in convs}
        keys = [(t.id, t.question) for c in convs for t in c.turns]

        def ask(question: str, history: list[Turn]) -> Row:
            a = self.answerer().ask(question, history)
            return {**answer_row(a), "_text": a.text}

        def search(question: str, history: list[Turn]) -> Row:
            sq = standalone_question(question, history, self.settings.follow_up_context_chars)
            return {**retrieval_row(sq, self.c.retriever), "standalone": sq, "_text": ""}

        def play(cid: str) -> list[Row]:
            """Retrieval only: no model runs, the history holds the gold answers."""
            return _conversation_rows(by_id[cid], search if retrieval_only else ask)

        return self._run("conversation-retrieval" if retrieval_only else "conversations", "hybrid", keys, play)


def run_eval(
    opts: EvalOptions, settings: Settings, components: Components | None = None, answerer: Answerer | None = None
) -> int:
    """`components`/`answerer`: already opened ones (tests with fakes); by default opened from `settings`."""
    items = load_gold(opts.gold)[: opts.limit] if opts.gold else []
    convs = load_conversations(opts.conversations)[: opts.limit] if opts.conversations else []
    Path(opts.out).mkdir(parents=True, exist_ok=True)
    r = Runner(opts, settings, components, answerer)
    runs: dict[str, Any] = {"retrieval": r.retrieval(items) if items else {}}
    if items and not opts.retrieval_only:
        runs["answers"] = r.answers(items)
    if convs:
        runs["conversations"] = r.conversations(convs, opts.retrieval_only)
    report = build_report(opts, r.c, items, convs, runs)
    print(write_report(report, Path(opts.out)))
    if opts.min_recall is not None and report["retrieval"]:
        got = report["retrieval"].get("hybrid", next(iter(report["retrieval"].values())))["recall@10"]
        if got < opts.min_recall:
            print(f"FAIL: recall@10 {got:.3f} is below the threshold {opts.min_recall:.3f}", file=sys.stderr)
            return 1
    return 0
