"""Crash safety and concurrency of the index: random SIGKILLs, a full disk, ingest while serving."""

from __future__ import annotations

import errno
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

SCRIPT = """
import sys
sys.path.insert(0, {repo!r})
from rag.fakes import FakeEmbedder
from rag.ingest.build import ingest
from rag.settings import Settings
ingest([{src!r}], Settings(index_dir={idx!r}), embedder=FakeEmbedder(), progress=False)
print("DONE", flush=True)
"""


def test_random_kills_never_break_the_index(tmp_path: Path, subset_dir: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "idx"))
    emb = FakeEmbedder()
    ingest([FIXTURES / "seeds"], s, embedder=emb, progress=False)
    script = tmp_path / "run.py"
    script.write_text(SCRIPT.format(repo=str(REPO), src=str(subset_dir), idx=s.index_dir))
    rng = random.Random(7)
    survived = 0
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.5, 4.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            survived += 1
        proc.wait(timeout=60)
        idx = Index.load(s, expect_embedder=emb.name)  # loads and answers after every kill
        assert Retriever(idx, emb, s).search("Saltanov Hamas").hits
        assert idx.manifest.cable_count in (2, 2 + len(SUBSET))
    r = ingest([subset_dir], s, embedder=emb, progress=False)  # the next ingest finishes the job
    assert Index.load(s, expect_embedder=emb.name).manifest.cable_count == 2 + len(SUBSET)
    assert r.added + r.unchanged == len(SUBSET)


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


def test_readers_see_old_or_new_never_a_mix(tmp_path: Path, subset_dir: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "idx"))
    emb = FakeEmbedder()
    ingest([FIXTURES / "seeds"], s, embedder=emb, progress=False)
    old = Index.load(s, expect_embedder=emb.name)
    r_old = Retriever(old, emb, s)
    ingest([subset_dir], s, embedder=emb, progress=False)
    ingest([FIXTURES / "plain-text" / "09KHARTOUM249.txt"], s, embedder=emb, progress=False)  # old version GC'd
    hits = r_old.search("Saltanov Hamas Moscow").hits  # the old reader keeps working on its version
    assert hits and all(h.passage.cable_id in {"07MOSCOW828", "06MOSCOW1323"} for h in hits)
    new = Index.load(s, expect_embedder=emb.name)
    assert new.manifest.cable_count == 3 + len(SUBSET)
    assert new.store.count_passages() == len(new.row_cable) == new.dense.index.ntotal
