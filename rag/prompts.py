"""Prompt templates live in prompts/*.txt; `{name}` placeholders; rendering fails on a missing variable."""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from .errors import PromptError

_FIELD = string.Formatter()


@lru_cache(maxsize=64)
def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise PromptError(f"prompt template {path} cannot be read ({e.strerror})") from e


def load(prompts_dir: str, name: str) -> str:
    return _read(str(Path(prompts_dir) / f"{name}.txt"))


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in _FIELD.parse(template) if f}


def render(template: str, **values: object) -> str:
    missing = fields(template) - values.keys()
    if missing:
        raise PromptError(f"prompt variable(s) not supplied: {', '.join(sorted(missing))}")
    return template.format_map({k: str(v) for k, v in values.items()})


_SPECIAL = re.compile(r"<\|[^|>]{0,40}\|>|<<<|>>>|\[/?INST\]|<start_of_turn>|<end_of_turn>")


def as_data(text: str) -> str:
    """Passage text made inert inside a prompt: no chat-template control tokens, no passage delimiters."""
    return _SPECIAL.sub(
        lambda m: m.group(0).replace("<", "‹").replace(">", "›").replace("[", "(").replace("]", ")"), text
    )
