"""Shared fixtures. Real components by default: the real parser on real cables, a real FAISS/BM25 index
built with the real (packaged, offline) embedder over a real subset. Deterministic fakes for fast units."""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from rag.backends.guard import ENV as ALLOW_MODELS
from rag.backends.guard import real_models
from rag.fakes import FakeEmbedder, FakeLLM
from rag.settings import Settings

__all__ = ["FakeEmbedder", "FakeLLM"]

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
# no real model loads in a test unless it opts in (marker `slow` or `llm`, or a real_* fixture)
os.environ[ALLOW_MODELS] = "0"


@pytest.fixture(autouse=True)
def _model_requests(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("llm") or request.node.get_closest_marker("slow"):
        with real_models():
            yield
    else:
        yield


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
    from rag.backends.loaders import load_embedder

    with real_models():
        return load_embedder(real_settings)


@pytest.fixture(scope="session")
def real_index(real_settings: Settings, subset_dir: Path, real_embedder):  # type: ignore[no-untyped-def]
    """A real index (real parser, real embedder, real FAISS + BM25) over the real subset."""
    from rag.index.reader import Index
    from rag.ingest.build import ingest

    report = ingest([subset_dir], real_settings, embedder=real_embedder, progress=False)
    assert report.added == len(SUBSET), report.errors
    return Index.load(real_settings)


@pytest.fixture(scope="session")
def real_pipeline(real_settings: Settings, real_index, real_embedder):  # type: ignore[no-untyped-def]
    from rag.components import open_components

    return open_components(real_settings, embedder=real_embedder)


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=str(tmp_path / "idx"), cache_dir=str(tmp_path / "cache"))
