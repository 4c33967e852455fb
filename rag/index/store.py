"""The cable and passage store of one segment: a SQLite file (stdlib, random access, bounded memory).

Row numbers of the `passages` table are the segment's local rows (vector, BM25 and column rows). While a segment
is being built, rag/ingest/build/staging.py attaches a second database (in the staging folder, never published)
that holds what makes the build resumable, committed in the same transactions. A published store is never written
again and is opened read-only and immutable.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..ids import ParagraphRef
from ..records import Cable, CableMeta, Paragraph, Passage, Reference

SCHEMA = """
CREATE TABLE IF NOT EXISTS cables (
  id TEXT PRIMARY KEY, created TEXT, released TEXT, origin TEXT, classification TEXT, subject TEXT,
  tags TEXT, refs TEXT, classified_by TEXT, signer TEXT, caveats TEXT, source TEXT, fmt TEXT,
  numbered INTEGER, partial INTEGER, fingerprint TEXT, added TEXT DEFAULT '', via TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS paragraphs (
  cable_id TEXT, seq INTEGER, num INTEGER, dup INTEGER, marking TEXT, heading TEXT, text TEXT,
  PRIMARY KEY (cable_id, seq));
CREATE TABLE IF NOT EXISTS passages (
  row INTEGER PRIMARY KEY, pid TEXT, cable_id TEXT, num INTEGER, window INTEGER, text TEXT, context TEXT,
  hash TEXT);
CREATE INDEX IF NOT EXISTS passages_cable ON passages(cable_id);
CREATE TABLE IF NOT EXISTS refs (cable_id TEXT, letter TEXT, ref_id TEXT, PRIMARY KEY (cable_id, ref_id));
CREATE INDEX IF NOT EXISTS refs_to ON refs(ref_id);
"""
_CABLE_COLS = (
    "id, created, released, origin, classification, subject, tags, refs, classified_by, signer, caveats, source, "
    "fmt, numbered, partial"
)


def cable_fingerprint(c: Cable) -> str:
    h = hashlib.sha256()
    for field in (c.id, c.created, c.origin, c.classification, c.subject, " ".join(c.tags), c.signer):
        h.update(field.encode() + b"\x00")
    for p in c.paragraphs:
        h.update(f"{p.num}|{p.dup}|{p.marking}|{p.heading}|{p.text}\x00".encode())
    return h.hexdigest()[:24]


def _refs_text(refs: Sequence[Reference]) -> str:
    """The one place the store serializes a cable's references (and `_refs_of` reads them back)."""
    return json.dumps([[r.letter, r.kind, r.cable_id, r.text] for r in refs], ensure_ascii=False)


def _refs_of(text: str) -> tuple[Reference, ...]:
    return tuple(Reference(*item) for item in json.loads(text or "[]"))


_META_COLS = "id, created, origin, classification, subject, tags, signer, refs"


def _meta_of(row: Sequence[str]) -> CableMeta:
    cid, created, origin, classification, subject, tags, signer, refs = row
    ids = tuple(dict.fromkeys(r.cable_id for r in _refs_of(refs) if r.cable_id and r.cable_id != cid))
    return CableMeta(cid, created, origin, classification, subject, tuple(tags.split()), signer or "", ids)


class Store:
    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        uri = f"file:{path}?mode=ro&immutable=1" if readonly else f"file:{path}"
        self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        if not readonly:
            self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def commit(self) -> None:
        self.db.commit()

    # -- cables
    def fingerprint(self, cable_id: str) -> str | None:
        row = self.db.execute("SELECT fingerprint FROM cables WHERE id=?", (cable_id,)).fetchone()
        return row[0] if row else None

    def fingerprints(self) -> Iterator[tuple[str, str]]:
        yield from self.db.execute("SELECT id, fingerprint FROM cables ORDER BY rowid")

    def put_cable(self, c: Cable) -> None:
        self.db.execute("DELETE FROM paragraphs WHERE cable_id=?", (c.id,))
        self.db.execute("DELETE FROM cables WHERE id=?", (c.id,))
        self.db.execute("DELETE FROM refs WHERE cable_id=?", (c.id,))
        values: list[str | int] = [c.id, c.created, c.released, c.origin, c.classification, c.subject]
        values += [" ".join(c.tags)]
        values += [_refs_text(c.refs), c.classified_by, c.signer, " ".join(c.caveats), c.source, c.fmt]
        values += [int(c.numbered), int(c.partial), cable_fingerprint(c), c.added, c.via]
        cols = f"{_CABLE_COLS}, fingerprint, added, via"
        self.db.execute(f"INSERT INTO cables ({cols}) VALUES ({','.join('?' * len(values))})", values)
        self.db.executemany(
            "INSERT INTO paragraphs VALUES (?,?,?,?,?,?,?)",
            [(c.id, i, p.num, p.dup, p.marking, p.heading, p.text) for i, p in enumerate(c.paragraphs)],
        )
        letters = {r.cable_id: r.letter for r in reversed(c.refs) if r.cable_id and r.cable_id != c.id}
        self.db.executemany("INSERT INTO refs VALUES (?,?,?)", [(c.id, letters[i], i) for i in c.referenced_ids
                                                                 if i in letters])  # fmt: skip

    def cites(self, cable_id: str) -> list[tuple[str, str]]:
        """(letter, cable ID) of each indexed-or-not cable this cable references, in REF order."""
        row = self.db.execute("SELECT refs FROM cables WHERE id=?", (cable_id,)).fetchone()
        if row is None:
            return []
        refs = _refs_of(row[0])
        letters = {r.cable_id: r.letter for r in reversed(refs) if r.cable_id}
        return [(letters[i], i) for i in dict.fromkeys(r.cable_id for r in refs if r.cable_id) if i != cable_id]

    def cited_by(self, cable_ids: Sequence[str]) -> list[tuple[int, str]]:
        """(rowid, cable ID) of the cables of this store that reference any of `cable_ids`, in rowid order."""
        found: set[tuple[int, str]] = set()
        q = "SELECT c.rowid, c.id FROM refs r JOIN cables c ON c.id = r.cable_id WHERE r.ref_id = ?"
        for cid in dict.fromkeys(cable_ids):
            found.update(self.db.execute(q, (cid,)))
        return sorted(found)

    def cable(self, cable_id: str) -> Cable | None:
        q = f"SELECT {_CABLE_COLS}, added, via FROM cables WHERE id=?"
        row = self.db.execute(q, (cable_id,)).fetchone()
        if row is None:
            return None
        paras = tuple(
            Paragraph(cable_id, num, text, marking, dup, heading)
            for num, dup, marking, heading, text in self.db.execute(
                "SELECT num, dup, marking, heading, text FROM paragraphs WHERE cable_id=? ORDER BY seq", (cable_id,)
            )
        )
        cid, created, released, origin, classification, subject, tags, refs, by, signer, caveats = row[:11]
        source, fmt, numbered, partial, added, via = row[11:]
        return Cable(
            cid,
            paras,
            created,
            released,
            origin,
            classification,
            subject,
            tuple(tags.split()),
            _refs_of(refs),
            by,
            signer,
            tuple(caveats.split()),
            source,
            fmt,
            bool(numbered),
            bool(partial),
            added=added or "",
            via=via or "",
        )

    def cable_rows(self) -> Iterator[tuple[int, CableMeta]]:
        """(rowid, metadata) of every cable, in rowid order."""
        q = f"SELECT rowid, {_META_COLS} FROM cables ORDER BY rowid"
        for row in self.db.execute(q):
            yield row[0], _meta_of(row[1:])

    def cable_meta(self, cable_id: str) -> CableMeta | None:
        row = self.db.execute(f"SELECT {_META_COLS} FROM cables WHERE id=?", (cable_id,)).fetchone()
        return None if row is None else _meta_of(row)

    def signed_by(self, names: Sequence[str]) -> list[int]:
        """Rowids of the cables whose signer contains any of `names` (case-insensitive, as `Filters.matches`)."""
        wanted = [n.lower() for n in names]
        rows = self.db.execute("SELECT rowid, signer FROM cables ORDER BY rowid")
        return [rowid for rowid, signer in rows if any(n in (signer or "").lower() for n in wanted)]

    def rowids(self, cable_ids: Sequence[str]) -> list[int]:
        marks = ",".join("?" * len(cable_ids))
        return [r[0] for r in self.db.execute(f"SELECT rowid FROM cables WHERE id IN ({marks})", list(cable_ids))]

    def count_cables(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM cables").fetchone()[0])

    # -- passages (local rows)
    def add_passages(self, start: int, rows: Sequence[tuple[Passage, str]]) -> None:
        self.db.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?)",
            (
                (start + i, str(p.ref), p.cable_id, p.num, p.window, p.text, p.context, h)
                for i, (p, h) in enumerate(rows)
            ),
        )

    def passage_rows(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, Passage, str]]:
        q = "SELECT row, pid, window, text, context, hash FROM passages WHERE row >= ? AND row < ? ORDER BY row"
        for row, pid, window, text, ctx, h in self.db.execute(q, (start, end if end is not None else 2**62)):
            yield row, Passage(ParagraphRef.parse(pid), window, text, ctx), h

    def passage_cables(self) -> Iterator[str]:
        for (cid,) in self.db.execute("SELECT cable_id FROM passages ORDER BY row"):
            yield cid

    def passages(self, rows: Iterable[int]) -> dict[int, Passage]:
        out: dict[int, Passage] = {}
        rows = list(rows)
        for i in range(0, len(rows), 500):
            chunk = rows[i : i + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT row, pid, window, text, context FROM passages WHERE row IN ({marks})"
            for row, pid, window, text, ctx in self.db.execute(q, chunk):
                out[row] = Passage(ParagraphRef.parse(pid), window, text, ctx)
        return out

    def rows_of_cable(self, cable_id: str) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT row FROM passages WHERE cable_id=? ORDER BY row", (cable_id,))]

    def hashes_of_cable(self, cable_id: str) -> list[tuple[int, str]]:
        return list(self.db.execute("SELECT row, hash FROM passages WHERE cable_id=? ORDER BY row", (cable_id,)))

    def count_passages(self) -> int:
        row = self.db.execute("SELECT MAX(row) FROM passages").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1
