"""Test doubles shipped with the library (as pydantic-ai does): a deterministic embedder and a scripted LLM.

Fast and dependency-free; for unit tests and for benchmarks that measure everything but the model (labelled as
such). Never the only proof: the real components are tested too."""

from __future__ import annotations

import hashlib
import json
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .backends.llm import Message
from .errors import ModelError
from .text.sentences import split_sentences
from .text.words import normalize

_WORDS = re.compile(r"[a-z0-9]{3,}")


class FakeEmbedder:
    """Deterministic bag-of-hashed-words vectors: fast, and texts sharing words get similar vectors."""

    name = "fake-hash-embedder"
    dim = 64

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                h = int(hashlib.md5(w.strip('.,;:"()').encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
        return out


class StandInEmbedder:
    """The fast deterministic stand-in for benchmarks that measure everything but the model (and say so): 384
    dimensions like the real embedder; each lower-cased word hashed with CRC32 to one of 4,096 fixed random
    directions, summed (a sparse product) and normalised, so texts sharing words get similar vectors. Identical in
    every process (no salted hashes)."""

    name = "stand-in-hash-384"
    dim = 384

    def __init__(self, buckets: int = 4096, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.table = (rng.standard_normal((buckets, self.dim)) / np.sqrt(self.dim)).astype(np.float32)
        self.buckets = buckets

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        from scipy.sparse import csr_matrix  # scipy comes with sentence-transformers

        cols: list[int] = []
        ptr = [0]
        for t in texts:
            cols.extend(zlib.crc32(w.encode()) % self.buckets for w in _WORDS.findall(t.lower()))
            ptr.append(len(cols))
        counts = csr_matrix((np.ones(len(cols), dtype=np.float32), cols, ptr), shape=(len(texts), self.buckets))
        out = np.asarray(counts @ self.table, dtype=np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


class FakeLLM:
    """Replays a scripted answer word by word (a string, or a function of the user prompt); records the prompts.
    `choose` answers constrained questions (the judge's YES/NO) by `chooser(prompt)`, the last option by default."""

    name = "fake-llm"

    def __init__(
        self,
        reply: str | Callable[[str], str],
        chooser: Callable[[str], str] | None = None,
        token_delay_s: float = 0.0,
    ) -> None:
        self.reply = reply
        self.chooser = chooser
        self.token_delay_s = token_delay_s  # a slow model, for tests of concurrent sessions
        self.prompts: list[str] = []
        self.choices: list[str] = []

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        prompt = messages[-1].content
        self.prompts.append(prompt)
        text = self.reply(prompt) if callable(self.reply) else self.reply
        for w in text.split(" "):
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            yield w + " "

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        prompt = messages[-1].content
        self.choices.append(prompt)
        pick = self.chooser(prompt) if self.chooser else options[-1]
        return pick if pick in options else options[-1]


class ScriptedJudge:
    """An entailment judge for unit tests (rag.check.judge.Judge): `rule(claim)` decides; every claim it saw is
    recorded with its verdict. Claims are rag.check.judge.Claim (typed Any here: fakes sit below the check layer)."""

    name = "scripted-judge"

    def __init__(self, rule: Callable[[Any], bool]) -> None:
        self.rule = rule
        self.seen: list[tuple[Any, bool]] = []

    def entails(self, claim: Any, frame: Any = None) -> bool:
        ok = bool(self.rule(claim))
        self.seen.append((claim, ok))
        return ok

    @property
    def accepted(self) -> set[str]:
        return {c.text for c, ok in self.seen if ok}


def verbatim_judge() -> ScriptedJudge:
    """A strict stand-in: YES only when the claim, as words, occurs in the paragraph (and a quote always answers)."""
    return ScriptedJudge(lambda c: c.must_answer or normalize(c.text) in normalize(c.passage))


_FIRST_PASSAGE = re.compile(r"<<<\n(.*?)\n>>>", re.S)


class ScriptedLLM(FakeLLM):
    """The app's model in browser tests, chosen by the setting `llm=fake:<script.json>` (never a default). The script:
    `{"reply": "...", "quote_first_passage": true, "token_delay_s": 0.05}`: the first sentence of the first passage
    in the prompt (cited `[P1]`) when asked, then the reply, streamed word by word."""

    def __init__(self, script: str) -> None:
        try:
            spec = json.loads(Path(script).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelError(f"scripted model {script}: {e}") from e
        self.quote = bool(spec.get("quote_first_passage", False))
        super().__init__(self._answer, token_delay_s=float(spec.get("token_delay_s", 0.0)))
        self.text = str(spec.get("reply", ""))
        self.name = f"scripted:{Path(script).name}"

    def _answer(self, prompt: str) -> str:
        m = _FIRST_PASSAGE.search(prompt) if self.quote else None
        first = split_sentences(m.group(1))[:1] if m else []
        return " ".join([*(f"{s} [P1]" for s in first), self.text]).strip()
