"""Crash safety and concurrency of the index: SIGKILLs at random points (each one checked to have hit a running
ingest), resuming after a kill with at most one chunk re-embedded, a full disk, readers running while an ingest
publishes version after version."""

from __future__ import annotations

import errno
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag.index.manifest import current_version
from rag.index.reader import Index
from rag.ingest.build import ingest
from rag.retrieve.fusion import Retriever
from rag.settings import Settings

from .conftest import FIXTURES, REPO, SUBSET, FakeEmbedder

CHUNK = 64  # passages per committed chunk in these tests (the subset has several hundred)

SCRIPT = """
import os, sys, time
sys.path.insert(0, {repo!r})
from rag.fakes import FakeEmbedder
from rag.ingest.build import ingest
from rag.settings import Settings

class Counting(FakeEmbedder):
    # appends how many texts it embedded, so the test can count re-embedded passages across killed runs
    def embed_batch(self, texts):
        time.sleep({delay})
        with open({log!r}, "a") as f:
            f.write(f"{{len(texts)}}\\n")
        if {die_after} and sum(int(x) for x in open({log!r})) >= {die_after}:
            os.kill(os.getpid(), 9)
        return super().embed_batch(texts)

print("STARTED", flush=True)
r = ingest([{src!r}], Settings(index_dir={idx!r}, ingest_chunk={chunk}, publish_every_s=0), embedder=Counting(),
           progress=False)
print("DONE", r.resumed, r.embedded, flush=True)
"""


def _script(tmp: Path, src: Path, idx: str, log: Path, delay: float = 0.0, die_after: int = 0) -> Path:
    p = tmp / f"run-{die_after}-{delay}.py"
    p.write_text(SCRIPT.format(repo=str(REPO), src=str(src), idx=idx, log=str(log), delay=delay,
                               die_after=die_after, chunk=CHUNK))  # fmt: skip
    return p


def _embedded(log: Path) -> int:
    return sum(int(x) for x in log.read_text().split()) if log.exists() else 0


