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
    embed_device: str = "auto"  # torch backend: auto (cuda when present) | cpu | cuda
    embed_batch_gpu: int = 1024  # device batch on a GPU (fp16, sorted by length)
    embed_workers: int = 0  # tokenising threads feeding the GPU (0: up to 8)
    dense_index: str = "auto"  # auto (a segment of more than exact_limit passages gets IVF-SQ8) | flat | ivf
    exact_limit: int = 200_000
    ivf_recall_target: float = 0.95  # nprobe is the smallest reaching this recall@10 against exact search
    ivf_nprobe: int = 0  # 0: the nprobe chosen at build time (recorded in the manifest)
    ivf_parallel: bool = True  # a query's probed IVF lists are scanned by all cores (faiss parallel_mode 1)
    ingest_chunk: int = 4096  # passages per committed chunk: a killed ingest re-embeds at most one
    publish_every_s: float = 60.0  # during a long embedding, a new version (more dense coverage) this often
    max_segments: int = 8  # more segments than this after an ingest: the small ones are merged
    embed_context: bool = True  # prepend subject/origin/date to each paragraph when embedding
    window_tokens: int = 200  # passage window (cl100k tokens); MiniLM truncates at 256 word pieces
    window_overlap: int = 40
    keep_versions: int = 2  # index versions kept on disk (the live one and its predecessor)
    # LLM: "qwen-1.5b" | "qwen-0.5b" (packaged) or a path to any GGUF
    llm: str = "qwen-1.5b"
    n_ctx: int = 4096
    n_threads: int = 0  # 0 = all cores
    max_answer_tokens: int = 200
    temperature: float = 0.0
    repeat_penalty: float = 1.05
    llm_cache_mb: int = 256  # llama.cpp prompt (KV) cache kept in RAM
    # retrieval
    k: int = 10
    per_cable_cap: int = 6
    dense_weight: float = 0.5  # weight of the dense ranking in reciprocal rank fusion
    bm25_weight: float = 1.0  # weight of the BM25 ranking in reciprocal rank fusion
    rrf_k: int = 10  # reciprocal rank fusion constant: 1 / (rrf_k + rank)
    fusion_pool: int = 200  # candidates taken from each ranking before fusion
    score_floor: float = 0.0
    # REF threads (rag/retrieve/thread.py): paragraphs of the referenced cables a question or its best paragraph
    # leans on join the hits, right after the best hit
    follow_refs: bool = True
    follow_refs_hits: int = 2  # at most this many paragraphs reached through references
    # second-stage ranking of the best fused candidates (rag/retrieve/rerank.py; 0 = off); weights fitted on
    # eval/sets/tune*.jsonl by eval/tune_rerank.py
    rerank_pool: int = 60
    rerank_window: int = 25  # words: the window a question's words should fall in together
    rerank_fused: float = 0.5
    rerank_bm25: float = 0.0
    rerank_dense: float = 2.0
    rerank_cover: float = 0.5
    rerank_near: float = 0.5
    rerank_kind: float = 0.25
    rerank_header: float = -2.0
    # relevance decision (rag/retrieve/relevance.py): beat what off-topic probe questions score on this index
    relevance_probe_quantile: float = 1.0  # 1.0: the best probe score is the floor
    relevance_min_cables: int = 20  # below: a few cables' word statistics say nothing; the gate alone decides
    # prompt
    prompt_passages: int = 3
    prompt_token_budget: int = 480  # passage tokens in the prompt: prefill dominates time to first token
    history_answer_chars: int = 300  # the previous answer, as much as the prompt repeats of it
    # multi-part and list questions (rag/retrieve/parts.py): each part searched on its own, its best hits put first
    multi_part_k: int = 2  # hits of each part guaranteed a place at the head (0: per-part retrieval off)
    multi_part_passages: int = 4  # passages in the prompt for such a question (others: prompt_passages)
    multi_part_token_budget: int = 640  # their passage tokens (others: prompt_token_budget)
    # follow-ups (rag/answer/conversation.py): the previous turn's entities a follow-up carries, at most this long
    follow_up_context_chars: int = 160
    # citation checking: score = lexical_weight * recall + (1 - lexical_weight) * cosine - penalties
    check_supported: float = 0.60
    check_partial: float = 0.45
    check_lexical_weight: float = 0.55
    check_number_penalty: float = 0.45  # per figure the paragraph does not carry (at most 0.6)
    check_name_penalty: float = 0.3  # per name the paragraph does not carry (at most 0.5)
    check_negation_penalty: float = 0.15
    span_min_cover: float = 0.25  # IDF-weighted share of the question's words the supporting span must carry
    extract_min_cover: float = 0.6  # share of the question's content words a quoted sentence must carry
    fragment_max_words: int = 5  # a model answer this short is a fragment ("35 minutes"), checked in one sentence
    fragment_min_cover: float = 0.6  # share of the question's content words that sentence must carry
    # the entailment judge: "llm" (the answering model asked YES/NO) or "none" (lexical checks only: no ✔ except
    # for a verbatim whole sentence of the cited paragraph; everything else that passes them is at best partial)
    judge: str = "llm"
    judge_candidates: int = 2  # paragraphs judged per sentence, best lexical match first
    judge_passage_chars: int = 700  # paragraph text (around the matching span) a judge working alone reads
    # limits
    max_question_chars: int = 2000
    max_history_turns: int = 20
    max_upload_mb: int = 50  # one uploaded file as sent (compressed)
    max_upload_expanded_mb: int = 500  # one upload once decompressed: every archive member and CSV byte read
    max_upload_cables: int = 20_000  # cables in one upload (the full release goes through `cables ingest`)
    max_cable_mb: int = 20  # one cable file; the CSV release is streamed instead
    # server
    host: str = "127.0.0.1"
    port: int = 7860
    password: str = ""
    min_password_chars: int = 12
    tls_cert: str = ""  # PEM certificate and key: the chat serves HTTPS itself (or put a TLS reverse proxy in front)
    tls_key: str = ""
    login_max_failures: int = 5  # failed logins per client address within login_window_s, then HTTP 429
    login_window_s: int = 300
    chat_concurrency: int = 16  # questions served at once; they queue for the one model, not for each other
    temp_ttl_s: int = 3600  # exports and Gradio's copies of uploads and downloads are deleted after this

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
