"""Full verification of index versions (`cables verify`): every file's SHA-256 against the manifest, then the
segments' internal consistency (row counts of store, BM25, columns, vectors and IVF agree)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import CablesError
from ..settings import Settings
from .manifest import FORMAT_VERSION, Manifest, all_versions, check_files, current_name, read_format
from .reader import Index


@dataclass(frozen=True)
class VersionCheck:
    version: str
    live: bool
    files: int
    bytes: int
    seconds: float
    problems: tuple[str, ...]


def _consistency(index: Index) -> list[str]:
    out = []
    for seg in index.segments:
        info = seg.info
        counts = {
            "store passages": seg.store.count_passages(),
            "BM25 documents": seg.lex.n,
            "metadata rows": len(seg.cols.row_cable),
        }
        out += [f"{seg.name}: {k} {v} != {info.passages} rows" for k, v in counts.items() if v != info.passages]
        if seg.dense.n != info.embedded:
            out.append(f"{seg.name}: {seg.dense.n} vectors on disk, the manifest says {info.embedded}")
        if seg.dense.ivf is not None and seg.dense.ivf.ntotal != info.passages:
            out.append(f"{seg.name}: IVF holds {seg.dense.ivf.ntotal} vectors, the segment {info.passages}")
        if seg.store.count_cables() != info.cables:
            out.append(f"{seg.name}: store holds {seg.store.count_cables()} cables, the manifest says {info.cables}")
    return out


def verify_version(folder: Path, settings: Settings, live: bool) -> VersionCheck:
    t = time.time()
    problems: list[str] = []
    files = size = 0
    fmt = read_format(folder / "manifest.json")
    if fmt != FORMAT_VERSION:
        problems.append(f"{folder}: format {fmt}, this version reads {FORMAT_VERSION}")
    else:
        try:
            m = Manifest.read(folder / "manifest.json")
            files, size = len(m.files), sum(r.size for r in m.files.values())
            problems += check_files(folder, m.files, full=True)
            if not problems:
                problems += _consistency(Index(folder, m, settings))
        except CablesError as e:
            problems.append(str(e))
    return VersionCheck(folder.name, live, files, size, time.time() - t, tuple(problems))


def verify(settings: Settings, every: bool = False) -> list[VersionCheck]:
    """The live version (and, with `every`, all versions kept), fully checked."""
    root = Path(settings.index_dir)
    cur = current_name(root)
    versions = all_versions(root)
    chosen = versions if every else [v for v in versions if v.name == cur]
    if not chosen and cur:
        return [VersionCheck(cur, True, 0, 0, 0.0, (f"{root / 'versions' / cur} is missing",))]
    return [verify_version(v, settings, v.name == cur) for v in chosen]
