"""The cable and passage store of one index version: a SQLite file (stdlib, random access, bounded memory).

Row numbers of the `passages` table are the FAISS and BM25 row numbers.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..ids import ParagraphRef
from ..records import Cable, CableMeta, Paragraph, Passage, Reference

SCHEMA = """
CREATE TABLE IF NOT EXISTS cables (
  id TEXT PRIMARY KEY, created TEXT, released TEXT, origin TEXT, classification TEXT, subject TEXT,
  tags TEXT, refs TEXT, classified_by TEXT, signer TEXT, caveats TEXT, source TEXT, fmt TEXT,
  numbered INTEGER, partial INTEGER, fingerprint TEXT);
CREATE TABLE IF NOT EXISTS paragraphs (
  cable_id TEXT, seq INTEGER, num INTEGER, dup INTEGER, marking TEXT, heading TEXT, text TEXT,
  PRIMARY KEY (cable_id, seq));
CREATE TABLE IF NOT EXISTS passages (
  row INTEGER PRIMARY KEY, pid TEXT, cable_id TEXT, num INTEGER, window INTEGER, text TEXT, context TEXT,
  hash TEXT);
CREATE INDEX IF NOT EXISTS passages_cable ON passages(cable_id);
"""


def cable_fingerprint(c: Cable) -> str:
    h = hashlib.sha256()
    for field in (c.id, c.created, c.origin, c.classification, c.subject, " ".join(c.tags), c.signer):
        h.update(field.encode() + b"\x00")
    for p in c.paragraphs:
        h.update(f"{p.num}|{p.dup}|{p.marking}|{p.heading}|{p.text}\x00".encode())
    return h.hexdigest()[:24]


class Store:
    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        if not readonly:
            self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- cables
    def fingerprints(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, fingerprint FROM cables"))

    def put_cable(self, c: Cable) -> None:
        self.db.execute("DELETE FROM paragraphs WHERE cable_id=?", (c.id,))
        self.db.execute(
            "INSERT OR REPLACE INTO cables VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                c.id,
                c.created,
                c.released,
                c.origin,
                c.classification,
                c.subject,
                " ".join(c.tags),
                json.dumps([[r.letter, r.kind, r.cable_id, r.text] for r in c.refs], ensure_ascii=False),
                c.classified_by,
                c.signer,
                " ".join(c.caveats),
                c.source,
                c.fmt,
                int(c.numbered),
                int(c.partial),
                cable_fingerprint(c),
            ),
        )
        self.db.executemany(
            "INSERT INTO paragraphs VALUES (?,?,?,?,?,?,?)",
            [(c.id, i, p.num, p.dup, p.marking, p.heading, p.text) for i, p in enumerate(c.paragraphs)],
        )

    def cable(self, cable_id: str) -> Cable | None:
        row = self.db.execute("SELECT * FROM cables WHERE id=?", (cable_id,)).fetchone()
        if row is None:
            return None
        paras = tuple(
            Paragraph(cable_id, num, text, marking, dup, heading)
            for num, dup, marking, heading, text in self.db.execute(
                "SELECT num, dup, marking, heading, text FROM paragraphs WHERE cable_id=? ORDER BY seq",
                (cable_id,),
            )
        )
        (
            cid,
            created,
            released,
            origin,
            classification,
            subject,
            tags,
            refs,
            classified_by,
            signer,
            caveats,
            source,
            fmt,
            numbered,
            partial,
            _fp,
        ) = row
        return Cable(
            cid,
            paras,
            created,
            released,
            origin,
            classification,
            subject,
            tuple(tags.split()),
            tuple(Reference(*item) for item in json.loads(refs or "[]")),
            classified_by,
            signer,
            tuple(caveats.split()),
            source,
            fmt,
            bool(numbered),
            bool(partial),
        )

    def cable_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM cables ORDER BY id")]

    def cable_meta(self) -> Iterator[CableMeta]:
        """Every cable's metadata, for filters, prompts and lists."""
        for cid, created, origin, classification, subject, tags in self.db.execute(
            "SELECT id, created, origin, classification, subject, tags FROM cables"
        ):
            yield CableMeta(cid, created, origin, classification, subject, tuple(tags.split()))

    def count_cables(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM cables").fetchone()[0])

    # -- passages
    def replace_passages(self, rows: Iterable[tuple[Passage, str]]) -> None:
        self.db.execute("DELETE FROM passages")
        self.db.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?)",
            ((i, str(p.ref), p.cable_id, p.num, p.window, p.text, p.context, h) for i, (p, h) in enumerate(rows)),
        )

    def passage_rows(self) -> Iterator[tuple[int, Passage, str]]:
        for row, pid, _cid, _num, window, text, ctx, h in self.db.execute("SELECT * FROM passages ORDER BY row"):
            yield row, Passage(ParagraphRef.parse(pid), window, text, ctx), h

    def passages(self, rows: list[int]) -> dict[int, Passage]:
        out: dict[int, Passage] = {}
        for i in range(0, len(rows), 500):
            chunk = rows[i : i + 500]
            marks = ",".join("?" * len(chunk))
            q = f"SELECT row, pid, window, text, context FROM passages WHERE row IN ({marks})"
            for row, pid, window, text, ctx in self.db.execute(q, chunk):
                out[row] = Passage(ParagraphRef.parse(pid), window, text, ctx)
        return out

    def rows_of_cable(self, cable_id: str) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT row FROM passages WHERE cable_id=? ORDER BY row", (cable_id,))]

    def passage_cable_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT cable_id FROM passages ORDER BY row")]

    def count_passages(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    def commit(self) -> None:
        self.db.commit()
