"""A cache of real passage vectors, keyed by the SHA-256 of the text the embedder sees, so that benchmarks and
evaluations over large real-vector indexes embed each passage once (about 30 minutes per 100k passages on 2 cores).

    python eval/vector_cache.py embed /tmp/distract.csv --out /tmp/vcache        # resumable, chunk by chunk
    python eval/vector_cache.py import-index /work/idx-base --out /tmp/vcache      # vectors of a built index

`CachedEmbedder(real, folder)` answers from the cache and embeds only what is missing, under the real embedder's
name, so an index built through it is the index the real embedder would build. Nothing here is used by the product.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.backends.embedder import Embedder, embed_all  # noqa: E402
from rag.backends.loaders import load_embedder  # noqa: E402
from rag.ingest.parse import iter_cables  # noqa: E402
from rag.ingest.passages import embed_text, passages_for  # noqa: E402
from rag.records import Cable  # noqa: E402
from rag.settings import Settings  # noqa: E402


def key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


def load(folder: Path) -> tuple[dict[bytes, int], np.ndarray]:
    """key -> row, and every cached vector (float32, one row each)."""
    keys, vecs = [], []
    for kf in sorted(folder.glob("keys-*.npy")):
        vf = kf.with_name(kf.name.replace("keys-", "vecs-"))
        if vf.exists():
            keys.append(np.load(kf))
            vecs.append(np.load(vf))
    if not keys:
        return {}, np.zeros((0, 0), dtype=np.float32)
    allk = np.concatenate(keys)
    return {bytes(k): i for i, k in enumerate(allk)}, np.concatenate(vecs)


def save_chunk(folder: Path, n: int, keys: list[bytes], vecs: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"vecs-{n:05d}.tmp.npy", vecs.astype(np.float32))
    np.save(folder / f"keys-{n:05d}.npy", np.array(keys, dtype="S16"))
    (folder / f"vecs-{n:05d}.tmp.npy").rename(folder / f"vecs-{n:05d}.npy")  # the vectors file marks it complete


class CachedEmbedder:
    """The real embedder's vectors, from the cache where present."""

    def __init__(self, real: Embedder, folder: Path) -> None:
        self.real = real
        self.name = real.name
        self.dim = real.dim
        self.index, self.vectors = load(folder)
        self.hits = self.misses = 0

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, t in enumerate(texts):
            row = self.index.get(key(t))
            if row is None:
                missing.append(i)
            else:
                out[i] = self.vectors[row]
        if missing:
            out[missing] = self.real.embed_batch([texts[i] for i in missing])
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return out


def passage_texts(paths: list[str], settings: Settings) -> Iterator[str]:
    for c in iter_cables(paths):
        if isinstance(c, Cable):
            for p in passages_for(c, settings):
                yield embed_text(p, settings.embed_context)


def cmd_embed(paths: list[str], out: Path, chunk: int) -> None:
    settings = Settings.from_env()
    have, _ = load(out)
    emb = load_embedder(settings)
    buf: list[str] = []
    n = len(list(out.glob("vecs-*.npy")))
    done = skipped = 0
    t0 = time.time()

    def flush() -> None:
        nonlocal n, done
        vecs = embed_all(emb, buf, settings.embed_batch)
        save_chunk(out, n, [key(t) for t in buf], vecs)
        n += 1
        done += len(buf)
        rate = done / (time.time() - t0)
        print(f"{done} embedded ({skipped} cached) {rate:.1f} passages/s", file=sys.stderr, flush=True)
        buf.clear()

    for text in passage_texts(paths, settings):
        if key(text) in have:
            skipped += 1
            continue
        have[key(text)] = -1
        buf.append(text)
        if len(buf) >= chunk:
            flush()
    if buf:
        flush()
    (out / "meta.json").write_text(json.dumps({"embedder": emb.name, "dim": emb.dim}))


def cmd_import(index_dir: Path, out: Path) -> None:
    """Vectors of a format-1 index (store.sqlite passages in row order + vectors.npy)."""
    name = (index_dir / "CURRENT").read_text().strip()
    folder = index_dir / "versions" / name
    vecs = np.load(folder / "vectors.npy", mmap_mode="r")
    db = sqlite3.connect(f"file:{folder / 'store.sqlite'}?mode=ro", uri=True)
    keys = [key(f"{ctx}\n{text}") for text, ctx in db.execute("SELECT text, context FROM passages ORDER BY row")]
    save_chunk(out, 90000, keys, np.asarray(vecs))
    print(f"imported {len(keys)} vectors from {folder}", file=sys.stderr)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("embed")
    e.add_argument("paths", nargs="+")
    e.add_argument("--out", required=True)
    e.add_argument("--chunk", type=int, default=2048)
    i = sub.add_parser("import-index")
    i.add_argument("index")
    i.add_argument("--out", required=True)
    args = p.parse_args()
    if args.cmd == "embed":
        cmd_embed(args.paths, Path(args.out), args.chunk)
    else:
        cmd_import(Path(args.index), Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
