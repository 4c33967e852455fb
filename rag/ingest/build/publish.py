"""Publishing a version: the writer's lock, the new version folder (segments hard-linked, never copied or modified),
its manifest, everything fsynced, then CURRENT switched by one atomic rename; old versions cleaned up.

A build killed at any moment leaves the previous version live: nothing a reader can see changes before the rename
of CURRENT, and everything the new CURRENT names is durable on disk before it."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ...errors import IndexLockedError
from ...index.manifest import (
    FORMAT_VERSION,
    FileRecord,
    Manifest,
    SegmentInfo,
    fsync_dir,
    fsync_tree,
    libraries,
    write_manifest,
)
from ...index.segment import dead_file, write_dead
from ...settings import Settings


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


def stamp(prefix: str) -> str:
    """A name that sorts by creation time and is unique across processes."""
    now = time.time()
    return (
        prefix + time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + f".{int(now * 1e6) % 1_000_000:06d}-{os.getpid()}"
    )


def cable_hash(cable_id: str, fingerprint: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{cable_id}:{fingerprint}".encode()).digest()[:16], "big")


def hex128(x: int) -> str:
    return f"{x:032x}"


@dataclass(frozen=True)
class SegmentSource:
    """A segment as the next version will hold it: where its files are now, their records, what is superseded."""

    info: SegmentInfo
    folder: Path
    files: dict[str, FileRecord]  # relative to the segment folder
    dead_rows: np.ndarray
    dead_cables: np.ndarray


@dataclass(frozen=True)
class VersionMeta:
    embedder: str
    dim: int
    settings: Settings
    started: float


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed: a copy with the same mtime
        shutil.copy2(src, dst)


def _manifest(sources: list[SegmentSource], meta: VersionMeta, files: dict[str, FileRecord]) -> Manifest:
    infos = tuple(s.info for s in sources)
    fp = 0
    for i in infos:
        fp ^= int(i.cable_xor, 16) ^ (int(i.dead_xor, 16) if i.dead_xor else 0)
    embedded = sum(
        i.embedded - int(np.count_nonzero(s.dead_rows < i.embedded)) for i, s in zip(infos, sources, strict=True)
    )
    s = meta.settings
    return Manifest(
        format_version=FORMAT_VERSION,
        embedder=meta.embedder,
        dim=meta.dim,
        normalized=True,
        with_context=s.embed_context,
        window_tokens=s.window_tokens,
        window_overlap=s.window_overlap,
        passage_count=sum(i.live_passages for i in infos),
        cable_count=sum(i.cables - i.dead_cables for i in infos),
        embedded=embedded,
        corpus_fingerprint=hex128(fp),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        build_seconds=round(time.time() - meta.started, 2),
        dense_kind="+".join(dict.fromkeys(i.dense_kind for i in infos)),
        segments=infos,
        libraries=libraries(),
        files=files,
    )


def publish(root: Path, sources: list[SegmentSource], meta: VersionMeta) -> str:
    """Write a new version of `sources` (oldest segment first) and make it the live one. Returns its name."""
    name = stamp("v")
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    tmp = versions / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    files: dict[str, FileRecord] = {}
    try:
        for src in sources:
            for rel, rec in src.files.items():
                _link(src.folder / rel, tmp / src.info.name / rel)
                files[f"{src.info.name}/{rel}"] = rec
            if len(src.dead_rows) or len(src.dead_cables):
                write_dead(tmp, src.info.name, src.dead_rows, src.dead_cables)
                path = dead_file(tmp, src.info.name)
                files[path.name] = FileRecord.of(path)
        write_manifest(tmp, _manifest(sources, meta, files))
        fsync_tree(tmp)
        os.replace(tmp, versions / name)
        fsync_dir(versions)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    switch(root, name)
    gc(versions, name, meta.settings.keep_versions)
    return name


def switch(root: Path, name: str) -> None:
    cur_tmp = root / "CURRENT.tmp"
    with open(cur_tmp, "w") as f:
        f.write(name)
        f.flush()
        os.fsync(f.fileno())
    os.replace(cur_tmp, root / "CURRENT")
    fsync_dir(root)


def gc(versions: Path, keep_name: str, keep: int) -> None:
    live = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    for old in live[: -max(keep, 1)]:
        if old.name != keep_name:
            shutil.rmtree(old, ignore_errors=True)
    for stale in versions.glob(".*.tmp"):
        if not stale.name.endswith(f"-{os.getpid()}.tmp"):
            shutil.rmtree(stale, ignore_errors=True)


def with_dead(info: SegmentInfo, rows: np.ndarray, cables: np.ndarray, xor: int) -> SegmentInfo:
    return replace(info, dead=int(len(rows)), dead_cables=int(len(cables)), dead_xor=hex128(xor) if xor else "")
