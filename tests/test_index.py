"""The real index: build with the real embedder, save/load, incremental, manifest checks, corruption and the
fallback to the newest version that verifies, durability before the switch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from rag.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexMissingError
from rag.index.manifest import FORMAT_VERSION, current_version
from rag.index.reader import Index, IndexFallbackWarning
from rag.ingest.build import ingest, write_lock
from rag.retrieve.fusion import Retriever
from rag.settings import Settings

from .conftest import FIXTURES, REPO, SUBSET, FakeEmbedder


def test_real_build_and_reload_give_identical_results(real_index, real_settings, real_embedder) -> None:  # type: ignore[no-untyped-def]
    m = real_index.manifest
    assert m.embedder == "sentence-transformers/all-MiniLM-L6-v2" and m.dim == 384 and m.normalized
    assert m.cable_count == len(SUBSET) and m.passage_count == real_index.store.count_passages()
    kinds = {Path(f).name for f in m.files} | {Path(f).parts[1] for f in m.files if len(Path(f).parts) > 2}
    assert {"store.sqlite", "vec", "bm25", "cols"} <= kinds and m.embedded == m.passage_count
    vecs = real_index.dense.vectors()
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)
    q = "How many full-time staff did Estonia's CERT have during the 2007 cyber attacks?"
    a = Retriever(real_index, real_embedder, real_settings).search(q).hits
    again = Index.load(real_settings)
    b = Retriever(again, real_embedder, real_settings).search(q).hits
    assert [(h.ref, round(h.score, 6)) for h in a] == [(h.ref, round(h.score, 6)) for h in b]
    assert a[0].passage.cable_id in {"07TALLINN375", "07TALLINN366"}


def test_long_paragraphs_are_windowed_not_truncated(real_index) -> None:  # type: ignore[no-untyped-def]
    from rag.text import tokens

    rows = list(real_index.store.passage_rows())
    windows = [p for _, p, _ in rows if p.window > 0]
    assert windows, "the subset has paragraphs longer than one window"
    assert max(tokens.count(p.text) for _, p, _ in rows) <= 210
    pid = windows[0].ref
    cable = real_index.cable(windows[0].cable_id)
    full = cable.paragraph(pid.label).text
    assert full.split()[-1] in " ".join(p.text for _, p, _ in rows if p.ref == pid)


def test_second_ingest_reports_unchanged(real_index, real_settings, subset_dir) -> None:  # type: ignore[no-untyped-def]
    before = current_version(Path(real_settings.index_dir))
    r = ingest([subset_dir], real_settings, progress=False)
    assert (r.added, r.updated, r.unchanged, r.failed) == (0, 0, len(SUBSET), 0)
    assert current_version(Path(real_settings.index_dir)) == before


def test_incremental_add_reembeds_only_new(tmp_path: Path, subset_dir: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "idx"), cache_dir=str(tmp_path / "c"))
    emb = FakeEmbedder()
    first = ingest(
        [subset_dir / "07TALLINN366.html", subset_dir / "07TALLINN375.html"], s, embedder=emb, progress=False
    )
    assert first.added == 2 and first.embedded == first.passages
    seed = FIXTURES / "seeds" / "001_60a81c5ffc7b069b.txt"
    second = ingest([subset_dir / "07TALLINN366.html", seed], s, embedder=emb, progress=False)
    assert (second.added, second.unchanged) == (1, 1)
    assert second.reused == first.passages and second.embedded == second.passages - first.passages
    idx = Index.load(s, expect_embedder=emb.name)
    assert idx.manifest.cable_count == 3 and idx.cable("06MOSCOW1323") is not None


def test_changed_cable_is_updated(tmp_path: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "idx"))
    src = tmp_path / "c.txt"
    src.write_text((FIXTURES / "seeds" / "001_60a81c5ffc7b069b.txt").read_text())
    emb = FakeEmbedder()
    ingest([src], s, embedder=emb, progress=False)
    src.write_text(src.read_text().replace("unwelcome surprise", "welcome surprise"))
    r = ingest([src], s, embedder=emb, progress=False)
    assert r.updated == 1 and 0 < r.embedded < r.passages
    assert "welcome surprise" in Index.load(s, expect_embedder=emb.name).cable("06MOSCOW1323").paragraphs[1].text  # type: ignore[union-attr]


def test_missing_index_and_mismatched_embedder(tmp_path: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "none"))
    with pytest.raises(IndexMissingError, match="cables ingest"):
        Index.load(s)
    ingest([FIXTURES / "seeds"], Settings(index_dir=str(tmp_path / "i")), embedder=FakeEmbedder(), progress=False)
    with pytest.raises(IndexMismatchError, match="built with embedder fake-hash-embedder.*--rebuild"):
        Index.load(Settings(index_dir=str(tmp_path / "i")))


def _flip_last_bytes(path: Path) -> None:
    with open(path, "r+b") as f:
        f.seek(-8, os.SEEK_END)
        f.write(b"\x13\x37\x13\x37\x13\x37\x13\x37")


def test_corrupted_file_is_detected(tmp_path: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "i"))
    ingest([FIXTURES / "seeds"], s, embedder=FakeEmbedder(), progress=False)
    v = current_version(Path(s.index_dir))
    assert v is not None
    vec = next(v.glob("*/vec/*.npy"))
    _flip_last_bytes(vec)
    with pytest.raises(IndexCorruptError, match=r"vec/\d+\.npy fails its checksum.*no earlier version"):
        Index.load(s, expect_embedder="fake-hash-embedder")


def test_load_falls_back_to_the_newest_version_that_verifies(tmp_path: Path) -> None:
    """Issue 17 item 6: a live version that fails verification is not the end; the previous one is loaded, and
    the index says so."""
    s = Settings(index_dir=str(tmp_path / "i"), keep_versions=3)
    emb = FakeEmbedder()
    ingest([FIXTURES / "seeds"], s, embedder=emb, progress=False)
    v1 = current_version(Path(s.index_dir))
    ingest([FIXTURES / "plain-text" / "09KHARTOUM249.txt"], s, embedder=emb, progress=False)
    v2 = current_version(Path(s.index_dir))
    assert v1 is not None and v2 is not None and v1 != v2
    with open(v2 / "manifest.json", "ab") as f:  # a torn or edited manifest
        f.write(b" ")
    with pytest.warns(IndexFallbackWarning, match="failed verification"):
        idx = Index.load(s, expect_embedder=emb.name)
    assert idx.version == v1.name and "manifest.json fails its checksum" in idx.note
    assert idx.cable("09KHARTOUM249") is None and idx.cable("07MOSCOW828") is not None
    # the next ingest builds on the version that verifies and repairs the live one
    r = ingest([FIXTURES / "plain-text" / "09KHARTOUM249.txt"], s, embedder=emb, progress=False)
    assert r.added == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Index.load(s, expect_embedder=emb.name).cable("09KHARTOUM249") is not None


def test_everything_is_durable_before_current_switches(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 item 6: every file of the new version, manifest.json included, and every folder are fsynced
    before CURRENT is replaced."""
    synced: set[str] = set()
    at_switch: list[set[str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.add(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def replace(src, dst, *a, **k):  # type: ignore[no-untyped-def]
        if str(dst).endswith("CURRENT"):
            at_switch.append(set(synced))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    s = Settings(index_dir=str(tmp_path / "i"))
    ingest([FIXTURES / "seeds"], s, embedder=FakeEmbedder(), progress=False)
    monkeypatch.undo()
    v = current_version(Path(s.index_dir))
    assert v is not None and at_switch
    wanted = {str(p) for p in [v, *v.rglob("*")]} | {str(v.parent)}
    assert str(v / "manifest.json") in wanted
    done = {p.replace(f"/.{v.name}.tmp", f"/{v.name}") for p in at_switch[-1]}  # written aside, then renamed
    missing = sorted(wanted - done)
    assert not missing, f"not fsynced before the switch: {missing[:5]}"


def test_second_writer_is_refused(tmp_path: Path) -> None:
    with write_lock(tmp_path), pytest.raises(IndexLockedError, match="being written by pid"):
        ingest([FIXTURES / "seeds"], Settings(index_dir=str(tmp_path)), embedder=FakeEmbedder(), progress=False)


KILL_SCRIPT = """
import sys, time
sys.path.insert(0, {repo!r})
from rag.fakes import FakeEmbedder
from rag.ingest.build import ingest
from rag.settings import Settings

class Slow(FakeEmbedder):
    def embed_batch(self, texts):
        print("EMBEDDING", flush=True)
        time.sleep(60)
        return super().embed_batch(texts)

ingest([{src!r}], Settings(index_dir={idx!r}), embedder=Slow(), progress=False)
"""


def test_killed_build_leaves_previous_index_usable(tmp_path: Path, subset_dir: Path) -> None:
    s = Settings(index_dir=str(tmp_path / "idx"))
    emb = FakeEmbedder()
    ingest([FIXTURES / "seeds"], s, embedder=emb, progress=False)
    before = current_version(Path(s.index_dir))
    script = tmp_path / "kill.py"
    script.write_text(KILL_SCRIPT.format(repo=str(REPO), src=str(subset_dir), idx=s.index_dir))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "EMBEDDING"  # mid-build: cables stored, vectors not yet
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert current_version(Path(s.index_dir)) == before
    idx = Index.load(s, expect_embedder=emb.name)
    assert idx.manifest.cable_count == 2
    # the next ingest finishes the job and the lock was released by the kill
    r = ingest([subset_dir], s, embedder=emb, progress=False)
    assert r.added == len(SUBSET)
    assert Index.load(s, expect_embedder=emb.name).manifest.cable_count == len(SUBSET) + 2


def test_manifest_records_build_metadata(real_index) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((real_index.folder / "manifest.json").read_text())
    for key in (
        "format_version",
        "embedder",
        "dim",
        "normalized",
        "passage_count",
        "corpus_fingerprint",
        "built_at",
        "libraries",
        "files",
    ):
        assert key in data
    assert "faiss" in data["libraries"] and data["format_version"] == FORMAT_VERSION == 3 and data["segments"]


def test_an_ingest_with_a_broken_file_still_publishes_the_good_ones(tmp_path: Path) -> None:
    import copy

    from rag.errors import ParseError

    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text((FIXTURES / "seeds" / "001_60a81c5ffc7b069b.txt").read_text())
    (src / "bad.html").write_bytes(b"\x00\x00 not a cable")
    s = Settings(index_dir=str(tmp_path / "idx"))
    r = ingest([src], s, embedder=FakeEmbedder(), progress=False)
    assert (r.added, r.failed) == (1, 1) and r.version and "bad.html" in r.errors[0].path
    assert Index.load(s, expect_embedder=FakeEmbedder.name).cable("06MOSCOW1323") is not None
    e = copy.deepcopy(ParseError("f.txt", "empty file"))
    assert (e.path, e.reason, str(e)) == ("f.txt", "empty file", "f.txt: empty file")