def test_random_kills_never_break_the_index(tmp_path: Path, subset_dir: Path) -> None:
    """Four SIGKILLs of one ingest: two at random times (parsing or embedding), two at random points of the
    embedding; after each the index loads and answers; each kill is checked to have hit a running ingest."""
    s = Settings(index_dir=str(tmp_path / "idx"), ingest_chunk=CHUNK)
    emb = FakeEmbedder()
    ingest([FIXTURES / "seeds"], s, embedder=emb, progress=False)
    log = tmp_path / "embedded.log"
    t = time.time()  # one uninterrupted run of the same work (elsewhere), to aim the timed kills inside a run
    subprocess.run([sys.executable, str(_script(tmp_path, subset_dir, str(tmp_path / "x"), tmp_path / "x.log", 0.05))],
                   check=True, capture_output=True)  # fmt: skip
    span, total = time.time() - t, _embedded(tmp_path / "x.log")
    rng = random.Random(7)
    kills = 0
    for i in range(4):
        die_after = 0 if i < 2 else _embedded(log) + rng.randint(1, max(1, (total - _embedded(log)) // 3))
        script = _script(tmp_path, subset_dir, s.index_dir, log, delay=0.05, die_after=die_after)
        proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "STARTED"
        if not die_after:
            time.sleep(rng.uniform(0.0, 0.3 * span))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        kills += proc.wait(timeout=120) == -signal.SIGKILL
        idx = Index.load(s, expect_embedder=emb.name)  # loads and answers after every kill
        assert Retriever(idx, emb, s).search("Saltanov Hamas").hits
        assert idx.manifest.cable_count in (2, 2 + len(SUBSET))
    assert kills >= 3, f"only {kills} of 4 kills hit a running ingest"
    r = ingest([subset_dir], s, embedder=emb, progress=False)  # the next ingest finishes the job
    idx = Index.load(s, expect_embedder=emb.name)
    assert idx.manifest.cable_count == 2 + len(SUBSET) and idx.manifest.embedded == idx.manifest.passage_count
    assert r.added + r.unchanged == len(SUBSET) and r.resumed > 0


def test_a_killed_ingest_resumes_and_reembeds_at_most_one_chunk(tmp_path: Path, subset_dir: Path) -> None:
    log = tmp_path / "embedded.log"
    idx_dir = str(tmp_path / "idx")
    killed = subprocess.run([sys.executable, str(_script(tmp_path, subset_dir, idx_dir, log, die_after=3 * CHUNK))],
                            capture_output=True, text=True)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL and "DONE" not in killed.stdout
    before = _embedded(log)
    done = subprocess.run([sys.executable, str(_script(tmp_path, subset_dir, idx_dir, log))], capture_output=True,
                          text=True, check=True)  # fmt: skip
    resumed = done.stdout.split()[-2]  # "DONE <resumed> <embedded>"
    s = Settings(index_dir=idx_dir)
    idx = Index.load(s, expect_embedder=FakeEmbedder.name)
    n = idx.manifest.passage_count
    assert int(resumed) == n  # stage 1 had finished: every passage was already stored
    assert before >= 3 * CHUNK and _embedded(log) - n <= CHUNK, (before, _embedded(log), n)
    # the resumed index is the index an uninterrupted ingest builds
    fresh = Settings(index_dir=str(tmp_path / "fresh"), ingest_chunk=CHUNK)
    ingest([subset_dir], fresh, embedder=FakeEmbedder(), progress=False)
    ref = Index.load(fresh, expect_embedder=FakeEmbedder.name)
    assert np.array_equal(idx.dense.vectors(), ref.dense.vectors())
    q = "Blackwater armed ship Djibouti"
    a = Retriever(idx, FakeEmbedder(), s).search(q).hits
    b = Retriever(ref, FakeEmbedder(), fresh).search(q).hits
    assert [(h.ref, round(h.score, 6)) for h in a] == [(h.ref, round(h.score, 6)) for h in b]


def test_disk_full_during_write_keeps_old_index(tmp_path: Path, subset_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    s = Settings(index_dir=str(tmp_path / "idx"))
    emb = FakeEmbedder()
    ingest([FIXTURES / "seeds"], s, embedder=emb, progress=False)
    before = current_version(Path(s.index_dir))

    def full(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full)
    with pytest.raises(OSError, match="No space left"):
        ingest([subset_dir], s, embedder=emb, progress=False)
    monkeypatch.undo()
    assert current_version(Path(s.index_dir)) == before
    assert Index.load(s, expect_embedder=emb.name).manifest.cable_count == 2
    assert not list((Path(s.index_dir) / "versions").glob(".*.tmp"))  # no half-written version left
    r = ingest([subset_dir], s, embedder=emb, progress=False)  # space again: the same ingest resumes
    assert r.added == len(SUBSET) and r.resumed > 0


READER = """
import json, sys, time
sys.path.insert(0, {repo!r})
from rag.fakes import FakeEmbedder
from rag.index.reader import Index
from rag.retrieve.fusion import Retriever
from rag.settings import Settings
s = Settings(index_dir={idx!r})
seen, errors = {{}}, []
end = time.time() + {seconds}
while time.time() < end:
    try:
        idx = Index.load(s, expect_embedder=FakeEmbedder.name)
        assert not idx.note, idx.note  # the live version itself, not a fallback
        m = idx.manifest
        hits = Retriever(idx, FakeEmbedder(), s).search("Saltanov Hamas Moscow").hits
        rows = {{h.ref for h in hits}}
        # one version, whole: counts agree with what the segments hold, every hit resolves in this version
        assert m.passage_count == sum(seg.n - len(seg.dead_rows) for seg in idx.segments)
        assert all(idx.cable(r.cable_id) is not None for r in rows)
        assert m.embedded == sum(min(seg.dense.n, seg.n) for seg in idx.segments) - sum(
            int((seg.dead_rows < seg.dense.n).sum()) for seg in idx.segments)
        seen[idx.version] = [m.cable_count, m.embedded, m.passage_count]
    except Exception as e:
        errors.append(repr(e))
print(json.dumps({{"seen": seen, "errors": errors[:5]}}), flush=True)
"""


def test_readers_see_old_or_new_never_a_mix(tmp_path: Path, subset_dir: Path) -> None:
    """A reader process loads and searches in a loop while an ingest process publishes version after version
    (lexical first, then more and more embedded): every load is one whole version, and none fails."""
    s = Settings(index_dir=str(tmp_path / "idx"))
    ingest([FIXTURES / "seeds"], s, embedder=FakeEmbedder(), progress=False)
    reader = tmp_path / "reader.py"
    reader.write_text(READER.format(repo=str(REPO), idx=s.index_dir, seconds=25))
    r_proc = subprocess.Popen([sys.executable, str(reader)], stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    # chunks of 16 passages, 0.2 s each, a version after every chunk: many versions while the reader reads
    script = tmp_path / "writer.py"
    script.write_text(SCRIPT.format(repo=str(REPO), src=str(subset_dir), idx=s.index_dir,
                                    log=str(tmp_path / "w.log"), delay=0.2, die_after=0, chunk=16))  # fmt: skip
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, timeout=300)
    out, _ = r_proc.communicate(timeout=120)
    result = json.loads(out.strip().splitlines()[-1])
    assert not result["errors"], result["errors"]
    partial = [v for v in result["seen"].values() if v[0] == 2 + len(SUBSET) and v[1] < v[2]]
    assert len(result["seen"]) >= 4 and partial, result["seen"]  # it read while the ingest was publishing
