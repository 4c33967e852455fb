"""The chat's other actions: open a cited paragraph in the cable panel, export a conversation, add uploaded cables
(checked against the per-upload caps, then ingested in the background while questions go on being answered)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..answer.prompting import load_set
from ..ids import ParagraphRef
from ..ingest.build import Channel, IngestReport, ingest
from ..ingest.parse import OverCapError, UploadCaps, iter_cables
from ..present.export import ExportIds, export_json, export_markdown
from ..present.html import cable_html, esc
from .session import ChatContext, Session, friendly

UPLOAD_TYPES = (".html", ".htm", ".txt", ".csv", ".zip", ".tar", ".gz", ".tgz", ".xz")
PANEL_HINT = "<p>Click a citation to see its paragraph in the cable.</p>"
MAX_ERROR_LINES = 20


def open_cable(ctx: ChatContext, pid: str) -> str:
    """The cable panel for a clicked citation (or thread link), the cited paragraph highlighted, the cables it cites
    and that cite it as links."""
    ref = ParagraphRef.try_parse((pid or "").strip())
    if ref is None:
        return PANEL_HINT
    try:
        index = ctx.components().index
        cable = index.cable(ref.cable_id)
        if cable is None:
            return f"<p>⚠ {esc(str(ref))} is not in the index.</p>"
        return cable_html(cable, ref, index.cites(cable.id), index.cited_by(cable.id))
    except Exception as e:  # noqa: BLE001
        return f"<p>{friendly(e)}</p>"


def export_files(ctx: ChatContext, s: Session) -> list[str]:
    """conversation.md and conversation.json in a fresh private folder, deleted after `temp_ttl_s`; [] when there
    is nothing to export."""
    if not s.answers:
        return []
    c = ctx.components()
    ids = ExportIds(
        s.answers[-1].model, load_set(ctx.settings.prompts_dir).sha256, c.index.version, c.index.manifest.embedder
    )
    folder = ctx.files.new_folder("export")
    (folder / "conversation.md").write_text(export_markdown(s.answers, c.index.cable, ids))
    (folder / "conversation.json").write_text(export_json(s.answers, c.index.cable, ids))
    return [str(folder / "conversation.md"), str(folder / "conversation.json")]


def _stage(ctx: ChatContext, files: Sequence[str], folder: Path) -> list[str]:
    """Copy the uploads (by base name only) into `folder`; one line per file refused for its type or size."""
    limit = ctx.settings.max_upload_mb * 1024 * 1024
    lines: list[str] = []
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
    return lines


def over_caps(ctx: ChatContext, folder: Path) -> OverCapError | None:
    """Read the staged upload once against its caps (uncompressed bytes, cables) before anything is ingested: a
    compression bomb stops as soon as its bytes pass the cap."""
    s = ctx.settings
    caps = UploadCaps(s.max_upload_expanded_mb << 20, s.max_upload_cables)
    for r in iter_cables([folder], max_bytes=s.max_cable_mb << 20, caps=caps):
        if isinstance(r, OverCapError):
            return r
    return None


def _ingest_and_swap(ctx: ChatContext, folder: Path) -> IngestReport:
    """In the ingest thread: build the new index version, then swap it in for new questions. An upload only adds:
    a cable the index already holds with other text is refused, never replaced (any user could upload it)."""
    channel = Channel(via="ui", replace=False, root=str(folder))
    try:
        report = ingest([folder], ctx.settings, embedder=ctx.embedder(), progress=False, channel=channel)
        if report.added or report.updated:
            ctx.reload()
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _summary(report: IngestReport, lines: list[str]) -> str:
    errors = [f"- {esc(Path(e.path).name)}: {esc(e.reason)}" for e in report.errors]
    errors += [f"- {esc(r.source)}: refused: {esc(r.message())}" for r in report.refused]
    if len(errors) > MAX_ERROR_LINES:
        errors = [*errors[:MAX_ERROR_LINES], f"- … and {len(errors) - MAX_ERROR_LINES} more"]
    refused = f", refused {len(report.refused)}" if report.refused else ""
    head = (
        f"Added {report.added}, updated {report.updated}, unchanged {report.unchanged}{refused}, "
        f"failed {report.failed}."
    )
    return "\n".join([head, *lines, *errors])


def ingest_uploads(ctx: ChatContext, files: Sequence[str]) -> Iterator[str]:
    """Stage, check and ingest uploads; yields what to show. The ingest runs in the context's ingest thread (one
    upload at a time), so questions are answered meanwhile and the ingest finishes even if the tab is closed."""
    folder: Path | None = None
    try:
        folder = ctx.files.new_folder("upload")
        lines = _stage(ctx, files, folder)
        refused = over_caps(ctx, folder)
        if refused is not None:
            name = esc(Path(refused.path.split("!")[0]).name)
            yield "\n".join([f"Upload refused, nothing was added: {name}: {esc(refused.reason)}.", *lines])
            return
        job = ctx.ingests.submit(_ingest_and_swap, ctx, folder)
        folder = None  # the ingest thread deletes it
        yield "Adding the cables in the background; questions are answered meanwhile…"
        yield _summary(job.result(), lines)
    except Exception as e:  # noqa: BLE001 - shown as a message
        yield friendly(e)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
