"""llama.cpp through llama-cpp-python. The fixed system prompt prefix is kept in the KV cache, and consecutive calls
on the one `Llama` object re-use the KV of their longest common token prefix: a judge turn that repeats the answer
prompt's passages prefills only what differs (the claim)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from ..errors import ModelError
from ..settings import Settings
from .guard import check_allowed
from .llm import Message
from .weights import resolve_gguf


@lru_cache(maxsize=8)
def _grammar(options: tuple[str, ...]) -> Any:
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string("root ::= " + " | ".join(json.dumps(o) for o in options), verbose=False)


class LlamaCppLLM:
    def __init__(self, settings: Settings) -> None:
        path = resolve_gguf(settings.llm, settings.cache_dir)
        self.name = settings.llm if os.path.sep not in settings.llm else path.name
        check_allowed(f"the language model {self.name}")
        self.path = path
        self.temperature = settings.temperature
        self.repeat_penalty = settings.repeat_penalty
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
            self.llama.set_cache(LlamaRAMCache(capacity_bytes=settings.llm_cache_mb << 20))
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"could not load {path}: {e}") from e

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        chunks = self.llama.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens,
            temperature=self.temperature,
            top_p=1.0,
            top_k=1,
            repeat_penalty=self.repeat_penalty,
            stream=True,
        )
        for ch in chunks:
            piece = ch["choices"][0]["delta"].get("content")
            if piece:
                yield piece

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        """The option the model ranks first, decoded under a grammar that admits only the options."""
        out = self.llama.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max(len(o) for o in options),
            temperature=0.0,
            top_k=1,
            grammar=_grammar(tuple(options)),
        )
        text = (out["choices"][0]["message"]["content"] or "").strip()
        return text if text in options else options[-1]
