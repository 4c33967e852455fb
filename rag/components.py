"""Wiring: the index, embedder, retriever and verification gate opened from settings, and the answerer on top.
The language model is loaded only when an answerer is asked for, or when the gate's judge first needs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from .answer import prompting
from .answer.pipeline import Answerer
from .backends.embedder import Embedder
from .backends.llm import LLM
from .backends.loaders import load_embedder, load_llm
from .check.attribution import Attributor
from .check.gate import Gate
from .check.judge import Judge, JudgePrompts, LlmJudge
from .check.support import Scorer
from .errors import CablesError
from .index.reader import Index
from .retrieve.fusion import Retriever
from .settings import Settings


@dataclass(frozen=True)
class Components:
    settings: Settings
    index: Index
    embedder: Embedder
    retriever: Retriever
    gate: Gate  # its judge loads the model on first use (`cables check`); the answerer's gate shares its model


def make_judge(settings: Settings, llm: Callable[[], LLM]) -> Judge | None:
    """The judge `Settings.judge` names: "llm" (the answering model, YES/NO) or "none" (lexical checks only)."""
    if settings.judge == "none":
        return None
    if settings.judge != "llm":
        raise CablesError(f"CABLES_JUDGE={settings.judge!r}: expected 'llm' or 'none'")
    ps = prompting.load_set(settings.prompts_dir)
    return LlmJudge(
        llm,
        JudgePrompts(ps.judge_system, ps.judge_alone, ps.judge_states, ps.judge_answers),
        settings.judge_passage_chars,
    )


def open_components(settings: Settings, mode: str = "hybrid", embedder: Embedder | None = None) -> Components:
    index = Index.load(settings, expect_embedder=embedder.name if embedder is not None else None)
    emb = embedder or load_embedder(settings)
    attributor = Attributor(index.cable, index.lexical.idf, settings.extract_min_cover)
    judge = make_judge(settings, cache(lambda: load_llm(settings)))
    gate = Gate(attributor, Scorer(settings, emb), index.lexical.idf, settings, judge)
    return Components(settings, index, emb, Retriever(index, emb, settings, mode=mode), gate)


def open_answerer(settings: Settings, llm: LLM | None = None, components: Components | None = None) -> Answerer:
    c = components or open_components(settings)
    model = llm or load_llm(settings)
    gate = c.gate.with_judge(make_judge(settings, lambda: model))  # the judge asks the answering model itself
    return Answerer(c.retriever, model, gate, settings)
