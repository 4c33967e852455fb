"""The index writer: parse, store, chunk, embed and publish a new index version atomically.

A build writes a new version folder and then replaces CURRENT in one rename, under a lock that refuses a second
writer, so a build killed at any moment leaves the previous version live and readers never see a mix.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..backends.embedder import Embedder, embed_all
from ..backends.loaders import load_embedder
from ..backends.weights import resolve_embedder
from ..errors import IndexLockedError, IndexMismatchError, ParseError
from ..hashing import sha256_file
from ..index.dense import Dense
from ..index.lexical import Lexical
from ..index.manifest import FORMAT_VERSION, Manifest, current_version, fsync_dir, libraries, version_files
from ..index.store import Store, cable_fingerprint
from ..records import Passage
from ..settings import Settings
from .parse import iter_cables
from .passages import embed_text, passage_hash, passages_for

OnError = Callable[[ParseError], None]


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[ParseError, ...] = ()
    passages: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    version: str = ""
    dropped_chars: int = 0  # letters and digits the parser left out as boilerplate, over the cables parsed

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, failed {self.failed}; "
            f"{self.passages} passages ({self.embedded} embedded, {self.reused} reused) in {self.seconds:.1f}s; "
            f"{self.dropped_chars} characters dropped as boilerplate (page breaks, SIPDIS, site trailers)"
        )


@contextmanager
def write_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    f = open(root / ".lock", "a+")  # noqa: SIM115 - held for the whole build
    try:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            who = f.read().strip() or "another process"
            raise IndexLockedError(f"{root} is being written by {who}; wait for it to finish") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        f.flush()
        yield
    finally:
        fcntl.flock(f, fcntl.LOCK_UN)
        f.close()


def _check_compatible(prev: Path | None, root: Path, emb_name: str, settings: Settings) -> None:
    m = Manifest.read(prev / "manifest.json") if prev else None
    if m and (
        m.embedder != emb_name
        or m.format_version != FORMAT_VERSION
        or m.with_context != settings.embed_context
        or m.window_tokens != settings.window_tokens
    ):
        raise IndexMismatchError(
            f"the index at {root} was built with embedder {m.embedder} (format {m.format_version}); this run uses "
            f"{emb_name} (format {FORMAT_VERSION}) or other passage settings: run `cables ingest --rebuild PATH...` "
            "to start fresh"
        )


def ingest(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    on_error: OnError | None = None,
    progress: bool = True,
) -> IngestReport:
    """Parse `paths`, add new or changed cables to the index and swap the new version in."""
    t0 = time.time()
    root = Path(settings.index_dir)
    with write_lock(root):
        prev = None if rebuild else current_version(root)
        emb_name = embedder.name if embedder is not None else resolve_embedder(settings.embedder)[0]
        _check_compatible(prev, root, emb_name, settings)
        versions = root / "versions"
        versions.mkdir(parents=True, exist_ok=True)
        now = time.time()
        name = time.strftime("v%Y%m%d-%H%M%S", time.gmtime(now)) + f".{int(now * 1e6) % 1_000_000:06d}-{os.getpid()}"
        tmp = versions / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        if prev:
            with sqlite3.connect(prev / "store.sqlite") as src, sqlite3.connect(tmp / "store.sqlite") as dst:
                src.backup(dst)
        store = Store(tmp / "store.sqlite")
        try:
            report = _build(store, paths, prev, settings, embedder, emb_name, on_error, progress, tmp, t0)
            store.close()
            if report.added == 0 and report.updated == 0:  # nothing new: the live version stays
                shutil.rmtree(tmp, ignore_errors=True)
                return replace(report, seconds=time.time() - t0)
            _publish(tmp, root, name, settings.keep_versions)
            return replace(report, version=name, seconds=time.time() - t0)
        except BaseException:
            store.close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _publish(tmp: Path, root: Path, name: str, keep: int) -> None:
    """Rename the finished folder into place, then switch CURRENT to it in one atomic rename."""
    versions = root / "versions"
    os.replace(tmp, versions / name)
    fsync_dir(versions)
    cur_tmp = root / "CURRENT.tmp"
    cur_tmp.write_text(name)
    with open(cur_tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(cur_tmp, root / "CURRENT")
    fsync_dir(root)
    _gc(versions, name, keep)


def _gc(versions: Path, keep_name: str, keep: int) -> None:
    live = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in live[:-keep]:
        if old.name != keep_name:
            shutil.rmtree(old, ignore_errors=True)
    for stale in versions.glob(".*.tmp"):
        if f"-{os.getpid()}" not in stale.name:
            shutil.rmtree(stale, ignore_errors=True)


def _store_cables(
    store: Store, paths: Iterable[str | os.PathLike[str]], settings: Settings, on_error: OnError | None
) -> tuple[IngestReport, set[str]]:
    """Parse every source; store new and changed cables. Returns the counts and the IDs that changed."""
    known = store.fingerprints()
    added = updated = unchanged = dropped = 0
    errors: list[ParseError] = []
    changed: set[str] = set()
    for r in iter_cables(paths, max_bytes=settings.max_cable_mb << 20):
        if isinstance(r, ParseError):
            errors.append(r)
            if on_error:
                on_error(r)
            continue
        fp, dropped = cable_fingerprint(r), dropped + r.dropped_chars
        old = known.get(r.id)
        if old == fp:
            unchanged += 1
            continue
        if old is None:
            added += 1
        else:
            updated += 1
        known[r.id] = fp
        changed.add(r.id)
        store.put_cable(r)
    store.commit()
    return IngestReport(added, updated, unchanged, len(errors), tuple(errors), dropped_chars=dropped), changed


def _passage_rows(
    store: Store, prev: Path | None, changed: set[str], settings: Settings, emb_name: str
) -> tuple[list[tuple[Passage, str]], dict[str, np.ndarray]]:
    """Passages of unchanged cables are kept as they are; changed cables are re-chunked. Also returns the previous
    version's vectors by passage hash, for reuse."""
    old_vecs: dict[str, np.ndarray] = {}
    rows: list[tuple[Passage, str]] = []
    if prev is not None:
        prev_vectors = np.load(prev / "vectors.npy", mmap_mode="r")
        for row, p, h in store.passage_rows():
            old_vecs.setdefault(h, prev_vectors[row])
            if p.cable_id not in changed:
                rows.append((p, h))
    for cid in sorted(changed):
        cable = store.cable(cid)
        assert cable is not None
        for p in passages_for(cable, settings):
            rows.append((p, passage_hash(p, emb_name, settings.embed_context)))
    rows.sort(key=lambda ph: (ph[0].cable_id, ph[0].num, str(ph[0].ref), ph[0].window))
    return rows, old_vecs


