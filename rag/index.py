"""The index: a versioned folder with a manifest, built incrementally, swapped in atomically.

Layout: <index_dir>/CURRENT names the live version folder under <index_dir>/versions/; each version holds
store.sqlite (cables, paragraphs, passages), vectors.npy, dense.faiss, bm25/ and manifest.json (format
version, embedder, dimension, corpus fingerprint, file checksums...). A build writes a new version folder
and then replaces CURRENT in one rename, so a build killed at any moment leaves the previous version live.
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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .chunk import embed_text, passage_hash, passages_for
from .dense import Dense
from .embed import Embedder, load_embedder, resolve_model
from .errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexMissingError, ParseError
from .hashing import sha256_file
from .lexical import Lexical
from .parse import iter_cables
from .records import Cable, Passage
from .settings import Settings
from .store import Store, cable_fingerprint

FORMAT_VERSION = 1
KEEP_VERSIONS = 2


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embedder: str
    dim: int
    normalized: bool
    with_context: bool
    window_tokens: int
    window_overlap: int
    passage_count: int
    cable_count: int
    corpus_fingerprint: str
    built_at: str
    build_seconds: float
    dense_kind: str
    libraries: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError) as e:
            raise IndexCorruptError(f"{path}: unreadable manifest ({e}); rebuild with `cables ingest --rebuild`") from e


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

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, failed {self.failed}; "
            f"{self.passages} passages ({self.embedded} embedded, {self.reused} reused) in {self.seconds:.1f}s"
        )


def _files(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            yield p


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_version(root: Path) -> Path | None:
    cur = root / "CURRENT"
    if not cur.exists():
        return None
    name = cur.read_text().strip()
    path = root / "versions" / name
    return path if path.is_dir() else None


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


def _libraries() -> dict[str, str]:
    out = {"cables": __version__, "python": sys.version.split()[0]}
    for mod in ("faiss", "bm25s", "numpy", "onnxruntime", "sentence_transformers", "torch"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = str(getattr(m, "__version__", "?"))
    return out


def _corpus_fingerprint(store: Store) -> str:
    h = hashlib.sha256()
    for cid, fp in sorted(store.fingerprints().items()):
        h.update(f"{cid}:{fp}\n".encode())
    return h.hexdigest()[:32]


def ingest(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    on_error: Callable[[ParseError], None] | None = None,
    progress: bool = True,
) -> IngestReport:
    """Parse `paths`, add new or changed cables to the index and swap the new version in."""
    t0 = time.time()
    root = Path(settings.index_dir)
    with write_lock(root):
        prev = None if rebuild else current_version(root)
        prev_manifest = Manifest.read(prev / "manifest.json") if prev else None
        emb_name = embedder.name if embedder is not None else resolve_model(settings.embedder)[0]
        if prev_manifest and (
            prev_manifest.embedder != emb_name
            or prev_manifest.format_version != FORMAT_VERSION
            or prev_manifest.with_context != settings.embed_context
            or prev_manifest.window_tokens != settings.window_tokens
        ):
            raise IndexMismatchError(
                f"the index at {root} was built with embedder {prev_manifest.embedder} (format "
                f"{prev_manifest.format_version}); this run uses {emb_name} (format {FORMAT_VERSION}) or other "
                "passage settings: run `cables ingest --rebuild PATH...` to start fresh"
            )
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
            report = _ingest_into(store, paths, prev, settings, embedder, emb_name, on_error, progress, tmp, t0)
            if report.added == 0 and report.updated == 0 and (prev is not None or store.count_cables() == 0):
                store.close()
                shutil.rmtree(tmp, ignore_errors=True)
                return replace(report, seconds=time.time() - t0)
            store.close()
            final = versions / name
            os.replace(tmp, final)
            _fsync_dir(versions)
            cur_tmp = root / "CURRENT.tmp"
            cur_tmp.write_text(name)
            with open(cur_tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(cur_tmp, root / "CURRENT")
            _fsync_dir(root)
            _gc(versions, keep=name)
            return IngestReport(
                **{**asdict(report), "errors": report.errors, "version": name, "seconds": time.time() - t0}
            )
        except BaseException:
            store.close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _gc(versions: Path, keep: str) -> None:
    live = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in live[:-KEEP_VERSIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in versions.glob(".*.tmp"):
        if f"-{os.getpid()}" not in stale.name:
            shutil.rmtree(stale, ignore_errors=True)


def _ingest_into(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    prev: Path | None,
    settings: Settings,
    embedder: Embedder | None,
    emb_name: str,
    on_error: Callable[[ParseError], None] | None,
    progress: bool,
    out: Path,
    t0: float,
) -> IngestReport:
    known = store.fingerprints()
    added = updated = unchanged = 0
    errors: list[ParseError] = []
    changed: set[str] = set()
    for r in iter_cables(paths):
        if isinstance(r, ParseError):
            errors.append(r)
            if on_error:
                on_error(r)
            continue
        fp = cable_fingerprint(r)
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
    base = IngestReport(added, updated, unchanged, len(errors), tuple(errors))
    if not changed:
        return base
    # passages: old rows of unchanged cables are reused as they are; changed cables are re-chunked
    old_vecs: dict[str, np.ndarray] = {}
    rows: list[tuple[Passage, str]] = []
    if prev is not None:
        prev_vectors = np.load(prev / "vectors.npy", mmap_mode="r")
        for row, p, h in store.passage_rows():
            if p.cable_id in changed:
                old_vecs.setdefault(h, prev_vectors[row])
            else:
                rows.append((p, h))
                old_vecs.setdefault(h, prev_vectors[row])
    for cid in sorted(changed):
        cable = store.cable(cid)
        assert cable is not None
        for p in passages_for(cable, settings):
            rows.append((p, passage_hash(p, emb_name, settings.embed_context)))
    rows.sort(key=lambda ph: (ph[0].cable_id, ph[0].num, ph[0].pid, ph[0].window))
    store.replace_passages(rows)
    store.commit()
    todo = [i for i, (_, h) in enumerate(rows) if h not in old_vecs]
    emb = embedder
    if todo and emb is None:
        emb = load_embedder(settings)
    dim = emb.dim if emb is not None else (next(iter(old_vecs.values())).shape[0] if old_vecs else 384)
    vectors = np.zeros((len(rows), dim), dtype=np.float32)
    for i, (_, h) in enumerate(rows):
        if h in old_vecs:
            vectors[i] = old_vecs[h]
    if todo:
        assert emb is not None
        texts = [embed_text(rows[i][0], settings.embed_context) for i in todo]
        bar = _progress_bar(len(texts), "embedding passages", progress)
        vectors[todo] = emb.embed(texts, progress=bar.update if bar else None)
        if bar:
            bar.close()
    np.save(out / "vectors.npy", vectors)
    dense = Dense.build(vectors, settings)
    dense.save(out / "dense.faiss")
    Lexical.build([f"{p.context}\n{p.text}" for p, _ in rows]).save(out / "bm25")
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        embedder=emb_name,
        dim=dim,
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
        libraries=_libraries(),
        files={str(p.relative_to(out)): sha256_file(p) for p in _files(out)},
    )
    (out / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2))
    for path in _files(out):
        with open(path, "rb+") as f:
            os.fsync(f.fileno())
    return IngestReport(
        added, updated, unchanged, len(errors), tuple(errors), len(rows), len(todo), len(rows) - len(todo)
    )


def _progress_bar(total: int, desc: str, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="passage", file=sys.stderr, dynamic_ncols=True)


class Index:
    """A loaded, read-only index version."""

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.folder = folder
        self.manifest = manifest
        self.store = Store(folder / "store.sqlite", readonly=True)
        self.dense = Dense.load(folder / "dense.faiss", manifest.dense_kind)
        self.vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        self.lexical = Lexical.load(folder / "bm25")
        self.row_cable = self.store.passage_cable_ids()
        self._meta: dict[str, tuple[str, str, str, str]] | None = None

    @property
    def version(self) -> str:
        return self.folder.name

    @property
    def cable_meta(self) -> dict[str, tuple[str, str, str, str]]:
        """cable id -> (created, origin, classification, tags) for filtering."""
        if self._meta is None:
            self._meta = {cid: (cr, org, cl, tg) for cid, cr, org, cl, tg in self.store.cable_meta()}
        return self._meta

    def cable(self, cable_id: str) -> Cable | None:
        return self.store.cable(cable_id)

    @classmethod
    def load(cls, settings: Settings, verify: bool = True, expect_embedder: str | None = None) -> Index:
        root = Path(settings.index_dir)
        folder = current_version(root)
        if folder is None:
            raise IndexMissingError(f"no index at {root}: build one with `cables ingest PATH...`")
        manifest = Manifest.read(folder / "manifest.json")
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index at {folder} has format {manifest.format_version}, this version reads "
                f"{FORMAT_VERSION}: rebuild with `cables ingest --rebuild PATH...`"
            )
        want = expect_embedder or resolve_model(settings.embedder)[0]
        if manifest.embedder != want:
            raise IndexMismatchError(
                f"index at {folder} was built with embedder {manifest.embedder} (dim {manifest.dim}) but this run "
                f"uses {want}: set CABLES_EMBEDDER to the index's embedder, or rebuild with "
                "`cables ingest --rebuild PATH...`"
            )
        if verify:
            for rel, digest in manifest.files.items():
                p = folder / rel
                if not p.exists():
                    raise IndexCorruptError(f"{p} is missing: rebuild with `cables ingest --rebuild PATH...`")
                if sha256_file(p) != digest:
                    raise IndexCorruptError(
                        f"{p} fails its checksum (corrupted): rebuild with `cables ingest --rebuild PATH...`"
                    )
        return cls(folder, manifest)
