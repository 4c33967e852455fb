"""The web chat: layout and event wiring only, over pure functions in rag/ui/ (session steps, actions, the HTTP
security middleware) and rag/present/ (HTML).

Run: `python app.py` or `cables serve`. Binds to 127.0.0.1 unless CABLES_HOST says otherwise, and then only
with a CABLES_PASSWORD of at least `min_password_chars` characters; put TLS in front for any other machine (README).
Every event is private to the page (no API endpoints, no API page); every response carries a Content-Security-Policy
that lets the page fetch nothing but its own origin.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

from rag.errors import CablesError
from rag.present.html import EVIDENCE_HEADERS, esc
from rag.settings import Settings
from rag.ui.actions import PANEL_HINT, UPLOAD_TYPES, export_files, ingest_uploads, open_cable
from rag.ui.progress import index_line
from rag.ui.session import ChatContext, ChatUpdate, Session, chat_step, filters_from
from rag.ui.web import LoginLimiter, SecureHeaders

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
PRIVATE = "private"  # api_visibility of every event: callable by the page only, listed nowhere

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


def index_note(ctx: ChatContext) -> tuple[list[str], list[str], str]:
    """Origins and classifications for the filter lists, and a line about the index."""
    try:
        idx = ctx.components().index
    except CablesError as e:
        return [], [], f"⚠ {e}"
    metas = idx.cable_meta.values()
    note = f"{idx.manifest.cable_count} cables, {idx.manifest.passage_count} passages (index {idx.version})"
    return (
        sorted({m.origin for m in metas if m.origin}),
        sorted({m.classification for m in metas if m.classification}),
        note,
    )


def build(ctx: ChatContext) -> Any:
    import gradio as gr

    settings = ctx.settings
    origins, classes, idx_note = index_note(ctx)
    ttl = settings.temp_ttl_s
    with gr.Blocks(title="cables: cited answers from diplomatic cables", delete_cache=(max(60, ttl // 4), ttl)) as demo:
        session = gr.State(Session())
        gr.Markdown(
            f"### cables: ask the diplomatic cables\n<small>{esc(idx_note)}. Every claim cites "
            "`CABLE ¶N`; ✔ supported, ◐ partly, ✘ not supported (never cited). Click a citation.</small>"
        )
        index_status = gr.Markdown(index_line(ctx), elem_id="index-status")
        gr.Timer(15).tick(
            lambda: index_line(ctx), None, index_status, api_visibility=PRIVATE
        )  # newer versions while an ingest embeds
        with gr.Row():
            with gr.Column(scale=3):
                status = gr.Markdown(
                    "Ready." if ctx.loaded() else "Ready (the model loads on the first question).", elem_id="status"
                )
                # messages are HTML built in rag/present/html.py; Markdown and LaTeX are not rendered
                chat = gr.Chatbot(
                    label="Conversation",
                    height=460,
                    elem_id="chat",
                    render_markdown=False,
                    latex_delimiters=[],
                    sanitize_html=True,
                    feedback_options=None,
                )
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
                    evidence = gr.Dataframe(headers=list(EVIDENCE_HEADERS), wrap=True, elem_id="evidence")
                with gr.Accordion("Add cables", open=False):
                    upload = gr.File(
                        label=f"HTML, text, CSV or archives, up to {settings.max_upload_mb} MB each",
                        file_count="multiple",
                        file_types=list(UPLOAD_TYPES),
                        elem_id="upload",
                    )
                    upload_log = gr.Markdown(elem_id="upload-log")
            with gr.Column(scale=2):
                panel = gr.HTML(PANEL_HINT, elem_id="cable-panel")
        cite_box = gr.Textbox(visible="hidden", elem_id="cite-box")
        cite_open = gr.Button("open", visible="hidden", elem_id="cite-open")

        def shown(u: ChatUpdate) -> tuple:
            cite = gr.update() if u.citations is None else gr.update(choices=list(u.citations), value=None)
            ev = gr.update() if u.evidence is None else u.evidence
            return u.session, list(u.messages), u.status, cite, ev, u.question

        def respond(q: str, s: Session, o: list[str], df: str, dt: str, c: list[str], t: str) -> Iterator[tuple]:
            for u in chat_step(ctx, q, s, filters_from(o, df, dt, c, t)):
                yield shown(u)

        outs = [session, chat, status, cites, evidence, question]
        ins = [question, session, f_origin, f_from, f_to, f_class, f_tags]
        ask.click(respond, ins, outs, api_visibility=PRIVATE)
        question.submit(respond, ins, outs, api_visibility=PRIVATE)
        cite_open.click(lambda pid: open_cable(ctx, pid), cite_box, panel, api_visibility=PRIVATE).then(
            None, js=SCROLL_JS
        )
        cites.change(lambda pid: open_cable(ctx, pid), cites, panel, api_visibility=PRIVATE).then(None, js=SCROLL_JS)
        new.click(
            lambda: (Session(), [], "New conversation.", gr.update(choices=[], value=None), [], PANEL_HINT),
            None,
            [session, chat, status, cites, evidence, panel],
            api_visibility=PRIVATE,
        )

        def do_export(s: Session) -> Any:
            files = export_files(ctx, s)
            return gr.update(visible=bool(files), value=files or None)

        def do_upload(files: list[str] | None) -> Iterator[str]:
            yield from ingest_uploads(ctx, files or [])

        export.click(do_export, session, exported, api_visibility=PRIVATE)
        upload.upload(do_upload, upload, upload_log, api_visibility=PRIVATE)
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """Where and how to listen. Beyond localhost a password of `min_password_chars` is required; failed logins are
    limited per client address; every response carries the security headers of rag/ui/web.py."""
    from starlette.middleware import Middleware

    limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s)
    opts: dict[str, Any] = {
        "server_name": settings.host,
        "server_port": settings.port,
        "css": CSS,
        "js": JS,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "footer_links": [],
        "show_error": False,
        "ssr_mode": False,  # the page is served by this process, through the middleware
        "mcp_server": False,
        "app_kwargs": {
            "middleware": [Middleware(SecureHeaders, limiter=limiter)],
            "docs_url": None,
            "redoc_url": None,
            "openapi_url": None,
        },
    }
    if settings.host not in LOCAL_HOSTS:
        if len(settings.password) < settings.min_password_chars:
            raise CablesError(
                f"refusing to listen on {settings.host} without a password of at least {settings.min_password_chars} "
                "characters: set CABLES_PASSWORD (the user name is 'analyst'), or keep the default host 127.0.0.1"
            )
        opts["auth"] = ("analyst", settings.password)
    if settings.tls_cert or settings.tls_key:
        if not (settings.tls_cert and settings.tls_key):
            raise CablesError("TLS needs both CABLES_TLS_CERT and CABLES_TLS_KEY (PEM files)")
        opts.update(ssl_certfile=settings.tls_cert, ssl_keyfile=settings.tls_key)
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
        print(
            f"Listening on {settings.host}: password required (user 'analyst'); serve it over TLS (README).",
            file=sys.stderr,
        )
    ctx = ChatContext(settings)
    atexit.register(ctx.files.remove)  # exports, staged uploads, Gradio's cache: gone when the server stops
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that a terminated server cleans up too
    os.environ["GRADIO_TEMP_DIR"] = str(ctx.files.gradio_dir())  # Gradio's upload/download cache, private, cleaned
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network at run time
    demo = build(ctx)
    demo.queue(default_concurrency_limit=settings.chat_concurrency).launch(**opts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