def _vectors(
    rows: list[tuple[Passage, str]],
    old_vecs: dict[str, np.ndarray],
    embedder: Embedder | None,
    settings: Settings,
    progress: bool,
) -> tuple[np.ndarray, int]:
    """One vector per row: reused by hash where possible, the rest embedded. Returns (vectors, embedded count)."""
    todo = [i for i, (_, h) in enumerate(rows) if h not in old_vecs]
    emb = embedder if embedder is not None or not todo else load_embedder(settings)
    dim = emb.dim if emb is not None else (next(iter(old_vecs.values())).shape[0] if old_vecs else 384)
    vectors = np.zeros((len(rows), dim), dtype=np.float32)
    for i, (_, h) in enumerate(rows):
        if h in old_vecs:
            vectors[i] = old_vecs[h]
    if todo:
        assert emb is not None
        texts = [embed_text(rows[i][0], settings.embed_context) for i in todo]
        bar = _progress_bar(len(texts), "embedding passages", progress)
        vectors[todo] = embed_all(emb, texts, settings.embed_batch, bar.update if bar else None)
        if bar:
            bar.close()
    return vectors, len(todo)


def _build(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    prev: Path | None,
    settings: Settings,
    embedder: Embedder | None,
    emb_name: str,
    on_error: OnError | None,
    progress: bool,
    out: Path,
    t0: float,
) -> IngestReport:
    base, changed = _store_cables(store, paths, settings, on_error)
    if not changed:
        return base
    rows, old_vecs = _passage_rows(store, prev, changed, settings, emb_name)
    store.replace_passages(rows)
    store.commit()
    vectors, embedded = _vectors(rows, old_vecs, embedder, settings, progress)
    np.save(out / "vectors.npy", vectors)
    dense = Dense.build(vectors, settings)
    dense.save(out / "dense.faiss")
    Lexical.build([f"{p.context}\n{p.text}" for p, _ in rows]).save(out / "bm25")
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        embedder=emb_name,
        dim=vectors.shape[1],
        normalized=True,
        with_context=settings.embed_context,
        window_tokens=settings.window_tokens,
        window_overlap=settings.window_overlap,
        passage_count=len(rows),
        cable_count=store.count_cables(),
        corpus_fingerprint=_corpus_fingerprint(store),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        build_seconds=round(time.time() - t0, 2),
        dense_kind=dense.kind,
        libraries=libraries(),
        files={str(p.relative_to(out)): sha256_file(p) for p in version_files(out)},
    )
    (out / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2))
    for path in version_files(out):
        with open(path, "rb+") as f:
            os.fsync(f.fileno())
    return replace(base, passages=len(rows), embedded=embedded, reused=len(rows) - embedded)


def _corpus_fingerprint(store: Store) -> str:
    h = hashlib.sha256()
    for cid, fp in sorted(store.fingerprints().items()):
        h.update(f"{cid}:{fp}\n".encode())
    return h.hexdigest()[:32]


def _progress_bar(total: int, desc: str, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="passage", file=sys.stderr, dynamic_ncols=True)
