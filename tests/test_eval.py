"""Gold loading and scoring as strict as a reader; `cables eval` on a crafted index with a scripted model (answers,
paths, conversations, resume, compare) and end to end on the real subset index and the real model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import GoldError
from rag.eval.gold import GoldItem, GoldSupport, load_conversations, load_gold
from rag.eval.metrics import match_answer, score_citations, score_retrieval, strip_citations
from rag.eval.stats import mean_ci
from rag.ids import ParagraphRef

from .conftest import REPO

ITEM = GoldItem(
    "x",
    "q",
    "35 minutes",
    ("thirty-five minutes",),
    "number",
    (GoldSupport("10SANAA221", (1,)), GoldSupport("10SANAA221", (2, 3))),
)


def test_dev_set_loads() -> None:
    items = load_gold(REPO / "eval" / "dev_qa.jsonl")
    assert len(items) == 40 and sum(not i.answerable for i in items) == 4


def test_bad_gold_lines_are_all_reported(tmp_path: Path) -> None:
    f = tmp_path / "g.jsonl"
    f.write_text(
        '{"id": "a", "question": "q", "answer": "x", "support": []}\nnot json\n'
        '{"id": "b", "question": "q", "answer": null, "support": [{"cable_id": "??", "paragraphs": [1]}]}\n'
    )
    with pytest.raises(GoldError) as e:
        load_gold(f)
    msg = str(e.value)
    assert f"{f}:1: an answerable item needs" in msg and f"{f}:2:" in msg and f"{f}:3: support cable_id" in msg


def test_retrieval_scores() -> None:
    ranked = [ParagraphRef("X", "1"), ParagraphRef("10SANAA221", "3"), ParagraphRef("10SANAA221", "1")]
    s = score_retrieval(ITEM, ranked)
    assert s.recall_at[1] == 0.0 and s.recall_at[3] == 1.0 and s.mrr_10 == 0.5 and s.full_recall_10 == 1.0
    assert s.full_recall_at[1] == 0.0 and s.full_recall_at[3] == 1.0
    assert score_retrieval(ITEM, [ParagraphRef("10SANAA221", "1")]).full_recall_10 == 0.0


def _gold(answer: str, *aliases: str) -> GoldItem:
    return GoldItem("g", "q", answer, aliases, "number", (GoldSupport("10SANAA221", (1,)),))


def test_answer_matching_is_as_strict_as_a_reader() -> None:
    assert match_answer("The meeting lasted 35 minutes [10SANAA221 ¶1].", ITEM).strict
    assert match_answer("It lasted thirty-five minutes.", ITEM).strict
    assert not match_answer("It lasted an hour.", ITEM).lenient
    # a citation label is not an answer: "¶11" or "09X ¶11" never counts as the figure 11
    eleven = _gold("11")
    assert not match_answer("See the cable [09TRIPOLI771 ¶11].", eleven).lenient
    assert not match_answer("As 09TRIPOLI771 ¶11 says, they met.", eleven).lenient
    assert match_answer("They met 11 times [09TRIPOLI771 ¶4].", eleven).strict
    assert strip_citations("Saleh agreed [10SANAA4 ¶3; 10SANAA4 ¶5]. [unverified] See ¶¶3-4.") == "Saleh agreed . See ."
    # whole words only
    assert not match_answer("The crew numbered 330.", _gold("33")).lenient
    assert not match_answer("Zamanov said so.", _gold("Zaman")).lenient
    # lenient credit needs the gold's figures: 3 of 4 words but the wrong number is no answer
    more = _gold("more than 3,200 aircraft")
    assert not match_answer("He said more than 3,000 aircraft.", more).lenient
    assert match_answer("The program comprised more than 3,200 aircraft.", more).strict
    m = match_answer("There were more than 3200 of them.", more)
    assert m.lenient and not m.strict  # "aircraft" missing: lenient only
    assert match_answer("Roughly 340,000 troops passed through.", _gold("roughly 340,000")).strict


def test_citation_recall_per_support_entry_and_precision_per_answer() -> None:
    two = GoldItem("t", "q", "a; b", (), "multi_cable", (GoldSupport("09A1", (2, 3)), GoldSupport("09B2", (1,))))
    c = score_citations(two, [ParagraphRef("09A1", "3"), ParagraphRef("09A1", "3"), ParagraphRef("09C9", "1")])
    assert (c.cited, c.on_gold, c.entries_covered, c.entries) == (2, 1, 1, 2)
    assert c.precision == 0.5 and c.recall == 0.5
    c = score_citations(two, [ParagraphRef("09A1", "2"), ParagraphRef("09B2", "1")])
    assert c.precision == 1.0 and c.recall == 1.0
    assert score_citations(two, []).precision is None


def test_bootstrap_interval() -> None:
    e = mean_ci([1, 0, 1, 1, 0, 1, 1, 1])
    assert e.value == 0.75 and e.lo is not None and e.hi is not None and e.lo < 0.75 < e.hi and e.n == 8
    assert e == mean_ci([1, 0, 1, 1, 0, 1, 1, 1])  # fixed seed: reproducible
    assert mean_ci([1.0] * 5).lo == 1.0 and mean_ci([]).value is None


def test_conversations_load_and_validate(tmp_path: Path) -> None:
    convs = load_conversations(REPO / "eval" / "sets" / "conversations-tune.jsonl")
    assert len(convs) >= 14 and all(len(c.turns) == 3 for c in convs)
    assert convs[0].turns[1].id == f"{convs[0].id}/2" and convs[0].turns[1].answerable
    f = tmp_path / "c.jsonl"
    f.write_text('{"id": "c1", "turns": [{"question": "q", "answer": "a"}]}\n{"id": "c2"}\n')
    with pytest.raises(GoldError) as e:
        load_conversations(f)
    assert f"{f}:1: 'turns' must be a list of at least two" in str(e.value) and f"{f}:2:" in str(e.value)


def test_question_sets_are_grounded_in_the_sample() -> None:
    """eval/sets/ as shipped: sizes, kinds, disjoint splits (by cable), every support paragraph real."""
    sys.path.insert(0, str(REPO / "eval" / "sets"))
    import check_sets

    report = check_sets.check(REPO / "eval" / "sets")
    assert report.problems == [], report.problems[:5]
    assert report.questions >= 150 and report.multi_part >= 40 and report.conversations >= 30
    assert report.shared_cables == set()


ATLANTIS = (
    "08ATLANTIS777\nPINEAPPLE HARVEST REPORT\nTue Nov 04 06:06:00 +0100 2008\nCONFIDENTIAL\nEmbassy Atlantis\n"
    "C O N F I D E N T I A L SECTION 01 OF 01 ATLANTIS 000777\n\nE.O. 12958: DECL: 01/01/2019\nTAGS: PREL\n"
    "SUBJECT: PINEAPPLE HARVEST REPORT\n\nClassified By: Ambassador Test Person. Reasons: 1.4 (b).\n\n"
    "1. (C) The pineapple harvest in Atlantis reached 4,200 tonnes in 2008, the ministry of agriculture said.\n\n"
    "2. (C) The harvest minister, Ms. Coral Reef, resigned on June 3, 2008.\n\nTESTER\n"
)
GOLD = [
    {
        "id": "a1",
        "question": "How many tonnes did the pineapple harvest in Atlantis reach in 2008?",
        "answer": "4,200 tonnes",
        "type": "number",
        "support": [{"cable_id": "08ATLANTIS777", "paragraphs": [1]}],
    },
    {
        "id": "a2",
        "question": "Which harvest minister of Atlantis resigned on June 3, 2008?",
        "answer": "Coral Reef",
        "type": "who",
        "support": [{"cable_id": "08ATLANTIS777", "paragraphs": [2]}],
    },
    {
        "id": "m1",
        "question": "What classification did cable 08ATLANTIS777 carry?",
        "answer": "CONFIDENTIAL",
        "type": "metadata",
        "support": [{"cable_id": "08ATLANTIS777", "paragraphs": [0]}],
    },
    {"id": "u1", "question": "How many bananas did Atlantis export in 2007?", "answer": None, "type": "unanswerable"},
]
CONVERSATION = {
    "id": "c1",
    "turns": [
        {
            "question": "Which harvest minister of Atlantis resigned?",
            "answer": "Coral Reef",
            "type": "who",
            "support": [{"cable_id": "08ATLANTIS777", "paragraphs": [2]}],
        },
        {
            "question": "When did she resign?",
            "answer": "June 3, 2008",
            "type": "when",
            "support": [{"cable_id": "08ATLANTIS777", "paragraphs": [2]}],
        },
    ],
}


def _scripted(prompt: str) -> str:
    question = prompt.rsplit("Question:", 1)[-1].lower() if "Question:" in prompt else prompt.lower()
    if "banana" in question:
        return "The passages do not contain this."
    if "tonnes" in question:
        return "The pineapple harvest reached 4,200 tonnes in 2008."
    return "The harvest minister, Ms. Coral Reef, resigned on June 3, 2008."


def test_eval_scores_runs_resumes_and_compares(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The scripted model answers; every figure is scored from the stored outputs; a second run reuses them; a
    changed setting runs again; conversations are played with their history; compare lists what changed."""
    from rag.components import open_answerer, open_components
    from rag.eval.compare import compare
    from rag.eval.runner import EvalOptions, run_eval
    from rag.fakes import FakeEmbedder, FakeLLM
    from rag.ingest.build import ingest
    from rag.settings import Settings

    src = tmp_path / "c"
    src.mkdir()
    (src / "08ATLANTIS777.txt").write_text(ATLANTIS)
    s = Settings(index_dir=str(tmp_path / "idx"))
    ingest([src], s, embedder=FakeEmbedder(), progress=False)
    c = open_components(s, embedder=FakeEmbedder())
    (tmp_path / "g.jsonl").write_text("\n".join(json.dumps(d) for d in GOLD) + "\n")
    (tmp_path / "conv.jsonl").write_text(json.dumps(CONVERSATION) + "\n")
    llm = FakeLLM(_scripted, chooser=lambda prompt: "YES")  # the judge accepts; scoring is under test here
    opts = EvalOptions(
        str(tmp_path / "g.jsonl"), str(tmp_path / "a"), conversations=str(tmp_path / "conv.jsonl"), quiet=True
    )
    assert run_eval(opts, s, c, open_answerer(s, llm=llm, components=c)) == 0
    rep = json.loads((tmp_path / "a" / "report.json").read_text())
    items = rep["per_item"]
    assert items["a1"]["strict"] and items["a2"]["strict"] and items["m1"]["path"] == "metadata"
    assert items["u1"]["abstained"] and items["u1"]["path"] == "abstention"
    a = rep["answers"]
    assert a["accuracy_strict"] == 1.0 and a["abstention_accuracy"] == 1.0 and a["n"]["accuracy_strict"] == 3
    lo, hi = a["ci95"]["accuracy_lenient"]
    assert lo <= a["accuracy_lenient"] <= hi and a["citation_recall"] == 1.0
    assert set(rep["by_path"]) >= {"metadata", "abstention", "model"} and "who" in rep["by_kind"]
    turn2 = rep["per_turn"]["c1/2"]
    assert turn2["strict"] and rep["conversation"]["by_turn"]["2"]["accuracy_strict"] == 1.0
    assert (tmp_path / "a" / "report.md").read_text().count("[") > 10  # intervals in the tables
    n = len(llm.prompts)
    assert run_eval(opts, s, c, open_answerer(s, llm=llm, components=c)) == 0
    assert len(llm.prompts) == n  # resumed: nothing asked twice
    first = tmp_path / "first.json"
    first.write_text((tmp_path / "a" / "report.json").read_text())
    changed = s.replace(max_answer_tokens=150)
    wrong = FakeLLM("The pineapple harvest reached 4,300 tonnes in 2008.", chooser=lambda prompt: "YES")
    assert run_eval(opts, changed, c, open_answerer(changed, llm=wrong, components=c)) == 0
    assert wrong.prompts  # same folder, changed setting: a new run, the model was asked again
    capsys.readouterr()
    compare(str(first), str(tmp_path / "a"))
    out = capsys.readouterr().out
    assert "answers accuracy_strict" in out and "a1 [number]" in out and "lenient True -> False" in out


