"""Test doubles shipped with the library (as pydantic-ai does): a deterministic embedder and a scripted LLM.

Fast and dependency-free; for unit tests and for benchmarks that measure everything but the model (labelled as
such). Never the only proof: the real components are tested too."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .backends.llm import Message
from .errors import ModelError
from .text.sentences import split_sentences


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


class FakeLLM:
    """Replays a scripted answer word by word (a string, or a function of the user prompt); records the prompts."""

    name = "fake-llm"

    def __init__(self, reply: str | Callable[[str], str], token_delay_s: float = 0.0) -> None:
        self.reply = reply
        self.token_delay_s = token_delay_s  # a slow model, for tests of concurrent sessions
        self.prompts: list[str] = []

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        prompt = messages[-1].content
        self.prompts.append(prompt)
        text = self.reply(prompt) if callable(self.reply) else self.reply
        for w in text.split(" "):
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            yield w + " "


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
        super().__init__(self._answer, float(spec.get("token_delay_s", 0.0)))
        self.text = str(spec.get("reply", ""))
        self.name = f"scripted:{Path(script).name}"

    def _answer(self, prompt: str) -> str:
        m = _FIRST_PASSAGE.search(prompt) if self.quote else None
        first = split_sentences(m.group(1))[:1] if m else []
        return " ".join([*(f"{s} [P1]" for s in first), self.text]).strip()
