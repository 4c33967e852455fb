"""Real browser: the app on a free local port, Debian's Chromium driven by Playwright, the real index and embedder.
Two servers: one with the real llama.cpp model (the end-to-end test), one with a scripted model (setting
`llm=fake:<script>`) for what needs a model to say something hostile, or eight sessions generating at once without
minutes of CPU. Screenshots land in test-artifacts/.

Without Chromium these tests skip, except where CABLES_REQUIRE_BROWSER=1 (as in .ci/run): there a missing browser
is a failure."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rag.ingest.build import ingest
from rag.settings import Settings

from .apps import App, free_port, serve
from .conftest import ARTIFACTS, FIXTURES, REPO

CHROMIUM = os.environ.get("CABLES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("CABLES_REQUIRE_BROWSER", "") == "1"
pytestmark = [pytest.mark.browser]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@dataclass
class Beacon:
    """A web server on another origin that records every request: anything it sees has left the app's origin."""

    port: int
    hits: list[str] = field(default_factory=list)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="session", autouse=True)
def _chromium() -> None:
    """First of all (session scope, autouse: before the index is built): is there a browser to drive?"""
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"CABLES_REQUIRE_BROWSER=1 but Chromium is not installed at {CHROMIUM}")
        pytest.skip("Debian chromium is not installed (set CABLES_REQUIRE_BROWSER=1 to make this a failure)")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app(browser, real_index, real_settings) -> Iterator[App]:  # type: ignore[no-untyped-def]
    """The product as shipped: real index, embedder and llama.cpp model."""
    env = {"CABLES_INDEX_DIR": real_settings.index_dir, "CABLES_CACHE_DIR": real_settings.cache_dir}
    yield from serve(env, "app")


@pytest.fixture(scope="module")
def beacon() -> Iterator[Beacon]:
    port = free_port()
    b = Beacon(port)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            b.hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield b
    server.shutdown()


def _hostile(beacon: Beacon) -> tuple[str, str]:
    """What the scripted model appends to its answer, and the cable paragraph that carries the same."""
    at = f"http://127.0.0.1:{beacon.port}"
    return (
        f"See ![x]({at}/model.gif?q=leak) and [click here]({at}/model-link).",
        f"The tender documents are at ![tender]({at}/cable.gif) and [the portal]({at}/cable-link).",
    )


@pytest.fixture(scope="module")
def scripted(browser, beacon, real_index, real_settings, real_embedder, tmp_path_factory) -> Iterator[App]:  # type: ignore[no-untyped-def]
    """A copy of the real index plus a cable carrying Markdown, served with a scripted model that quotes the first
    passage, appends an image and a link, and takes 100 ms a word (so that a tab can close mid-answer)."""
    tmp = tmp_path_factory.mktemp("scripted")
    index_dir = tmp / "idx"
    shutil.copytree(real_settings.index_dir, index_dir)
    reply, paragraph = _hostile(beacon)
    cable = tmp / "10ATLANTIS41.txt"
    cable.write_text(
        "10ATLANTIS41\nHARBOUR PROCUREMENT\nTue Feb 02 10:00:00 +0100 2010\nUNCLASSIFIED\nEmbassy Atlantis\n"
        "UNCLAS ATLANTIS 000041\n\nSUBJECT: HARBOUR PROCUREMENT\n\n"
        f"¶1. {paragraph}\n\n¶2. The port tender for the Atlantis harbour closes on March 1.\n"
    )
    settings = Settings(index_dir=str(index_dir), cache_dir=real_settings.cache_dir)
    assert ingest([cable], settings, embedder=real_embedder, progress=False).added == 1
    script = tmp / "script.json"
    script.write_text(json.dumps({"quote_first_passage": True, "reply": reply, "token_delay_s": 0.1}))
    env = {"CABLES_INDEX_DIR": str(index_dir), "CABLES_CACHE_DIR": real_settings.cache_dir}
    yield from serve({**env, "CABLES_LLM": f"fake:{script}"}, "scripted")


def test_a_missing_browser_fails_where_required(tmp_path: Path) -> None:
    """Without Chromium a browser test skips on a developer's machine and fails in CI (CABLES_REQUIRE_BROWSER=1)."""
    test = f"{Path(__file__).resolve()}::test_the_policy_blocks_what_escaping_would_miss"
    outcomes = {}
    for required in ("0", "1"):
        env = {**os.environ, "CABLES_CHROMIUM": str(tmp_path / "no-chromium"), "CABLES_REQUIRE_BROWSER": required}
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outcomes[required] = (run.returncode, run.stdout.strip().splitlines()[-1])
    assert outcomes["0"][0] == 0 and "1 skipped" in outcomes["0"][1], outcomes
    assert outcomes["1"][0] != 0 and "1 error" in outcomes["1"][1], outcomes


