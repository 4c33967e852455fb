"""LLM backends behind one Protocol method: `stream(messages)` yields text pieces."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import ModelError
from .models import resolve_gguf
from .settings import Settings


@dataclass(frozen=True)
class Message:
    role: str  # system | user | assistant
    content: str


class LLM(Protocol):
    name: str

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]: ...


class LlamaCppLLM:
    """llama.cpp through llama-cpp-python. The fixed system prompt prefix is kept in the KV cache."""

    def __init__(self, settings: Settings) -> None:
        path = resolve_gguf(settings.llm, settings.cache_dir)
        self.name = settings.llm if os.path.sep not in settings.llm else path.name
        self.path = path
        self.temperature = settings.temperature
        try:
            from llama_cpp import Llama, LlamaRAMCache
        except ImportError as e:
            raise ModelError("answering needs `llama-cpp-python` (pip install llama-cpp-python)") from e
        try:
            self.llama: Any = Llama(
                model_path=str(path),
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads or (os.cpu_count() or 1),
                n_batch=512,
                verbose=False,
                seed=0,
            )
            self.llama.set_cache(LlamaRAMCache(capacity_bytes=256 << 20))
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"could not load {path}: {e}") from e

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        chunks = self.llama.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens,
            temperature=self.temperature,
            top_p=1.0,
            top_k=1,
            repeat_penalty=1.05,
            stream=True,
        )
        for ch in chunks:
            piece = ch["choices"][0]["delta"].get("content")
            if piece:
                yield piece

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False))


def load_llm(settings: Settings) -> LLM:
    return LlamaCppLLM(settings)
