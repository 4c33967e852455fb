"""Real models are expensive; tests must not load one by accident (as pydantic-ai's ALLOW_MODEL_REQUESTS).

The test suite sets CABLES_ALLOW_MODEL_REQUESTS=0; a test that means to use a real model opts in (the `real_models`
context manager, or the pytest markers `slow`/`llm` that tests/conftest.py maps to it). Outside tests nothing is set
and everything is allowed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import ModelError

ENV = "CABLES_ALLOW_MODEL_REQUESTS"


def check_allowed(what: str) -> None:
    if os.environ.get(ENV, "1").strip().lower() in {"0", "false", "no", "off"}:
        raise ModelError(
            f"loading {what} is disabled here ({ENV}=0): use rag.fakes in unit tests, or opt in with "
            "@pytest.mark.slow / @pytest.mark.llm (or rag.backends.guard.real_models())"
        )


@contextmanager
def real_models() -> Iterator[None]:
    old = os.environ.get(ENV)
    os.environ[ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = old
