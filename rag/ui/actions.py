"""The chat's other actions: open a cited paragraph in the cable panel, export a conversation, add uploaded cables."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..answer.prompting import load_set
from ..ids import ParagraphRef
from ..ingest.build import ingest
from ..present.export import ExportIds, export_json, export_markdown
from ..present.html import cable_html, esc
from .session import ChatContext, Session, friendly

UPLOAD_TYPES = (".html", ".htm", ".txt", ".csv", ".zip", ".tar", ".gz", ".tgz", ".xz")
PANEL_HINT = "<p>Click a citation to see its paragraph in the cable.</p>"


def open_cable(ctx: ChatContext, pid: str) -> str:
    """The cable panel for a clicked citation, the cited paragraph highlighted."""
    ref = ParagraphRef.try_parse((pid or "").strip())
    if ref is None:
        return PANEL_HINT
    try:
        cable = ctx.components().index.cable(ref.cable_id)
    except Exception as e:  # noqa: BLE001
        return f"<p>{friendly(e)}</p>"
    if cable is None:
        return f"<p>⚠ {esc(str(ref))} is not in the index.</p>"
    return cable_html(cable, ref)


def export_files(ctx: ChatContext, s: Session) -> list[str]:
    """conversation.md and conversation.json in a fresh temporary folder; [] when there is nothing to export."""
    if not s.answers:
        return []
    c = ctx.components()
    ids = ExportIds(
        s.answers[-1].model, load_set(ctx.settings.prompts_dir).sha256, c.index.version, c.index.manifest.embedder
    )
    folder = Path(tempfile.mkdtemp(prefix="cables-export-"))
    (folder / "conversation.md").write_text(export_markdown(s.answers, c.index.cable, ids))
    (folder / "conversation.json").write_text(export_json(s.answers, c.index.cable, ids))
    return [str(folder / "conversation.md"), str(folder / "conversation.json")]


def ingest_uploads(ctx: ChatContext, files: list[str]) -> str:
    """Copy uploads (by base name only) into a fresh temporary folder, check them, ingest, reload the index."""
    limit = ctx.settings.max_upload_mb * 1024 * 1024
    lines: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="cables-upload-"))
    try:
        for f in files:
            src = Path(f)
            name = Path(src.name).name.replace("..", "_") or "upload.txt"
            if not name.lower().endswith(UPLOAD_TYPES):
                lines.append(f"- {esc(name)}: not a supported type ({', '.join(UPLOAD_TYPES)})")
                continue
            if src.stat().st_size > limit:
                mb = ctx.settings.max_upload_mb
                lines.append(f"- {esc(name)}: {src.stat().st_size // 2**20} MB is over the {mb} MB limit")
                continue
            shutil.copyfile(src, folder / name)
        with ctx.lock:
            report = ingest([folder], ctx.settings, embedder=ctx.embedder(), progress=False)
            if report.added or report.updated:
                ctx.reload()
        for e in report.errors:
            lines.append(f"- {esc(Path(e.path).name)}: {esc(e.reason)}")
        lines.insert(
            0, f"Added {report.added}, updated {report.updated}, unchanged {report.unchanged}, failed {report.failed}."
        )
    except Exception as e:  # noqa: BLE001
        lines.insert(0, friendly(e))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return "\n".join(lines)
