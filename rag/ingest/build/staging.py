"""An ingest in progress, in <index_dir>/staging/<key>/: the new segment being written (seg/) and a small SQLite
database (stage.sqlite) that makes it resumable. Nothing here is read by readers until it is published.

Stage 1, parse and store, in chunks of `ingest_chunk` passages: each chunk's cables, passages, BM25 postings (token
ids, on disk) and bookkeeping are committed in one SQLite transaction spanning both databases, so a killed ingest
resumes after the last committed chunk. Then the postings are finished and the metadata columns written: lexical
search is ready. Stage 2, embedding (rag/ingest/build/embedding.py), writes one vector file per chunk."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ...errors import ParseError
from ...index.columns import build_columns
from ...index.lexical import LexicalBuilder
from ...index.manifest import FileRecord, walk_files
from ...index.reader import Index
from ...index.store import Store, cable_fingerprint
from ...records import Cable, Passage
from ...settings import Settings
from ..passages import passage_hash, passages_for
from .channel import COMMAND_LINE, Channel, Refusal
from .publish import cable_hash, hex128, stamp

STAGE_SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS reuse (row INTEGER PRIMARY KEY, seg TEXT, old_row INTEGER);
CREATE TABLE IF NOT EXISTS dead (row INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS errors (path TEXT, reason TEXT);
"""
OnError = Callable[[ParseError], None]


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped_chars: int = 0  # letters and digits the parser left out as boilerplate, over the cables parsed
    errors: list[ParseError] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


@dataclass
class _Pending:
    start: int
    rows: list[tuple[Passage, str]] = field(default_factory=list)
    reuse: list[tuple[int, str, int]] = field(default_factory=list)


