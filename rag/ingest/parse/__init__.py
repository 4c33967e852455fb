"""Ingestion: any path (file, folder, archive) to `Cable` records, one `ParseError` per bad file.

One broken file never stops the run: every source yields either cables or an error naming it.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ...errors import ParseError
from ...records import Cable
from .csvfile import iter_csv
from .html import looks_like_html, parse_html
from .text import parse_text

MAX_CABLE_BYTES = 20 * 1024 * 1024  # default of Settings.max_cable_mb: one cable page; CSV is streamed instead
SKIP_NAMES = frozenset({"SOURCE.md", "FORMATS.md", "README.md", ".DS_Store"})
ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".zip")

ParseResult = Cable | ParseError


@dataclass(frozen=True)
class UploadCaps:
    """What one upload may expand to: bytes once decompressed (every file, archive member and CSV member, by the
    sizes their headers declare, which tar and zip readers never exceed) and cables."""

    max_bytes: int
    max_cables: int


class OverCapError(ParseError):
    """An upload exceeds its caps: iteration stops at once, before the bytes over the cap are decompressed."""


class _Meter:
    def __init__(self, caps: UploadCaps | None) -> None:
        self.caps = caps
        self.bytes = 0
        self.cables = 0
        self.source = ""  # the file (or archive) being read

    def charge(self, source: str, size: int) -> None:
        self.bytes += max(0, size)
        if self.caps and self.bytes > self.caps.max_bytes:
            mb = self.caps.max_bytes / 2**20
            raise OverCapError(
                source,
                f"the upload expands to more than {mb:g} MB once decompressed, the limit for one upload "
                "(a compression bomb, or a bulk release: use `cables ingest` for those)",
            )

    def count(self) -> None:
        self.cables += 1
        if self.caps and self.cables > self.caps.max_cables:
            raise OverCapError(
                self.source,
                f"the upload holds more than {self.caps.max_cables} cables, the limit for one upload "
                "(use `cables ingest` for bulk imports)",
            )


def decode(data: bytes, source: str) -> str:
    if not data.strip():
        raise ParseError(source, "empty file")
    if b"\x00" in data[:8192]:
        raise ParseError(source, "binary file (contains NUL bytes), not a cable")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        if text.count("\ufffd") > len(text) // 20:
            raise ParseError(source, "undecodable text (neither UTF-8 nor Windows-1252)") from None
        return text


def _too_big(source: str, size: int, max_bytes: int) -> ParseError:
    return ParseError(
        source,
        f"file is {size // 2**20} MB; one cable is at most {max_bytes // 2**20} MB "
        "(use the CSV format for bulk releases)",
    )


def parse_bytes(data: bytes, source: str, max_bytes: int = MAX_CABLE_BYTES) -> Cable:
    """One cable from one file's bytes (HTML page or plain text)."""
    if len(data) > max_bytes:
        raise _too_big(source, len(data), max_bytes)
    text = decode(data, source)
    if source.lower().endswith((".html", ".htm")) or looks_like_html(text):
        return parse_html(text, source)
    return parse_text(text, source)


def _guard(source: str, fn: Callable[..., Cable], *args: object) -> ParseResult:
    try:
        return fn(*args)
    except ParseError as e:
        return e
    except (ValueError, IndexError, KeyError, RecursionError, UnicodeError) as e:
        return ParseError(source, f"could not parse ({type(e).__name__}: {e})")


def _iter_csv_bytes(raw: IO[bytes], source: str) -> Iterator[ParseResult]:
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
    try:
        yield from iter_csv(stream, source)
    except (UnicodeError, OSError) as e:
        yield ParseError(source, f"CSV stream broke off ({e})")


def _iter_archive(path: Path, max_bytes: int, meter: _Meter) -> Iterator[ParseResult]:
    src = str(path)
    try:
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                for info in sorted(z.infolist(), key=lambda i: i.filename):
                    meter.charge(src, info.file_size)
                    if info.is_dir() or Path(info.filename).name in SKIP_NAMES:
                        continue
                    name = f"{src}!{info.filename}"
                    if info.filename.lower().endswith(".csv"):
                        with z.open(info) as f:
                            yield from _iter_csv_bytes(f, name)
                    elif info.file_size > max_bytes:
                        yield _too_big(name, info.file_size, max_bytes)
                    else:
                        yield _guard(name, parse_bytes, z.read(info), name)
            return
        with tarfile.open(path) as t:
            for m in t:
                meter.charge(src, m.size)  # skipped members too: moving past one decompresses it
                if not m.isfile() or Path(m.name).name in SKIP_NAMES:
                    continue
                name = f"{src}!{m.name}"
                member = t.extractfile(m)
                if member is None:
                    continue
                if m.name.lower().endswith(".csv"):
                    yield from _iter_csv_bytes(member, name)
                elif m.size > max_bytes:
                    yield _too_big(name, m.size, max_bytes)
                else:
                    yield _guard(name, parse_bytes, member.read(), name)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as e:
        yield ParseError(src, f"unreadable archive ({e})")


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for sub in sorted(path.rglob("*")):
                if sub.is_file() and sub.name not in SKIP_NAMES and not sub.name.startswith("."):
                    yield sub
        else:
            yield path


def iter_cables(
    paths: Iterable[str | os.PathLike[str]], max_bytes: int = MAX_CABLE_BYTES, caps: UploadCaps | None = None
) -> Iterator[ParseResult]:
    """Every cable under `paths` (files, folders recursively, archives), format detected per file. With `caps`,
    iteration ends with one `OverCapError` naming the file as soon as the bytes or cables read exceed them."""
    meter = _Meter(caps)
    try:
        for r in _iter_paths(paths, max_bytes, meter):
            if isinstance(r, Cable):
                meter.count()
            yield r
    except OverCapError as e:
        yield e


def _iter_paths(paths: Iterable[str | os.PathLike[str]], max_bytes: int, meter: _Meter) -> Iterator[ParseResult]:
    for path in iter_files(paths):
        src = meter.source = str(path)
        if not path.exists():
            yield ParseError(src, "no such file or folder")
            continue
        name = path.name.lower()
        try:
            if name.endswith(ARCHIVES):
                yield from _iter_archive(path, max_bytes, meter)
                continue
            meter.charge(src, path.stat().st_size)
            if name.endswith(".csv"):
                with open(path, "rb") as f:
                    yield from _iter_csv_bytes(f, src)
            elif path.stat().st_size > max_bytes:
                yield _too_big(src, path.stat().st_size, max_bytes)
            else:
                yield _guard(src, parse_bytes, path.read_bytes(), src)
        except OSError as e:
            yield ParseError(src, f"cannot read ({e.strerror or e})")


def parse_one(path: str | os.PathLike[str]) -> Cable:
    """Exactly one cable from one file; raises ParseError otherwise."""
    results = list(iter_cables([path]))
    for r in results:
        if isinstance(r, ParseError):
            raise r
    if len(results) != 1:
        raise ParseError(str(path), f"expected one cable, found {len(results)}")
    r0 = results[0]
    assert isinstance(r0, Cable)
    return r0


__all__ = ["OverCapError", "ParseError", "ParseResult", "UploadCaps", "iter_cables", "parse_bytes", "parse_one"]
