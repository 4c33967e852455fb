"""Wiring: the index, embedder, retriever and checking stage opened from settings, and the answerer on top.
The language model is loaded only when an answerer is asked for."""

from __future__ import annotations

from dataclasses import dataclass

from .answer.pipeline import Answerer
from .backends.embedder import Embedder
from .backends.llm import LLM
from .backends.loaders import load_embedder, load_llm
from .check.attribution import Attributor
from .check.support import Scorer
from .index.reader import Index
from .retrieve.fusion import Retriever
from .settings import Settings


@dataclass(frozen=True)
class Components:
    settings: Settings
    index: Index
    embedder: Embedder
    retriever: Retriever
    attributor: Attributor


def open_components(settings: Settings, mode: str = "hybrid", embedder: Embedder | None = None) -> Components:
    index = Index.load(settings, expect_embedder=embedder.name if embedder is not None else None)
    emb = embedder or load_embedder(settings)
    attributor = Attributor(Scorer(settings, emb), index.cable, index.lexical.idf, settings)
    return Components(settings, index, emb, Retriever(index, emb, settings, mode=mode), attributor)


def open_answerer(settings: Settings, llm: LLM | None = None, components: Components | None = None) -> Answerer:
    c = components or open_components(settings)
    return Answerer(c.retriever, llm or load_llm(settings), c.attributor, settings)
