"""The index writer (the only one): parse and stage new or changed cables as a new segment, lexical search first,
embed chunk by chunk, publish versions atomically; resumable after a crash at any point.

A first build or a large addition publishes a lexical-only version as soon as the passages are stored, then new
versions as embedding proceeds (every `publish_every_s`), so the chat can open long before the build ends. Adding a
few cables writes a small segment next to the existing ones: seconds, whatever the index size. Segments are merged
when there are more than `max_segments` (the small ones) or by `cables ingest --merge` (all)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ...backends.embedder import Embedder
from ...backends.loaders import load_embedder
from ...backends.weights import resolve_embedder
from ...errors import IndexMismatchError, IndexMissingError, ParseError
from ...index.manifest import FORMAT_VERSION, Manifest, current_name
from ...index.reader import Index
from ...settings import Settings
from ..parse import iter_cables
from .channel import COMMAND_LINE, Channel, Refusal
from .embedding import embed_stage, embedded_rows, finish_dense
from .merge import Publisher, merge, merge_if_needed
from .publish import VersionMeta, write_lock
from .staging import Counts, OnError, Staging

__all__ = ["Channel", "IngestReport", "Refusal", "ingest", "merge", "write_lock"]


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[ParseError, ...] = ()
    passages: int = 0  # live passages in the index afterwards
    embedded: int = 0  # passages this run embedded
    reused: int = 0  # passages whose vectors were already there (unchanged cables, unchanged paragraphs)
    seconds: float = 0.0
    version: str = ""
    resumed: int = 0  # passages an interrupted run of the same ingest had already staged
    notes: tuple[str, ...] = ()
    dropped_chars: int = 0  # letters and digits the parser left out as boilerplate, over the cables parsed
    refused: tuple[Refusal, ...] = ()  # cables an upload offered other text for: not stored, the index keeps its own

    def summary(self) -> str:
        resumed = f", resumed after {self.resumed} staged" if self.resumed else ""
        refused = f", refused {len(self.refused)}" if self.refused else ""
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}{refused}, failed {self.failed}; "
            f"{self.passages} passages ({self.embedded} embedded, {self.reused} reused{resumed}) "
            f"in {self.seconds:.1f}s; {self.dropped_chars} characters dropped as boilerplate"
        )


def _key(paths: list[Path], settings: Settings, embedder: str, rebuild: bool, channel: Channel) -> str:
    """What identifies an ingest for resuming: its inputs (path, size, mtime), embedder, passage settings, channel."""
    what = [embedder, settings.window_tokens, settings.window_overlap, settings.embed_context, rebuild]
    h = hashlib.sha256(json.dumps([*what, channel.via, channel.replace]).encode())
    for p in paths:
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            try:
                st = f.stat()
                h.update(f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            except OSError:
                h.update(f"{f}\0missing\n".encode())
    return h.hexdigest()[:16]


def _previous(settings: Settings, embedder: str) -> Index | None:
    try:
        prev = Index.load(settings, verify=True, expect_embedder=embedder)
    except IndexMissingError:
        return None
    m = prev.manifest
    if m.with_context != settings.embed_context or m.window_tokens != settings.window_tokens:
        raise IndexMismatchError(
            f"the index at {settings.index_dir} was built with other passage settings (context {m.with_context}, "
            f"window {m.window_tokens}); this run uses format {FORMAT_VERSION} with context {settings.embed_context}, "
            f"window {settings.window_tokens}: run `cables ingest --rebuild PATH...` to start fresh"
        )
    return prev


def _live_is_usable(settings: Settings, embedder: str) -> bool:
    try:
        return _previous(settings, embedder) is not None
    except Exception:  # noqa: BLE001 - any reason the live version cannot serve: a rebuild may show progress
        return False


def ingest(
    paths: Iterable[str | os.PathLike[str]],
    settings: Settings,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    on_error: OnError | None = None,
    progress: bool = True,
    channel: Channel = COMMAND_LINE,
) -> IngestReport:
    """Parse `paths`, add new or changed cables to the index as a new segment and publish it. `channel` says who
    adds them (stored with each cable) and whether a changed cable replaces the indexed one or is refused."""
    t0 = time.time()
    root = Path(settings.index_dir)
    inputs = [Path(p) for p in paths]
    with write_lock(root):
        emb_name = embedder.name if embedder is not None else resolve_embedder(settings.embedder)[0]
        prev = None if rebuild else _previous(settings, emb_name)
        partial = not rebuild or not _live_is_usable(settings, emb_name)
        st = Staging(root, _key(inputs, settings, emb_name, rebuild, channel), settings, emb_name, channel)
        try:
            report = _run(st, inputs, prev, embedder, emb_name, on_error, progress, partial, t0)
        finally:
            st.close()
        if report.version:
            merged = merge_if_needed(settings, emb_name, embedder, progress)
            report = _with(report, version=merged or report.version, seconds=time.time() - t0)
        return report


def _with(r: IngestReport, **changes: object) -> IngestReport:
    from dataclasses import replace

    return replace(r, **changes)  # type: ignore[arg-type]


def _stage(st: Staging, inputs: list[Path], prev: Index | None, on_error: OnError | None, progress: bool) -> Counts:
    if st.lexical_done:
        c = st.counts()
        for e in c.errors:
            if on_error:
                on_error(e)
        return c
    c = st.stage(iter_cables(inputs, max_bytes=st.settings.max_cable_mb << 20), prev, on_error, progress)
    if st.rows:  # something new was staged (now or by an interrupted run of this ingest)
        st.finish_lexical(c)
    return c


def _run(
    st: Staging,
    inputs: list[Path],
    prev: Index | None,
    embedder: Embedder | None,
    emb_name: str,
    on_error: OnError | None,
    progress: bool,
    partial: bool,
    t0: float,
) -> IngestReport:
    resumed = st.rows
    c = _stage(st, inputs, prev, on_error, progress)
    base = IngestReport(c.added, c.updated, c.unchanged, len(c.errors), tuple(c.errors),
                        dropped_chars=c.dropped_chars, refused=tuple(c.refused))  # fmt: skip
    if not st.lexical_done:  # nothing new: the live version stays
        st.discard()
        return _with(base, seconds=time.time() - t0, passages=prev.manifest.passage_count if prev else 0)
    n, done = st.rows, embedded_rows(st)
    emb = embedder if embedder is not None or done >= n else load_embedder(st.settings)
    dim = emb.dim if emb is not None else (prev.manifest.dim if prev else 0)
    pub = Publisher(Path(st.settings.index_dir), prev, st, VersionMeta(emb_name, dim, st.settings, t0))
    if partial and n - done > st.settings.ingest_chunk:
        pub.publish(done)  # lexical search over everything, dense over what is embedded: the chat can open
    last = [time.time()]

    def on_chunk(upto: int) -> None:
        if partial and upto < n and time.time() - last[0] >= st.settings.publish_every_s:
            pub.publish(upto)
            last[0] = time.time()

    embedded, _ = embed_stage(st, emb, dim, prev, progress, on_chunk)
    finish_dense(st, dim)
    name = pub.publish(n)
    st.discard()
    m = Manifest.read(Path(st.settings.index_dir) / "versions" / name / "manifest.json")
    notes = _other_staging(Path(st.settings.index_dir), st.dir.name)
    return _with(base, passages=m.passage_count, embedded=embedded, reused=m.passage_count - embedded,
                 seconds=time.time() - t0, version=name, resumed=resumed, notes=notes)  # fmt: skip


def _other_staging(root: Path, mine: str) -> tuple[str, ...]:
    out = []
    for d in sorted((root / "staging").glob("*")) if (root / "staging").is_dir() else []:
        if d.is_dir() and d.name != mine:
            out.append(
                f"an interrupted ingest of other inputs is staged in {d}: run that ingest again to resume it, "
                "or delete the folder"
            )
    return tuple(out)


def live_version(settings: Settings) -> str | None:
    return current_name(Path(settings.index_dir))
