"""What identifies an eval run: every setting, the prompts' hash, the index version and fingerprint, the code
version. A run's cached items are stored under this key, so a changed input never resumes a stale run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import __version__
from ..answer.prompting import load_set
from ..index.reader import Index
from ..settings import Settings

_PACKAGE = Path(__file__).resolve().parents[1]
# code that cannot change an answer or a ranking: scoring (runs keep raw outputs and are scored afresh), the
# chat interface and the command line
_NOT_ON_THE_ANSWER_PATH = ("eval", "ui", "cli")
# settings that cannot change a result
_IRRELEVANT = frozenset({"host", "port", "password", "cache_dir", "index_dir", "prompts_dir", "n_threads"})


def code_version() -> str:
    """SHA-256 over the package's source files on the answer path (works without git)."""
    h = hashlib.sha256(__version__.encode())
    for p in sorted(_PACKAGE.rglob("*.py")):
        if p.relative_to(_PACKAGE).parts[0] in _NOT_ON_THE_ANSWER_PATH:
            continue
        h.update(str(p.relative_to(_PACKAGE)).encode() + b"\x00" + p.read_bytes())
    return h.hexdigest()[:16]


def _prompt_files(settings: Settings) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        for p in sorted(Path(settings.prompts_dir).glob("*.txt"))
    }


def run_identity(settings: Settings, index: Index, stage: str, mode: str) -> dict[str, Any]:
    return {
        "stage": stage,
        "retriever": mode,
        "settings": {k: v for k, v in sorted(asdict(settings).items()) if k not in _IRRELEVANT},
        "prompts_sha256": load_set(settings.prompts_dir).sha256 if stage in ("answers", "conversations") else "",
        "prompt_files_sha256": _prompt_files(settings) if stage in ("answers", "conversations") else {},
        "index_version": index.version,
        "corpus_fingerprint": index.manifest.corpus_fingerprint,
        "embedder": index.manifest.embedder,
        "code_version": code_version(),
    }


def identity_key(identity: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
