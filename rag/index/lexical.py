"""BM25 over the passages: the lexical half of hybrid retrieval, and word rarity (IDF) for the checker.

Scores are bm25s's "lucene" BM25 (k1 1.5, b 0.75: idf = ln(1 + (N - df + .5) / (df + .5)), tf / (tf + k1 (1 - b +
b dl / avgdl))), the variant the index used when it was built with bm25s; tests/test_index.py checks the two agree.
It is computed here because bm25s builds an index only from every document's tokens held in memory at once and
bakes each index's own IDF into its scores, while segments need a streaming build (token ids, chunk by chunk) and
one IDF and average length over all segments.

A segment's bm25/ folder: the sorted vocabulary (terms.bin + term_off.npy), term-major postings (indptr.npy,
docs.npy, tf.npy) and doclen.npy; everything memory-mapped.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..text.words import tokenize

K1, B = 1.5, 0.75


def tokens_of(texts: Sequence[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


class LexicalBuilder:
    """Streaming BM25 build: `add` writes one chunk's postings (by term id) to disk; `finish` turns the chunks into
    term-major postings with a counting sort into memory-mapped files. Memory: the vocabulary and one chunk."""

    def __init__(self, folder: Path, vocab: list[str]) -> None:
        self.folder = folder
        (folder / "chunks").mkdir(parents=True, exist_ok=True)
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}

    def add(self, start: int, texts: Sequence[str]) -> list[str]:
        """Postings of rows start.. (one per text); returns the terms new to the vocabulary, in id order."""
        first_new = len(self.vocab)
        terms: list[int] = []
        docs: list[int] = []
        doclen = np.zeros(len(texts), dtype=np.int32)
        for i, toks in enumerate(tokens_of(texts)):
            doclen[i] = len(toks)
            for t in toks:
                tid = self.ids.get(t)
                if tid is None:
                    tid = self.ids[t] = len(self.vocab)
                    self.vocab.append(t)
                terms.append(tid)
            docs.extend([start + i] * len(toks))
        key = (np.array(terms, dtype=np.int64) << 32) | np.array(docs, dtype=np.int64)
        uniq, tf = np.unique(key, return_counts=True)
        tmp = self.folder / "chunks" / f".{start:012d}.npz"
        with open(tmp, "wb") as f:
            np.savez(f, terms=(uniq >> 32).astype(np.int32), docs=(uniq & 0xFFFFFFFF).astype(np.int32),
                     tf=np.minimum(tf, 65535).astype(np.uint16), doclen=doclen, start=np.int64(start))  # fmt: skip
        tmp.rename(tmp.with_name(tmp.name[1:]))
        return self.vocab[first_new:]

    def chunk_files(self) -> list[Path]:
        return sorted((self.folder / "chunks").glob("[0-9]*.npz"))

    def drop_chunks_from(self, row: int) -> None:
        """Forget chunks starting at or after `row` (written but never committed before a crash)."""
        for p in self.chunk_files():
            if int(p.stem) >= row:
                p.unlink()

    def finish(self, n_docs: int) -> int:
        """Write the term-major postings; returns the token count (sum of passage lengths)."""
        import shutil

        order = sorted(range(len(self.vocab)), key=self.vocab.__getitem__)
        new_id = np.empty(len(self.vocab), dtype=np.int64)
        new_id[order] = np.arange(len(order))
        df = np.zeros(len(self.vocab), dtype=np.int64)
        doclen = np.zeros(n_docs, dtype=np.int32)
        for p in self.chunk_files():
            with np.load(p) as z:
                df += np.bincount(new_id[z["terms"]], minlength=len(df))
                s = int(z["start"])
                doclen[s : s + len(z["doclen"])] = z["doclen"]
        indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        nnz = int(indptr[-1])
        docs = np.lib.format.open_memmap(self.folder / "docs.npy", "w+", np.int32, (nnz,))
        tfs = np.lib.format.open_memmap(self.folder / "tf.npy", "w+", np.uint16, (nnz,))
        cursor = indptr[:-1].copy()
        for p in self.chunk_files():
            with np.load(p) as z:
                t = new_id[z["terms"]]
                o = np.argsort(t, kind="stable")  # docs stay ascending within a term
                t = t[o]
                uniq, first, counts = np.unique(t, return_index=True, return_counts=True)
                pos = cursor[t] + (np.arange(len(t)) - np.repeat(first, counts))
                docs[pos] = z["docs"][o]
                tfs[pos] = z["tf"][o]
                cursor[uniq] += counts
        docs.flush()
        tfs.flush()
        del docs, tfs
        np.save(self.folder / "indptr.npy", indptr)
        np.save(self.folder / "doclen.npy", doclen)
        write_terms(self.folder, [self.vocab[i] for i in order])
        shutil.rmtree(self.folder / "chunks")
        return int(doclen.sum())


def write_terms(folder: Path, terms: list[str]) -> None:
    blobs = [t.encode() for t in terms]
    np.save(folder / "term_off.npy", np.concatenate([[0], np.cumsum([len(b) for b in blobs])]).astype(np.int64))
    (folder / "terms.bin").write_bytes(b"".join(blobs))


class _Terms(Sequence[str]):
    """The sorted vocabulary, decoded on access (bisect over it finds a term's id)."""

    def __init__(self, blob: np.ndarray, off: np.ndarray) -> None:
        self.blob, self.off = blob, off

    def __len__(self) -> int:
        return len(self.off) - 1

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return bytes(self.blob[self.off[i] : self.off[i + 1]]).decode()


class LexicalSegment:
    def __init__(self, folder: Path) -> None:
        self.indptr = np.asarray(np.load(folder / "indptr.npy", mmap_mode="r"))  # plain views of the maps
        self.docs = np.asarray(np.load(folder / "docs.npy", mmap_mode="r"))
        self.tf = np.asarray(np.load(folder / "tf.npy", mmap_mode="r"))
        self.doclen = np.asarray(np.load(folder / "doclen.npy", mmap_mode="r"))
        path = folder / "terms.bin"
        blob = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else np.zeros(0, dtype=np.uint8)
        self.terms = _Terms(blob, np.load(folder / "term_off.npy", mmap_mode="r"))
        self.norm: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.doclen)

    def term_id(self, term: str) -> int | None:
        i = bisect.bisect_left(self.terms, term)
        return i if i < len(self.terms) and self.terms[i] == term else None

    def df(self, tid: int) -> int:
        return int(self.indptr[tid + 1] - self.indptr[tid])

    def set_avgdl(self, avgdl: float) -> None:
        self.norm = (K1 * (1 - B + B * np.asarray(self.doclen, dtype=np.float32) / max(avgdl, 1e-9))).astype(np.float32)

    def scores(self, weighted: list[tuple[int, float]]) -> np.ndarray:
        """BM25 of every row for (term id, weight = idf x occurrences in the query) pairs."""
        assert self.norm is not None
        out = np.zeros(self.n, dtype=np.float32)
        for tid, w in weighted:
            a, b = int(self.indptr[tid]), int(self.indptr[tid + 1])
            d = np.asarray(self.docs[a:b])
            tf = np.asarray(self.tf[a:b], dtype=np.float32)
            out[d] += np.float32(w) * tf / (tf + self.norm[d])
        return out