class Staging:
    def __init__(
        self, root: Path, key: str, settings: Settings, embedder: str, channel: Channel = COMMAND_LINE
    ) -> None:
        self.dir = root / "staging" / key
        self.seg = self.dir / "seg"
        self.seg.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.embedder = embedder
        self.channel = channel
        name_file = self.dir / "name"
        if not name_file.exists():
            name_file.write_text(stamp("s"))
        self.name = name_file.read_text().strip()
        self._stage = self.dir / "stage.sqlite"
        with sqlite3.connect(self._stage) as db:
            db.executescript(STAGE_SCHEMA)
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            db.execute("INSERT OR IGNORE INTO progress VALUES ('added_at', ?)", (now,))
            self.added_at = str(db.execute("SELECT value FROM progress WHERE key='added_at'").fetchone()[0])
            row = db.execute("SELECT value FROM progress WHERE key='lexical_done'").fetchone()
        db.close()
        self.lexical_done = bool(row and row[0])
        self._open()

    def _open(self) -> None:
        """Stage 1 writes the store and the bookkeeping in shared transactions (the stage database attached);
        afterwards the store is final and opened read-only."""
        if self.lexical_done:
            self.store = Store(self.seg / "store.sqlite", readonly=True)
            self.db = sqlite3.connect(self._stage)
            self.p = ""
        else:
            self.store = Store(self.seg / "store.sqlite")
            self.store.db.execute("ATTACH DATABASE ? AS stage", (str(self._stage),))
            self.db = self.store.db
            self.p = "stage."

    # -- bookkeeping in stage.sqlite
    def get(self, key: str, default: Any = 0) -> Any:
        row = self.db.execute(f"SELECT value FROM {self.p}progress WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def put(self, key: str, value: object) -> None:
        self.db.execute(f"INSERT OR REPLACE INTO {self.p}progress VALUES (?, ?)", (key, value))

    @property
    def rows(self) -> int:
        return int(self.get("rows"))

    def reuse(self, start: int, end: int) -> list[tuple[int, str, int]]:
        q = f"SELECT row, seg, old_row FROM {self.p}reuse WHERE row >= ? AND row < ? ORDER BY row"
        return list(self.db.execute(q, (start, end)))

    def dead_rows(self) -> list[int]:
        return [r[0] for r in self.db.execute(f"SELECT row FROM {self.p}dead ORDER BY row")]

    def counts(self) -> Counts:
        c = json.loads(self.get("counts", "{}"))
        errors = [ParseError(p, r) for p, r in self.db.execute(f"SELECT path, reason FROM {self.p}errors")]
        refused = [Refusal(**r) for r in c.get("refused", [])]
        added, updated, unchanged = c.get("added", 0), c.get("updated", 0), c.get("unchanged", 0)
        return Counts(added, updated, unchanged, c.get("dropped_chars", 0), errors, refused)

    # -- stage 1: parse, store, postings
    def vocab(self) -> list[str]:
        path = self.dir / "vocab.txt"
        terms = path.read_text().split("\n")[: int(self.get("terms"))] if path.exists() else []
        path.write_text("".join(t + "\n" for t in terms))
        return terms

    def stage(self, results: Iterable[Cable | ParseError], prev: Index | None, on_error: OnError | None,
              progress: bool) -> Counts:  # fmt: skip
        """Store every new or changed cable and its passages; returns what was added, updated, left."""
        builder = LexicalBuilder(self.seg / "bm25", self.vocab())
        builder.drop_chunks_from(self.rows)
        c = Counts()
        pending = _Pending(self.rows)
        bar = progress_bar(progress, "parsing", "cable")
        for r in results:
            if bar is not None:
                bar.update(1)
            if isinstance(r, ParseError):
                c.errors.append(r)
                if on_error:
                    on_error(r)
                continue
            self._one(r, prev, c, pending, builder)
            if len(pending.rows) >= self.settings.ingest_chunk:
                self.flush(pending, builder)
        self.flush(pending, builder)
        if bar is not None:
            bar.close()
        return c

    def _one(self, r: Cable, prev: Index | None, c: Counts, pending: _Pending, builder: LexicalBuilder) -> None:
        fp = cable_fingerprint(r)
        c.dropped_chars += r.dropped_chars
        staged = self.store.fingerprint(r.id)
        old = prev.store.fingerprint(r.id) if prev is not None else None
        if prev is not None and old not in (None, fp) and not self.channel.replace:
            c.refused.append(self._refusal(r, prev))
            return
        if staged == fp or (staged is None and old == fp):  # already staged (a resumed run), or nothing new
            if old == fp:
                c.unchanged += 1
            else:
                c.added, c.updated = c.added + (old is None), c.updated + (old is not None)
            return
        if staged is not None:  # a second, different copy in this ingest: the later one wins
            self.flush(pending, builder)
            self.store.db.executemany(
                "INSERT OR IGNORE INTO stage.dead VALUES (?)", ((x,) for x in self.store.rows_of_cable(r.id))
            )
        c.added, c.updated = c.added + (old is None), c.updated + (old is not None)
        self.store.put_cable(replace(r, source=self._source(r), added=self.added_at, via=self.channel.via))
        old_rows: dict[str, int] = {}
        seg = prev.store.segment_of(r.id) if prev is not None and old is not None else None
        if seg is not None:
            old_rows = {h: row for row, h in seg.store.hashes_of_cable(r.id)}
        for p in passages_for(r, self.settings):
            h = passage_hash(p, self.embedder, self.settings.embed_context)
            if seg is not None and h in old_rows:
                pending.reuse.append((pending.start + len(pending.rows), seg.name, old_rows[h]))
            pending.rows.append((p, h))

    def _source(self, r: Cable) -> str:
        root = self.channel.root.rstrip(os.sep) + os.sep
        return r.source[len(root) :] if self.channel.root and r.source.startswith(root) else r.source

    def _refusal(self, r: Cable, prev: Index) -> Refusal:
        held = prev.store.cable(r.id)
        assert held is not None  # it has a fingerprint
        return Refusal(r.id, self._source(r), held.source, held.added, held.via)

    def flush(self, pending: _Pending, builder: LexicalBuilder) -> None:
        """Commit one chunk: postings and new terms to disk first, then everything else in one transaction."""
        start, n = pending.start, len(pending.rows)
        if n:
            new_terms = builder.add(start, [f"{p.context}\n{p.text}" for p, _ in pending.rows])
            with open(self.dir / "vocab.txt", "a") as f:
                f.write("".join(t + "\n" for t in new_terms))
                f.flush()
                os.fsync(f.fileno())
            self.store.add_passages(start, pending.rows)
            self.store.db.executemany("INSERT OR REPLACE INTO stage.reuse VALUES (?,?,?)", pending.reuse)
        self.put("rows", start + n)
        self.put("terms", len(builder.vocab))
        self.store.commit()
        pending.start, pending.rows, pending.reuse = start + n, [], []

    def finish_lexical(self, c: Counts) -> None:
        """Term-major postings, metadata columns, cable hashes: the segment is searchable by words."""
        builder = LexicalBuilder(self.seg / "bm25", self.vocab())
        tokens = builder.finish(self.rows)
        build_columns(self.store, self.seg / "cols")
        xor = 0
        for cid, fp in self.store.fingerprints():
            xor ^= cable_hash(cid, fp)
        self.put("tokens", tokens)
        self.put("cables", self.store.count_cables())
        self.put("cable_xor", hex128(xor))
        counts = {"added": c.added, "updated": c.updated, "unchanged": c.unchanged, "dropped_chars": c.dropped_chars}
        self.put("counts", json.dumps({**counts, "refused": [asdict(x) for x in c.refused]}))
        self.db.executemany("INSERT INTO stage.errors VALUES (?, ?)", ((e.path, e.reason) for e in c.errors))
        self.put("lexical_done", 1)
        self.store.commit()
        self.store.close()
        shutil.rmtree(self.seg / "bm25" / "chunks", ignore_errors=True)
        self.lexical_done = True
        self._open()

    # -- files and clean-up
    def records(self) -> dict[str, FileRecord]:
        """The segment's files with size, mtime and SHA-256 (hashes cached across publishes of this staging)."""
        cache_path = self.dir / "records.json"
        cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
        out: dict[str, FileRecord] = {}
        for p in walk_files(self.seg):
            rel = str(p.relative_to(self.seg))
            if p.name.startswith(".") or rel.startswith("bm25/chunks") or p.name.endswith("-journal"):
                continue
            st = p.stat()
            hit = cache.get(rel)
            rec = FileRecord(**hit) if hit else None
            if rec is None or (rec.size, rec.mtime_ns) != (st.st_size, st.st_mtime_ns):
                rec = FileRecord.of(p)
            out[rel] = rec
        cache_path.write_text(json.dumps({k: v.__dict__ for k, v in out.items()}))
        return out

    def close(self) -> None:
        for db in (self.db, self.store.db):
            with contextlib.suppress(sqlite3.Error):
                db.close()

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def progress_bar(enabled: bool, desc: str, unit: str, total: int | None = None, initial: int = 0) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)
