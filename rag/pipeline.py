"""Wiring: open the index, the embedder, the retriever, the checker and the answerer from settings."""

from __future__ import annotations

from dataclasses import dataclass

from .answer import Answerer
from .check import Checker
from .embed import Embedder, load_embedder
from .index import Index
from .llm import LLM, load_llm
from .retrieve import Retriever
from .settings import Settings


@dataclass(frozen=True)
class Pipeline:
    settings: Settings
    index: Index
    embedder: Embedder
    retriever: Retriever
    checker: Checker


def open_pipeline(settings: Settings, mode: str = "hybrid", embedder: Embedder | None = None) -> Pipeline:
    index = Index.load(settings, expect_embedder=embedder.name if embedder is not None else None)
    emb = embedder or load_embedder(settings)
    return Pipeline(settings, index, emb, Retriever(index, emb, settings, mode=mode), Checker(index.cable, emb))


def open_retriever(settings: Settings, mode: str = "hybrid") -> Retriever:
    return open_pipeline(settings, mode).retriever


def open_answerer(settings: Settings, llm: LLM | None = None, pipeline: Pipeline | None = None) -> Answerer:
    p = pipeline or open_pipeline(settings)
    return Answerer(p.retriever, llm or load_llm(settings), p.checker, settings)
