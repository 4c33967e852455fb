"""Shared fixtures. Real components by default: the real parser on real cables, a real FAISS/BM25 index
built with the real (packaged, offline) embedder over a real subset. Deterministic fakes for fast units."""

from __future__ import annotations

import hashlib
import os
import tarfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.settings import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
SAMPLE = REPO / "corpus" / "wikileaks-html.tar.xz"
ARTIFACTS = REPO / "test-artifacts"
# the real subset the index tests use: the dev-set cables plus neighbours on the same topics
SUBSET = [
    "07TALLINN366",
    "07TALLINN375",
    "08FREETOWN389",
    "10SANAA221",
    "09ASTANA95",
    "09HARARE955",
    "05ISTANBUL890",
    "09SEOUL1400",
    "06DUBLIN1020",
    "09BANGKOK385",
    "09BANGKOK1998",
    "08OSLO629",
    "08OSLO670",
    "09TRIPOLI771",
    "09DJIBOUTI113",
    "06HAMBURG85",
    "09RIODEJANEIRO353",
    "75TEHRAN2069",
    "09ISTANBUL83",
    "09TRIPOLI941",
    "09TRIPOLI1025",
    "09ANKARA1583",
    "08CAIRO1637",
    "10RIYADH123",
]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class FakeEmbedder:
    """Deterministic bag-of-hashed-words vectors: fast, and similar texts get similar vectors."""

    name = "fake-hash-embedder"
    dim = 64

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                h = int(hashlib.md5(w.strip('.,;:"()').encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
        if progress:
            progress(len(texts))
        return out


class FakeLLM:
    """Replays a scripted answer token by token; records the prompts it saw."""

    name = "fake-llm"

    def __init__(self, reply: str | Callable[[str], str]) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def stream(self, messages, max_tokens: int) -> Iterator[str]:  # type: ignore[no-untyped-def]
        prompt = messages[-1].content
        self.prompts.append(prompt)
        text = self.reply(prompt) if callable(self.reply) else self.reply
        for w in text.split(" "):
            yield w + " "


def extract_subset(dest: Path, ids: Sequence[str]) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f"{i}.html" for i in ids}
    with tarfile.open(SAMPLE) as t:
        for m in t:
            if Path(m.name).name in wanted:
                f = t.extractfile(m)
                assert f is not None
                (dest / Path(m.name).name).write_bytes(f.read())
    return dest


@pytest.fixture(scope="session")
def subset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_subset(tmp_path_factory.mktemp("subset"), SUBSET)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Shared model cache (ONNX export, assembled GGUF): the user's cache when it exists, to save minutes."""
    return os.environ.get("CABLES_CACHE_DIR") or str(Path.home() / ".cache" / "cables")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, cache_dir: str) -> Settings:
    return Settings(index_dir=str(tmp_path_factory.mktemp("index") / "idx"), cache_dir=cache_dir)


@pytest.fixture(scope="session")
def real_embedder(real_settings: Settings):  # type: ignore[no-untyped-def]
    from rag.embed import load_embedder

    return load_embedder(real_settings)


@pytest.fixture(scope="session")
def real_index(real_settings: Settings, subset_dir: Path, real_embedder):  # type: ignore[no-untyped-def]
    """A real index (real parser, real embedder, real FAISS + BM25) over the real subset."""
    from rag.index import Index, ingest

    report = ingest([subset_dir], real_settings, embedder=real_embedder, progress=False)
    assert report.added == len(SUBSET), report.errors
    return Index.load(real_settings)


@pytest.fixture(scope="session")
def real_pipeline(real_settings: Settings, real_index, real_embedder):  # type: ignore[no-untyped-def]
    from rag.pipeline import open_pipeline

    return open_pipeline(real_settings, embedder=real_embedder)


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=str(tmp_path / "idx"), cache_dir=str(tmp_path / "cache"))