def _ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()


def _answered(page, n: int, timeout_ms: int = 120_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the n-th answer is final (the status says so and n questions are in the chat)."""
    page.wait_for_function(
        """n => /^(Answered|No answer)/.test(document.querySelector('#status')?.innerText.trim() || '')
               && document.querySelectorAll('#chat [data-testid="user"]').length >= n""",
        arg=n,
        timeout=timeout_ms,
    )


def test_ask_click_citation_see_paragraph(app, browser, real_index) -> None:  # type: ignore[no-untyped-def]
    """End to end with the real model: ask, see the cited answer, click the citation, see the paragraph."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app.url)
    _ask(page, "What did Ambassador Daniel Benjamin and President Saleh discuss on January 31, 2010?")
    chip = page.locator("#chat a.cite").first
    chip.wait_for(timeout=240_000)
    chat = page.locator("#chat").inner_text()
    assert "London" in chat and "do not answer" not in chat
    pid = chip.get_attribute("title")
    assert pid and " ¶" in pid
    chip.click()
    cited = page.locator("#cable-panel .para.cited")
    cited.wait_for(timeout=30_000)
    cable_id, label = pid.split(" ¶")
    expected = real_index.cable(cable_id).paragraph(label).text
    assert expected[:60] in cited.inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    # the evidence panel lists what the model saw
    page.get_by_text("Evidence: the paragraphs retrieved").click()
    assert page.locator("#evidence").inner_text().count("¶") >= 3
    page.close()


def test_two_sessions_keep_their_own_answers(app, browser) -> None:  # type: ignore[no-untyped-def]
    a = browser.new_context().new_page()
    b = browser.new_context().new_page()
    a.goto(app.url)
    b.goto(app.url)
    _ask(a, "Who signed cable 09HARARE955?")
    _ask(b, "What TAGS were assigned to cable 09SEOUL1400?")
    a.locator("#chat a.cite").first.wait_for(timeout=240_000)
    b.locator("#chat a.cite").first.wait_for(timeout=240_000)
    ta, tb = a.locator("#chat").inner_text(), b.locator("#chat").inner_text()
    assert "RAY" in ta and "09SEOUL1400" not in ta
    assert "PGOV" in tb and "09HARARE955" not in tb
    a.locator("#new").click()
    a.wait_for_timeout(1000)
    assert "RAY" not in a.locator("#chat").inner_text()
    assert "PGOV" in b.locator("#chat").inner_text()


def test_script_in_a_question_is_not_run(app, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(app.url)
    _ask(page, "<img src=x onerror=\"document.title='pwned'\"> who signed 09HARARE955?")
    page.locator("#chat a.cite, #chat .abstain").first.wait_for(timeout=240_000)  # the answer is on the page
    assert page.title() != "pwned"
    assert page.evaluate("document.querySelectorAll('#chat img[src=x]').length") == 0


def _origin_log(page, app_url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every request the page makes that is not to the app's own origin."""
    origin = app_url.rstrip("/")
    away: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((origin, "data:", "blob:")) else away.append(r.url))
    return away


# records, on every change of the page, the chat's text and any image or link that points away from the page
WATCH = """
window.__texts = []; window.__away = [];
new MutationObserver(() => {
  const chat = document.querySelector('#chat');
  if (chat) window.__texts.push(chat.innerText);
  for (const e of document.querySelectorAll('img, a, link, script, iframe, source, video, audio')) {
    const u = e.src || e.href || '';
    if (u && !u.startsWith(location.origin) && !/^(data|blob|javascript):/.test(u)) window.__away.push(u);
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""


def test_markdown_from_the_model_and_a_cable_stays_text(scripted, browser, beacon) -> None:  # type: ignore[no-untyped-def]
    """The scripted model quotes a cable paragraph that carries an image and a link, then streams an image and a link
    of its own. While it streams and after, the chat shows them as written, as do the cable panel and the evidence
    table; no element points away from the page, and no request leaves its origin."""
    reply, paragraph = _hostile(beacon)
    page = browser.new_context().new_page()
    page.add_init_script(WATCH)
    away = _origin_log(page, scripted.url)
    page.goto(scripted.url)
    _ask(page, "Where are the tender documents?")
    _answered(page, 1)
    texts = page.evaluate("window.__texts")
    assert any(reply in t for t in texts), texts[-3:]  # the draft, streamed word by word, written out
    assert paragraph in page.locator("#chat").inner_text()  # the verified quote keeps the cable's Markdown as text
    page.locator("#chat a.cite").first.click()
    page.locator("#cable-panel .para.cited").wait_for(timeout=30_000)
    assert paragraph in page.locator("#cable-panel").inner_text()
    page.get_by_text("Evidence: the paragraphs retrieved").click()
    page.wait_for_timeout(500)
    assert "![tender](" in page.locator("#evidence").inner_text()
    page.screenshot(path=str(ARTIFACTS / "markdown.png"), full_page=True)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__away") == []
    assert away == [] and beacon.hits == [], (away, beacon.hits)


def test_the_policy_blocks_what_escaping_would_miss(scripted, browser, beacon) -> None:  # type: ignore[no-untyped-def]
    """Defence in depth: an image and a fetch to another origin, planted straight into the page, are refused by the
    Content-Security-Policy; the beacon never hears of them."""
    page = browser.new_context().new_page()
    page.goto(scripted.url)
    page.locator("#chat").wait_for()
    blocked = page.evaluate(
        """async (url) => {
            const seen = [];
            document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
            const img = document.createElement('img');
            img.src = url + '/planted.gif';
            document.querySelector('#chat').appendChild(img);
            try { await fetch(url + '/planted-fetch'); } catch (e) { seen.push('fetch refused'); }
            await new Promise(r => setTimeout(r, 500));
            return seen;
        }""",
        f"http://127.0.0.1:{beacon.port}",
    )
    assert any(d.startswith("img-src") for d in blocked) and "fetch refused" in blocked, blocked
    assert not [h for h in beacon.hits if "planted" in h], beacon.hits


PLACES = ("Tallinn", "Sanaa", "Harare", "Seoul", "Istanbul", "Dublin", "Oslo", "Astana")
STATUS_WATCH = """
window.__statuses = [];
new MutationObserver(() => {
  const s = document.querySelector('#status');
  if (s) window.__statuses.push(s.innerText.trim());
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_eight_generating_sessions_one_leaves_one_uploads(scripted, browser) -> None:  # type: ignore[no-untyped-def]
    """Eight sessions ask at once, two questions each, every answer generated by the scripted model (100 ms a word;
    no metadata questions). One tab closes mid-answer; a cable is uploaded meanwhile. Every other session finishes
    with its own questions only, waiting sessions are told their place in line, the uploaded cable is then cited,
    and the server's memory stays bounded."""
    warm = browser.new_page()
    warm.goto(scripted.url)
    _ask(warm, "What did the embassy in Tallinn report?")
    _answered(warm, 1)
    warm.close()
    rss_before = _rss_mb(scripted.proc.pid)
    pages = []
    for _ in PLACES:
        page = browser.new_context().new_page()
        page.add_init_script(STATUS_WATCH)
        page.goto(scripted.url)
        pages.append(page)
    uploader = browser.new_context().new_page()
    uploader.goto(scripted.url)
    asked = [(f"What did the embassy in {p} report?", f"And what else did they say in {p}?") for p in PLACES]
    for rnd in range(2):
        for page, qs in zip(pages, asked, strict=True):
            if not page.is_closed():
                _ask(page, qs[rnd])
        if rnd == 0:
            pages[0].locator("#chat").get_by_text("▌").wait_for(timeout=120_000)
            pages[0].context.close()  # the tab closes mid-answer
            uploader.get_by_text("Add cables").click()
            uploader.locator("#upload input[type=file]").set_input_files(
                str(FIXTURES / "plain-text" / "09KHARTOUM249.txt")
            )
        for page, (q1, _) in list(zip(pages, asked, strict=True))[1:]:
            _answered(page, rnd + 1)
            text = page.locator("#chat").inner_text()
            assert q1 in text and not any(o in text for o, _ in asked if o != q1), text
    uploader.get_by_text("Added 1,").wait_for(timeout=120_000)
    statuses = [s for page in pages[1:] for s in page.evaluate("window.__statuses")]
    assert any(re.match(r"Waiting for the model \(\d+ ahead\)", s) for s in statuses), set(statuses)
    _ask(uploader, "What did Wali say about the air attacks in Eastern Sudan?")
    _answered(uploader, 1)
    assert "09KHARTOUM249" in uploader.locator("#chat").inner_text()
    for page in pages[1:]:
        page.context.close()
    assert _rss_mb(scripted.proc.pid) - rss_before < 300  # memory stays bounded
