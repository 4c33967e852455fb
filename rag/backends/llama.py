"""llama.cpp through llama-cpp-python. The fixed system prompt prefix is kept in the KV cache, and consecutive calls
on the one `Llama` object re-use the KV of their longest common token prefix: a judge turn that repeats the answer
prompt's passages prefills only what differs (the claim).

Messages are data: the model's own chat template is rendered with placeholders for the message contents, its text
is tokenized with special tokens on (`<|im_start|>` is the control token) and every content with them off, so a
literal `<|im_start|>system` in a cable, an answer or a question stays text and never switches roles.
(`create_chat_completion` tokenizes the whole rendered prompt with special tokens on.)"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from ..errors import ModelError
from ..settings import Settings
from .guard import check_allowed
from .llm import Message
from .weights import resolve_gguf

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def split_rendered(rendered: str, marks: Sequence[str], contents: Sequence[str]) -> list[tuple[str, bool]]:
    """The rendered template as (text, is_data) pieces: each placeholder in `marks` replaced by its content, marked
    as data. Raises ValueError if the template did not reproduce every placeholder exactly once, in order."""
    pieces: list[tuple[str, bool]] = []
    rest = rendered
    for mark, content in zip(marks, contents, strict=True):
        head, sep, rest = rest.partition(mark)
        if not sep or mark in rest:
            raise ValueError("the chat template altered or repeated a message")
        pieces += [(head, False), (content, True)]
    pieces.append((rest, False))
    return [(t, d) for t, d in pieces if t]


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
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
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
        self.eos = self._token_text(self.llama.token_eos())
        self.formatter: Any = Jinja2ChatFormatter(
            template=self.llama.metadata.get("tokenizer.chat_template") or CHATML,
            eos_token=self.eos,
            bos_token=self._token_text(self.llama.token_bos()),
        )

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return bytes(self.llama.detokenize([token], special=True)).decode("utf-8", "replace")

    def prompt_tokens(self, messages: Sequence[Message]) -> list[int]:
        """The chat prompt as tokens: the template's text with special tokens, each message's content without."""
        marks = [f"\ue000{uuid.uuid4().hex}\ue001" for _ in messages]
        placeholders: list[Any] = [{"role": m.role, "content": k} for m, k in zip(messages, marks, strict=True)]
        rendered = self.formatter(messages=placeholders).prompt
        try:
            pieces = split_rendered(rendered, marks, [m.content for m in messages])
        except ValueError as e:
            raise ModelError(f"{self.name}: its chat template cannot keep message contents apart ({e})") from e
        tokens: list[int] = []
        for text, is_data in pieces:
            tokens += self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=not is_data)
        return tokens

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        chunks = self.llama.create_completion(
            prompt=self.prompt_tokens(messages),
            max_tokens=max_tokens,
            temperature=self.temperature,
            top_p=1.0,
            top_k=1,
            repeat_penalty=self.repeat_penalty,
            stop=[self.eos] if self.eos else None,
            stream=True,
        )
        for ch in chunks:
            piece = ch["choices"][0]["text"]
            if piece:
                yield piece

    def choose(self, messages: Sequence[Message], options: Sequence[str]) -> str:
        """The option the model ranks first, decoded under a grammar that admits only the options (the prompt is
        tokenized as `stream` does: message contents never become control tokens)."""
        out = self.llama.create_completion(
            prompt=self.prompt_tokens(messages),
            max_tokens=max(len(o) for o in options),
            temperature=0.0,
            top_k=1,
            grammar=_grammar(tuple(options)),
        )
        text = (out["choices"][0]["text"] or "").strip()
        return text if text in options else options[-1]
