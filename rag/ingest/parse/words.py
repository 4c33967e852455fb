"""English word list (from the bundled corpus) used to re-join words split across line breaks."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "words.txt.gz"


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    with gzip.open(WORDS_FILE, "rt", encoding="utf-8") as f:
        return frozenset(f.read().split())


def is_word(w: str) -> bool:
    return w in _words()