def test_cli_eval_retrieval_only_and_resume(real_index, real_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "rag.cli",
        "--index",
        real_settings.index_dir,
        "eval",
        "--gold",
        str(REPO / "eval" / "dev_qa.jsonl"),
        "--out",
        str(out),
        "--retrieval-only",
        "--limit",
        "12",
        "--quiet",
        "--min-recall",
        "0.9",
    ]
    env = {"CABLES_CACHE_DIR": real_settings.cache_dir, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    report = json.loads((out / "report.json").read_text())
    assert set(report["retrieval"]) == {"dense", "bm25", "hybrid"}
    assert report["retrieval"]["hybrid"]["recall@10"] >= 0.9
    assert (out / "report.md").exists() and (out / "recall_at_k.png").exists()
    r2 = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert r2.returncode == 0 and json.loads((out / "report.json").read_text())["retrieval"] == report["retrieval"]
    bad = subprocess.run([*cmd[:-1], "1.01"], capture_output=True, text=True, cwd=REPO, env=env, timeout=600)
    assert bad.returncode == 1 and "below the threshold" in bad.stderr


# measured on the dev set, full sample (36 answerable): hybrid recall@10 0.972, recall@3 0.944
RECALL_FLOOR = 0.94
RECALL3_FLOOR = 0.9


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory, cache_dir) -> str:  # type: ignore[no-untyped-def]
    """The whole bundled sample (1,295 real cables), built by the CLI as a user would (several minutes)."""
    idx = str(tmp_path_factory.mktemp("sample") / "index")
    env = {"CABLES_CACHE_DIR": cache_dir, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "rag.cli",
            "--index",
            idx,
            "ingest",
            str(REPO / "corpus" / "wikileaks-html.tar.xz"),
            "--quiet",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=1800,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["added"] == 1295
    return idx


def _eval(index: str, cache_dir: str, *args: str, gold: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"CABLES_CACHE_DIR": cache_dir, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    cmd = [
        sys.executable,
        "-m",
        "rag.cli",
        "--index",
        index,
        "eval",
        "--gold",
        str(gold or REPO / "eval" / "dev_qa.jsonl"),
        "--quiet",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=900)


# the end-to-end subset: two questions the model must answer from a paragraph (figures required), two metadata
# questions answered from the record, one unanswerable question the system must decline
SMOKE = ("q004", "q008", "q010", "q040", "q013")


def test_dev_eval_on_the_sample(sample_index: str, cache_dir: str, tmp_path: Path) -> None:
    """CI's scripted evaluation: retrieval-only on the whole dev set (fails under the recall floors), then a
    five-question end-to-end evaluation with the real model that fails if answers lose their figures or the
    unanswerable question gets an answer."""
    r = _eval(
        sample_index,
        cache_dir,
        "--out",
        str(tmp_path / "r"),
        "--retrieval-only",
        "--retriever",
        "hybrid",
        "--min-recall",
        str(RECALL_FLOOR),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads((tmp_path / "r" / "report.json").read_text())
    assert rep["retrieval"]["hybrid"]["recall@10"] >= RECALL_FLOOR
    assert rep["retrieval"]["hybrid"]["recall@3"] >= RECALL3_FLOOR
    dev = [json.loads(line) for line in (REPO / "eval" / "dev_qa.jsonl").read_text().splitlines() if line.strip()]
    subset = tmp_path / "smoke.jsonl"
    subset.write_text("".join(json.dumps(d) + "\n" for d in dev if d["id"] in SMOKE))
    r = _eval(sample_index, cache_dir, "--out", str(tmp_path / "a"), gold=subset)
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads((tmp_path / "a" / "report.json").read_text())
    items = rep["per_item"]
    assert len(items) == 5 and all("answer" in v for v in items.values())
    assert rep["answers"]["accuracy_strict"] >= 0.75, {k: (v["answer"], v["expected"]) for k, v in items.items()}
    assert items["q013"]["abstained"], items["q013"]["answer"]
    assert items["q010"]["path"] == "metadata" and items["q040"]["path"] == "metadata"
    assert rep["answers"]["citation_validity"] in (None, 1.0)
    assert (tmp_path / "a" / "accuracy_by_type.png").exists() and (tmp_path / "a" / "latency.png").exists()


def test_run_identity_covers_everything_that_changes_a_result(tmp_path: Path) -> None:
    """An eval never resumes across a change of settings, prompts, index or code: each is part of the key."""
    import shutil

    from rag.eval.identity import identity_key, run_identity
    from rag.fakes import FakeEmbedder
    from rag.index.reader import Index
    from rag.ingest.build import ingest
    from rag.settings import REPO_ROOT, Settings

    from .conftest import FIXTURES

    prompts = tmp_path / "prompts"
    shutil.copytree(REPO_ROOT / "prompts", prompts)
    s = Settings(index_dir=str(tmp_path / "idx"), prompts_dir=str(prompts))
    ingest([FIXTURES / "seeds"], s, embedder=FakeEmbedder(), progress=False)
    idx = Index.load(s, expect_embedder=FakeEmbedder.name)
    key = identity_key(run_identity(s, idx, "answers", "hybrid"))
    assert key == identity_key(run_identity(s, idx, "answers", "hybrid"))
    for changed in (s.replace(dense_weight=0.3), s.replace(check_supported=0.7), s.replace(rrf_k=60)):
        assert identity_key(run_identity(changed, idx, "answers", "hybrid")) != key
    (prompts / "passage.txt").write_text((prompts / "passage.txt").read_text() + " ")
    assert identity_key(run_identity(s, idx, "answers", "hybrid")) != key
    ingest([FIXTURES / "plain-text" / "09KHARTOUM249.txt"], s, embedder=FakeEmbedder(), progress=False)
    newer = Index.load(s, expect_embedder=FakeEmbedder.name)
    assert identity_key(run_identity(s, newer, "answers", "hybrid")) != identity_key(
        run_identity(s, idx, "answers", "hybrid")
    )


def test_code_version_follows_the_source(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rag.eval import identity

    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(identity, "_PACKAGE", tmp_path)
    before = identity.code_version()
    (tmp_path / "a.py").write_text("x = 2\n")
    assert identity.code_version() != before
