"""Backends chosen by settings: the embedder (torch on a GPU, int8 ONNX on CPU) and the language model."""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from ..settings import Settings
from .embedder import Embedder
from .llm import LLM


def load_embedder(settings: Settings) -> Embedder:
    """`auto`: torch on a CUDA GPU, else the int8 ONNX model on CPU (about 2x faster than torch there)."""
    backend = settings.embed_backend
    if backend == "auto":
        backend = "torch" if _cuda() else "onnx"
    if backend == "onnx":
        from .embed_onnx import OnnxEmbedder

        return OnnxEmbedder(settings)
    if backend == "torch":
        from .embed_torch import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(settings)
    raise ModelError(f"unknown embed_backend {backend!r}: use auto, torch or onnx")


def _cuda() -> bool:
    """A CUDA GPU torch can use. Without an NVIDIA driver, torch is not even imported (seconds saved per start)."""
    if not Path("/dev/nvidiactl").exists() and not Path("/proc/driver/nvidia").exists():
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:
        return False


FAKE_PREFIX = "fake:"  # `llm=fake:<script.json>`: the scripted stand-in of rag/fakes.py, for browser tests only


def load_llm(settings: Settings) -> LLM:
    if settings.llm.startswith(FAKE_PREFIX):
        from ..fakes import ScriptedLLM

        return ScriptedLLM(settings.llm.removeprefix(FAKE_PREFIX))
    from .llama import LlamaCppLLM

    return LlamaCppLLM(settings)
