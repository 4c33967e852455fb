"""The CLI's JSON contracts that other tools depend on (search, ask, check), on the real subset index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO


def _cli(settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {"CABLES_CACHE_DIR": settings.cache_dir, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", "--index", settings.index_dir, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )


def test_search_json_and_batch(real_index, real_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = _cli(real_settings, "search", "Hansabank cyber attacks", "--k", "5", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["query"] == "Hansabank cyber attacks" and len(out["hits"]) == 5
    h = out["hits"][0]
    assert set(h) >= {"cable_id", "paragraph", "score", "text"} and isinstance(h["paragraph"], int)
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "question": "Viktor Bout extradition"}\n{"id": "b", "question": "Zaman newspaper"}\n')
    r = _cli(real_settings, "search", "--batch", str(batch), "--k", "3", "--json")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"] and all(len(x["hits"]) == 3 for x in lines)
    r = _cli(real_settings, "search", "Oslo", "--origin", "Embassy Oslo", "--from", "2008", "--to", "2008", "--json")
    assert all(h["cable_id"].startswith("08OSLO") for h in json.loads(r.stdout)["hits"])
    assert _cli(real_settings, "search", "--k", "x").returncode == 2


def test_ask_json_contract(real_index, real_settings) -> None:  # type: ignore[no-untyped-def]
    r = _cli(real_settings, "ask", "What TAGS were assigned to cable 09SEOUL1400?", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"question", "answer", "abstained", "citations", "sentences", "hits", "timing"}
    assert out["citations"] == [{"cable_id": "09SEOUL1400", "paragraph": 0, "label": "0"}]
    assert out["sentences"][0]["verdict"] == "supported" and "PGOV" in out["answer"]
    assert set(out["timing"]) == {"retrieve_s", "ttft_s", "total_s"}


def test_check_cli(real_index, real_settings) -> None:  # type: ignore[no-untyped-def]
    good = (
        "Minister of Transportation and Aviation Ibrahim Kemoh Sesay was relieved of his duties August 4 "
        "[08FREETOWN389 ¶2]."
    )
    r = _cli(real_settings, "check", "-", "--json", stdin=good)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["sentences"][0]["verdict"] == "supported" and out["invalid_citations"] == []
    r = _cli(real_settings, "check", "-", "--json", stdin="Something happened [99FAKE1 ¶1].")
    assert r.returncode == 1 and json.loads(r.stdout)["invalid_citations"][0]["cable_id"] == "99FAKE1"
    assert _cli(real_settings, "check").returncode == 2
