"""The bundled sample read once per test module: every viewer page and every cable parsed from it (fixtures
`pages` and `sample`, imported by the parser tests)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from rag.ingest.parse import parse_bytes
from rag.records import Cable

from .conftest import SAMPLE


def load_pages() -> dict[str, str]:
    """Cable ID -> the viewer page's HTML."""
    out = {}
    with tarfile.open(SAMPLE) as t:
        for m in t:
            if m.isfile() and m.name.endswith(".html"):
                f = t.extractfile(m)
                assert f is not None
                out[Path(m.name).stem] = f.read().decode("utf-8")
    return out


def parse_pages(pages: dict[str, str]) -> dict[str, Cable]:
    return {cid: parse_bytes(page.encode(), f"{cid}.html") for cid, page in pages.items()}


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return load_pages()


@pytest.fixture(scope="module")
def sample(pages: dict[str, str]) -> dict[str, Cable]:
    return parse_pages(pages)
