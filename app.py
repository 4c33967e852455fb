"""The web chat: a thin Gradio layer over rag/ (formatting lives in rag/present.py, logic in rag/answer.py).

Run: `python app.py` or `cables serve`. Binds to 127.0.0.1 unless CABLES_HOST says otherwise, and then only
with CABLES_PASSWORD set.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rag.answer import Answerer, Done, Status, Token, Turn
from rag.errors import CablesError, InputTooLargeError
from rag.present import (
    EVIDENCE_HEADERS,
    ExportIds,
    answer_html,
    cable_html,
    esc,
    evidence_rows,
    export_json,
    export_markdown,
)
from rag.query import Filters
from rag.records import Answer
from rag.settings import Settings

UPLOAD_TYPES = (".html", ".htm", ".txt", ".csv", ".zip", ".tar", ".gz", ".tgz", ".xz")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
STATUS = {
    "retrieving": "Retrieving paragraphs…",
    "generating": "Generating the answer…",
    "checking citations": "Checking citations…",
}

CSS = """
#cite-box, #cite-open {display: none !important;}
a.cite {display: inline-block; padding: 0 .45em; margin: 0 .1em; border-radius: .8em; background: #e8eefc;
        border: 1px solid #9db3e8; color: #1d3f8f !important; font-size: .85em; text-decoration: none; cursor: pointer;}
a.cite:hover {background: #cddbfa;}
.badge.supported {color: #16803c;} .badge.partial {color: #b7791f;} .badge.unsupported {color: #b42318;}
.unverified {text-decoration: underline dotted #b42318;}
.cable .para {padding: .35em .5em; margin: .25em 0; border-left: 3px solid transparent;}
.cable .para.cited {background: #fff6d6; border-left-color: #e0a800;}
.cable .plabel {font-weight: 600; margin-right: .3em;} .cable .marking {color: #8a1c1c; font-weight: 600;}
.cable .heading {font-weight: 700; margin-top: .6em;} .cable table.meta th {text-align: left; padding-right: 1em;}
"""

JS = """
() => {
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a.cite');
    if (!a) return;
    e.preventDefault();
    const box = document.querySelector('#cite-box textarea');
    if (!box) return;
    box.value = a.dataset.pid || a.title;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.querySelector('#cite-open').click(), 50);
  });
}
"""

SCROLL_JS = (
    "() => { setTimeout(() => document.querySelector('.cable .para.cited')?.scrollIntoView({block: 'center'}), 100); }"
)


@dataclass(frozen=True)
class Session:
    """One browser session's conversation (Gradio keeps one copy per session)."""

    turns: tuple[Turn, ...] = ()
    answers: tuple[Answer, ...] = ()
    messages: tuple[dict[str, str], ...] = field(default_factory=tuple)


class Context:
    """The shared, lazily loaded pipeline; swapped whole after an upload adds cables."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()  # one generation at a time: llama.cpp contexts are not thread-safe
        self._answerer: Answerer | None = None
        self._llm: Any = None

    def loaded(self) -> bool:
        return self._answerer is not None

    def answerer(self) -> Answerer:
        if self._answerer is None:
            from rag.llm import load_llm
            from rag.pipeline import open_answerer

            self._llm = self._llm or load_llm(self.settings)
            self._answerer = open_answerer(self.settings, llm=self._llm)
        return self._answerer

    def reload(self) -> None:
        from rag.pipeline import open_answerer, open_pipeline

        old = self.answerer()
        pipe = open_pipeline(self.settings, embedder=old.retriever.embedder)
        self._answerer = open_answerer(self.settings, llm=self._llm, pipeline=pipe)


def filters_from(
    origins: list[str] | None, date_from: str, date_to: str, classes: list[str] | None, tags: str
) -> Filters:
    return Filters(
        origins=tuple(origins or ()),
        date_from=(date_from or "").strip(),
        date_to=(date_to or "").strip(),
        classifications=tuple(classes or ()),
        tags=tuple(t.upper() for t in (tags or "").replace(",", " ").split()),
    )


def friendly(e: BaseException) -> str:
    if isinstance(e, CablesError):
        return f"⚠ {esc(str(e))}"
    print(traceback.format_exc(), file=sys.stderr)
    return f"⚠ Something went wrong ({type(e).__name__}); the details are in the server log."


def build(ctx: Context) -> Any:
    import gradio as gr

    settings = ctx.settings
    try:
        from rag.index import Index

        idx = Index.load(settings, verify=False)
        origins = sorted({m[1] for m in idx.cable_meta.values() if m[1]})
        classes = sorted({m[2] for m in idx.cable_meta.values() if m[2]})
        idx_note = f"{idx.manifest.cable_count} cables, {idx.manifest.passage_count} passages (index {idx.version})"
    except CablesError as e:
        origins, classes, idx_note = [], [], f"⚠ {e}"

    with gr.Blocks(title="cables: cited answers from diplomatic cables") as demo:
        session = gr.State(Session())
        gr.Markdown(
            f"### cables: ask the diplomatic cables\n<small>{esc(idx_note)}. Every claim cites "
            "`CABLE ¶N`; ✔ supported, ◐ partly, ✘ not supported (never cited). Click a citation.</small>"
        )
        with gr.Row():
            with gr.Column(scale=3):
                status = gr.Markdown(
                    "Ready." if ctx.loaded() else "Ready (the model loads on the first question).", elem_id="status"
                )
                chat = gr.Chatbot(label="Conversation", height=460, elem_id="chat")
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask about the cables…",
                        show_label=False,
                        scale=5,
                        elem_id="question",
                        max_length=settings.max_question_chars,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                cites = gr.Radio(label="Citations in the last answer", choices=[], elem_id="cite-chips")
                with gr.Row():
                    new = gr.Button("New conversation", elem_id="new")
                    export = gr.Button("Export conversation", elem_id="export")
                exported = gr.File(label="Exported files", file_count="multiple", visible=False)
                with gr.Accordion("Filters", open=False):
                    f_origin = gr.Dropdown(origins, multiselect=True, label="Origin")
                    with gr.Row():
                        f_from = gr.Textbox(label="From (YYYY or YYYY-MM-DD)")
                        f_to = gr.Textbox(label="To")
                    f_class = gr.Dropdown(classes, multiselect=True, label="Classification")
                    f_tags = gr.Textbox(label="TAGS (e.g. PTER KNNP)")
                with gr.Accordion("Evidence: the paragraphs retrieved for the last question", open=False):
                    evidence = gr.Dataframe(headers=EVIDENCE_HEADERS, wrap=True, elem_id="evidence")
                with gr.Accordion("Add cables", open=False):
                    upload = gr.File(
                        label=f"HTML, text, CSV or archives, up to {settings.max_upload_mb} MB each",
                        file_count="multiple",
                        file_types=list(UPLOAD_TYPES),
                    )
                    upload_log = gr.Markdown()
            with gr.Column(scale=2):
                panel = gr.HTML("<p>Click a citation to see its paragraph in the cable.</p>", elem_id="cable-panel")
        cite_box = gr.Textbox(visible="hidden", elem_id="cite-box")
        cite_open = gr.Button("open", visible="hidden", elem_id="cite-open")
        filters = [f_origin, f_from, f_to, f_class, f_tags]

        def respond(q: str, s: Session, o: list[str], df: str, dt: str, c: list[str], t: str) -> Iterator[tuple]:
            q = (q or "").strip()
            msgs = list(s.messages)
            if not q:
                yield s, msgs, "Type a question first.", gr.update(), gr.update(), ""
                return
            msgs += [{"role": "user", "content": esc(q)}, {"role": "assistant", "content": "…"}]
            yield (
                s,
                msgs,
                ("Loading the model…" if not ctx.loaded() else "Retrieving paragraphs…"),
                gr.update(),
                gr.update(),
                "",
            )
            try:
                if len(q) > settings.max_question_chars:
                    raise InputTooLargeError(
                        f"the question is {len(q)} characters; the limit is {settings.max_question_chars}"
                    )
                with ctx.lock:
                    answerer = ctx.answerer()
                    text = ""
                    for ev in answerer.stream(q, s.turns, filters_from(o, df, dt, c, t)):
                        if isinstance(ev, Status):
                            yield s, msgs, STATUS.get(ev.text, ev.text), gr.update(), gr.update(), ""
                        elif isinstance(ev, Token):
                            text += ev.text
                            msgs[-1] = {"role": "assistant", "content": esc(text) + " ▌"}
                            yield s, msgs, "Generating the answer…", gr.update(), gr.update(), ""
                        elif isinstance(ev, Done):
                            a = ev.answer
                msgs[-1] = {"role": "assistant", "content": answer_html(a)}
                turns = (*s.turns, Turn(q, a.text, a.standalone_question or q))[-settings.max_history_turns :]
                s2 = Session(turns, (*s.answers, a)[-settings.max_history_turns :], tuple(msgs))
                pids = [f"{c.cable_id} ¶{c.paragraph}" for c in a.citations] or [h.pid for h in a.hits[:3]]
                done = (
                    f"Answered in {a.timing.total_s:.1f}s (first token {a.timing.ttft_s:.1f}s)."
                    if not a.abstained
                    else "No answer in the indexed cables; closest paragraphs listed."
                )
                yield s2, msgs, done, gr.update(choices=pids, value=None), evidence_rows(a.hits), ""
            except Exception as e:  # noqa: BLE001 - shown as a message, never a stack trace
                msgs[-1] = {"role": "assistant", "content": friendly(e)}
                yield replace(s, messages=tuple(msgs)), msgs, "Error.", gr.update(), gr.update(), q

        outs = [session, chat, status, cites, evidence, question]
        ask.click(respond, [question, session, *filters], outs)
        question.submit(respond, [question, session, *filters], outs)

        def open_cable(pid: str) -> str:
            pid = (pid or "").strip()
            if " ¶" not in pid:
                return "<p>Click a citation to see its paragraph in the cable.</p>"
            try:
                index = ctx.answerer().retriever.index if ctx.loaded() else Index.load(settings, verify=False)
                cable = index.cable(pid.split(" ¶", 1)[0])
            except Exception as e:  # noqa: BLE001
                return f"<p>{friendly(e)}</p>"
            if cable is None:
                return f"<p>⚠ {esc(pid)} is not in the index.</p>"
            return cable_html(cable, pid)

        cite_open.click(open_cable, cite_box, panel).then(None, js=SCROLL_JS)
        cites.change(open_cable, cites, panel).then(None, js=SCROLL_JS)

        def reset() -> tuple:
            return (
                Session(),
                [],
                "New conversation.",
                gr.update(choices=[], value=None),
                [],
                "<p>Click a citation to see its paragraph in the cable.</p>",
            )

        new.click(reset, None, [session, chat, status, cites, evidence, panel])

        def do_export(s: Session) -> Any:
            if not s.answers:
                return gr.update(visible=False, value=None)
            a0 = ctx.answerer()
            ids = ExportIds(
                a0.llm.name,
                str(Path(settings.prompts_dir).resolve()),
                a0.retriever.index.version,
                a0.retriever.index.manifest.embedder,
            )
            folder = Path(tempfile.mkdtemp(prefix="cables-export-"))
            (folder / "conversation.md").write_text(export_markdown(s.answers, a0.retriever.index.cable, ids))
            (folder / "conversation.json").write_text(export_json(s.answers, a0.retriever.index.cable, ids))
            return gr.update(visible=True, value=[str(folder / "conversation.md"), str(folder / "conversation.json")])

        export.click(do_export, session, exported)

        def add_files(files: list[str] | None) -> str:
            return ingest_uploads(ctx, files or [])

        upload.upload(add_files, upload, upload_log)
    return demo


def ingest_uploads(ctx: Context, files: list[str]) -> str:
    """Copy uploads (by base name only) into a fresh temporary folder, check them, ingest, reload."""
    from rag.index import ingest

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
                lines.append(
                    f"- {esc(name)}: {src.stat().st_size // 2**20} MB is over the {ctx.settings.max_upload_mb} MB limit"
                )
                continue
            shutil.copyfile(src, folder / name)
        with ctx.lock:
            report = ingest([folder], ctx.settings, progress=False)
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


def launch_options(settings: Settings) -> dict[str, Any]:
    """Where and how to listen. Beyond localhost a password is required."""
    opts: dict[str, Any] = {
        "server_name": settings.host,
        "server_port": settings.port,
        "css": CSS,
        "js": JS,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "footer_links": [],
        "show_error": False,
    }
    if settings.host not in LOCAL_HOSTS:
        if not settings.password:
            raise CablesError(
                f"refusing to listen on {settings.host} without a password: set CABLES_PASSWORD "
                "(the user name is 'analyst'), or keep the default host 127.0.0.1"
            )
        opts["auth"] = ("analyst", settings.password)
    return opts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="cables web chat")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    args = p.parse_args(argv)
    settings = Settings.from_env(host=args.host, port=args.port)
    try:
        opts = launch_options(settings)
    except CablesError as e:
        print(f"cables serve: {e}", file=sys.stderr)
        return 1
    if settings.host not in LOCAL_HOSTS:
        print(f"Listening on {settings.host}: password required (user 'analyst').", file=sys.stderr)
    demo = build(Context(settings))
    demo.queue(default_concurrency_limit=4).launch(**opts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
