"""One frozen settings object. Every field can be overridden by an environment variable CABLES_<FIELD>."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import CablesError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "cables")


@dataclass(frozen=True)
class Settings:
    index_dir: str = str(REPO_ROOT / "index" / "default")
    prompts_dir: str = str(REPO_ROOT / "prompts")
    cache_dir: str = dataclasses.field(default_factory=_default_cache)
    # embedder: "minilm" = the packaged all-MiniLM-L6-v2; or any sentence-transformers path/name
    embedder: str = "minilm"
    embed_backend: str = "auto"  # auto | torch | onnx
    embed_batch: int = 16
    dense_index: str = "auto"  # auto (exact up to 200k passages, then IVF-SQ8) | flat | ivf
    embed_context: bool = True  # prepend subject/origin/date to each paragraph when embedding
    window_tokens: int = 200  # passage window (cl100k tokens); MiniLM truncates at 256 word pieces
    window_overlap: int = 40
    # LLM: "qwen-1.5b" | "qwen-0.5b" (packaged) or a path to any GGUF
    llm: str = "qwen-1.5b"
    n_ctx: int = 4096
    n_threads: int = 0  # 0 = all cores
    max_answer_tokens: int = 200
    temperature: float = 0.0
    # retrieval
    k: int = 10
    per_cable_cap: int = 6
    dense_weight: float = 0.2  # weight of the dense ranking in reciprocal rank fusion (BM25 has 1.0)
    score_floor: float = 0.0
    prompt_passages: int = 3
    prompt_token_budget: int = 480  # passage tokens in the prompt: prefill dominates time to first token
    # limits
    max_question_chars: int = 2000
    max_history_turns: int = 20
    max_upload_mb: int = 50
    # server
    host: str = "127.0.0.1"
    port: int = 7860
    password: str = ""

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"CABLES_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _coerce(name: str, typ: object, raw: str) -> object:
    t = str(typ)
    try:
        if t == "int":
            return int(raw)
        if t == "float":
            return float(raw)
        if t == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
    except ValueError as e:
        raise CablesError(f"environment variable CABLES_{name.upper()}={raw!r}: expected {t}") from e
    return raw