class LexicalSet:
    """BM25 over several segments as one corpus: one IDF and one average length for all of them."""

    def __init__(self, segments: list[LexicalSegment], tokens: int) -> None:
        self.segments = segments
        self.n = sum(s.n for s in segments)
        for s in segments:
            s.set_avgdl(tokens / max(self.n, 1))
        self._ids: dict[str, list[int | None]] = {}

    def _term_ids(self, token: str) -> list[int | None]:
        ids = self._ids.get(token)
        if ids is None:
            ids = [s.term_id(token) for s in self.segments]
            if len(self._ids) > 100_000:
                self._ids.clear()
            self._ids[token] = ids
        return ids

    def df(self, token: str) -> int:
        return sum(s.df(t) for s, t in zip(self.segments, self._term_ids(token), strict=True) if t is not None)

    def idf(self, token: str) -> float:
        """Inverse document frequency over the passages; unseen words count as the rarest."""
        return float(np.log((self.n + 1) / (self.df(token) + 0.5)))

    def segment_scores(self, query_tokens: list[str]) -> list[np.ndarray | None]:
        """Each segment's BM25 scores for the query (None where no query word occurs in it)."""
        counts: dict[str, int] = {}
        for t in query_tokens:
            counts[t] = counts.get(t, 0) + 1
        per_seg: list[list[tuple[int, float]]] = [[] for _ in self.segments]
        for tok, c in counts.items():
            df = self.df(tok)
            if not df:
                continue
            idf = float(np.log(1 + (self.n - df + 0.5) / (df + 0.5)))
            for i, tid in enumerate(self._term_ids(tok)):
                if tid is not None:
                    per_seg[i].append((tid, idf * c))
        return [s.scores(w) if w else None for s, w in zip(self.segments, per_seg, strict=True)]
