"""Stage 2 of an ingest: embed the staged passages chunk by chunk (one vector file per chunk, written once, so a
killed ingest re-embeds at most the chunk it was in), reusing the vectors of unchanged passages of updated cables;
then, for a large segment, the IVF index with nprobe chosen for the recall target."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from ...backends.embedder import Embedder, embed_all
from ...index.dense import Vectors, build_ivf, calibrate_nprobe, chunk_files, nlist_for, write_chunk
from ...index.manifest import SegmentInfo
from ...index.reader import Index
from ..passages import embed_text
from .staging import Staging, progress_bar


def embedded_rows(st: Staging) -> int:
    """Rows covered by the complete vector files, counted from row 0; anything after a gap is removed."""
    pos = 0
    for p in (st.seg / "vec").glob(".*") if (st.seg / "vec").is_dir() else []:
        p.unlink()  # a chunk that was being written when the process died
    for start, path in chunk_files(st.seg):
        if start != pos:
            path.unlink()
            continue
        pos += int(np.load(path, mmap_mode="r").shape[0])
    return pos


def _reused(st: Staging, prev: Index | None, start: int, end: int, out: np.ndarray) -> np.ndarray:
    """Fill rows whose passage is unchanged since the previous version; returns which rows were filled."""
    have = np.zeros(end - start, dtype=bool)
    if prev is None:
        return have
    segs = {s.name: s for s in prev.segments}
    for row, name, old_row in st.reuse(start, end):
        seg = segs.get(name)
        if seg is not None and old_row < seg.dense.n:
            out[row - start] = seg.dense.vectors.gather(np.array([old_row]))[0]
            have[row - start] = True
    return have


def embed_stage(
    st: Staging,
    embedder: Embedder | None,
    dim: int,
    prev: Index | None,
    progress: bool,
    on_chunk: Callable[[int], None],
) -> tuple[int, int]:
    """Embed every staged row not embedded yet. Returns (rows embedded now, rows whose vectors were reused)."""
    n = st.rows
    done = embedded_rows(st)
    chunk = st.settings.ingest_chunk
    bar = progress_bar(progress and done < n, "embedding", "passage", total=n, initial=done)
    embedded = reused = 0
    for start in range(done, n, chunk):
        end = min(n, start + chunk)
        rows = list(st.store.passage_rows(start, end))
        vecs = np.zeros((end - start, dim), dtype=np.float32)
        have = _reused(st, prev, start, end, vecs)
        todo = np.flatnonzero(~have)
        if len(todo):
            if embedder is None:
                raise RuntimeError("passages to embed but no embedder")
            texts = [embed_text(rows[i][1], st.settings.embed_context) for i in todo]
            vecs[todo] = embed_all(embedder, texts, st.settings.embed_batch)
        write_chunk(st.seg, start, vecs)
        embedded += len(todo)
        reused += int(have.sum())
        if bar is not None:
            bar.update(end - start)
        on_chunk(end)
    if bar is not None:
        bar.close()
    return embedded, reused


def finish_dense(st: Staging, dim: int) -> None:
    """IVF for a large segment (or when forced by settings), with nprobe chosen for the recall target."""
    s = st.settings
    n = st.rows
    if st.get("dense_kind", ""):
        return
    big = s.dense_index == "ivf" or (s.dense_index == "auto" and n > s.exact_limit)
    if not big or n < 1000:
        st.put("dense_kind", "exact")
        st.db.commit()
        return
    import faiss

    t = time.time()
    vectors = Vectors(st.seg, n, dim)
    index = build_ivf(vectors)
    nprobe, recall = calibrate_nprobe(index, vectors, s.ivf_recall_target)
    tmp = st.seg / ".dense.faiss.tmp"
    faiss.write_index(index, str(tmp))
    os.replace(tmp, st.seg / "dense.faiss")
    st.put("dense_kind", f"ivf{nlist_for(n)}-sq8")
    st.put("nprobe", nprobe)
    st.put("ivf_recall", recall)
    st.put("ivf_seconds", round(time.time() - t, 1))
    st.db.commit()


def segment_info(st: Staging, embedded: int) -> SegmentInfo:
    return SegmentInfo(
        name=st.name,
        passages=st.rows,
        cables=int(st.get("cables")),
        embedded=embedded,
        tokens=int(st.get("tokens")),
        cable_xor=str(st.get("cable_xor")),
        dense_kind=str(st.get("dense_kind", "")) or "exact",
        nprobe=int(st.get("nprobe", 0)),
        ivf_recall=float(st.get("ivf_recall", 1.0)),
    )
