"""Real browser: the app on a free local port, Debian's Chromium driven by Playwright, the real index,
embedder and llama.cpp model. Screenshots land in test-artifacts/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]
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


_PROC: dict[str, subprocess.Popen[bytes]] = {}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(real_index, real_settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {
        **os.environ,
        "CABLES_INDEX_DIR": real_settings.index_dir,
        "CABLES_CACHE_DIR": real_settings.cache_dir,
        "CABLES_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "CABLES_ALLOW_MODEL_REQUESTS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "app.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, str(REPO / "app.py")], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((ARTIFACTS / "app.log").read_text()) from None
            time.sleep(0.5)
    _PROC["app"] = proc
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()


def test_ask_click_citation_see_paragraph(app_url, browser, real_index) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url)
    _ask(
        page,
        "How long did State Department counter-terrorism coordinator Daniel Benjamin's January 31, 2010 "
        "meeting with Yemeni President Saleh last?",
    )
    chip = page.locator("#chat a.cite").first
    chip.wait_for(timeout=240_000)
    chat = page.locator("#chat").inner_text()
    assert "35" in chat and "do not answer" not in chat
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


def test_two_sessions_keep_their_own_answers(app_url, browser) -> None:  # type: ignore[no-untyped-def]
    a = browser.new_context().new_page()
    b = browser.new_context().new_page()
    a.goto(app_url)
    b.goto(app_url)
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


def test_script_in_a_question_is_not_run(app_url, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(app_url)
    _ask(page, "<img src=x onerror=\"document.title='pwned'\"> who signed 09HARARE955?")
    page.locator("#chat a.cite").first.wait_for(timeout=240_000)
    assert page.title() != "pwned"
    assert page.evaluate("document.querySelectorAll('#chat img[src=x]').length") == 0


def test_no_arbitrary_file_reads(app_url) -> None:  # type: ignore[no-untyped-def]
    for path in (
        "gradio_api/file=/etc/passwd",
        "file=/etc/passwd",
        "gradio_api/file=../../../../etc/passwd",
        "static/../../../../etc/passwd",
    ):
        try:
            body = urllib.request.urlopen(app_url + path, timeout=10).read().decode("utf-8", "replace")
        except OSError:
            continue
        assert "root:x:0:0" not in body


EIGHT = [
    ("09HARARE955", "Who signed cable 09HARARE955?", "RAY"),
    ("09SEOUL1400", "What TAGS were assigned to cable 09SEOUL1400?", "PGOV"),
    ("05ISTANBUL890", "What classification did cable 05ISTANBUL890 carry?", "CONFIDENTIAL"),
    ("06DUBLIN1020", "Who classified cable 06DUBLIN1020?", "Kenny"),
    ("10SANAA221", "Who signed cable 10SANAA221?", "SECHE"),
    ("08OSLO629", "What TAGS were assigned to cable 08OSLO629?", "PREL"),
    ("09ASTANA95", "What classification did cable 09ASTANA95 carry?", "SECRET"),
    ("07TALLINN366", "What is the subject of cable 07TALLINN366?", "CYBER"),
]


def test_eight_concurrent_sessions_stay_separate(app_url, browser) -> None:  # type: ignore[no-untyped-def]
    """8 sessions at once (a bounded loop of two rounds): each gets its own answers and history only."""
    warm = browser.new_page()
    warm.goto(app_url)
    _ask(warm, "Who signed cable 09HARARE955?")  # loads the model, embedder and index once
    warm.locator("#chat a.cite").first.wait_for(timeout=240_000)
    warm.close()
    rss_before = _rss_mb(_PROC["app"].pid)
    pages = [browser.new_context().new_page() for _ in EIGHT]
    for page in pages:
        page.goto(app_url)
    for _round in range(2):
        for page, (_, question, _) in zip(pages, EIGHT, strict=True):
            _ask(page, question)
        for page, (cid, _, expected) in zip(pages, EIGHT, strict=True):
            page.locator("#chat a.cite").nth(_round).wait_for(timeout=120_000)
            text = page.locator("#chat").inner_text()
            assert expected.lower() in text.lower() and cid in text
            others = [c for c, _, _ in EIGHT if c != cid]
            assert not any(o in text for o in others), text
    for page in pages:
        page.context.close()
    assert _rss_mb(_PROC["app"].pid) - rss_before < 300  # memory stays bounded
