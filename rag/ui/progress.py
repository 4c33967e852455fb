"""The index status line: what is searchable while a long ingest embeds, and picking up each newer version.

During a first build or a large addition the ingest publishes a lexical-only version as soon as the passages are
stored, then a new version every `publish_every_s` as embedding proceeds. `index_line(ctx)` (called by the app on a
timer) opens the newest version when there is one, keeping the loaded models, and says how much is embedded."""

from __future__ import annotations

from pathlib import Path

from ..errors import CablesError
from ..index.manifest import Manifest, current_name
from ..present.html import esc
from .session import ChatContext


def status_text(m: Manifest, version: str) -> str:
    base = f"{m.cable_count:,} cables, {m.passage_count:,} passages (index {version})"
    if m.passage_count == 0 or m.embedded >= m.passage_count:
        return base
    share = m.embedded / m.passage_count
    return (
        f"{base}. Embedding in progress: {m.embedded:,} of {m.passage_count:,} passages ({share:.0%}) are "
        "searchable by meaning; all are searchable by words. Answers improve as embedding proceeds"
    )


def refresh(ctx: ChatContext) -> bool:
    """Open the live index version if it is newer than the one in use. Returns whether it changed."""
    live = current_name(Path(ctx.settings.index_dir))
    if live is None or live == ctx.components().index.version:
        return False
    ctx.reload()
    return True


def index_line(ctx: ChatContext) -> str:
    """The status line (escaped HTML), after picking up a newer version if one was published."""
    try:
        refresh(ctx)
        idx = ctx.components().index
    except CablesError as e:
        return f"⚠ {esc(str(e))}"
    note = f" ⚠ {idx.note}" if idx.note else ""
    return f"<small>{esc(status_text(idx.manifest, idx.version) + note)}</small>"
