"""The chat server over HTTP, no browser and no model needed: the real app.py in a subprocess, listening on a
loopback address other than 127.0.0.1 so that a password is required. Every response carries the
Content-Security-Policy; no event is an API endpoint; failed logins are limited per address; no route reads an
arbitrary file; uploads land in the server's private folder, which is gone when the server stops."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.ui.web import CSP, LoginLimiter

from .apps import App, serve
from .conftest import REPO

HOST = "127.0.0.2"  # loopback, but not a "local host" to the app: it insists on a password
PASSWORD = "correct horse battery staple"
MAX_FAILURES = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    env = {
        "CABLES_INDEX_DIR": str(tmp_path_factory.mktemp("noindex") / "idx"),  # the page works without an index
        "CABLES_PASSWORD": PASSWORD,
        "CABLES_LOGIN_MAX_FAILURES": str(MAX_FAILURES),
    }
    yield from serve(env, "web", host=HOST)


def _login(server: App, password: str = PASSWORD, source: str = "127.0.0.1") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=10, source_address=(source, 0))
    body = urllib.parse.urlencode({"username": "analyst", "password": password})
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    return conn.getresponse()


def _session(server: App) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"username": "analyst", "password": PASSWORD}).encode()
    assert opener.open(server.url + "login", body, timeout=10).status == 200
    return opener


def _get(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_every_response_carries_the_content_security_policy(server: App) -> None:
    anonymous = urllib.request.build_opener()
    opener = _session(server)
    for who, path in ((anonymous, ""), (anonymous, "config"), (opener, ""), (opener, "config"), (opener, "nope")):
        _, headers, _ = _get(who, server.url + path)
        csp = {k.lower(): v for k, v in headers.items()}.get("content-security-policy")
        assert csp == CSP, (path, headers)
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    for name in ("default-src", "img-src", "connect-src", "font-src", "media-src", "frame-src", "form-action"):
        sources = directives[name].split()
        assert "'self'" in sources and not any(s.startswith(("http", "*", "ws")) for s in sources), name
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_no_event_is_an_api_endpoint(server: App) -> None:
    """Gradio makes every event an API endpoint unless told otherwise; the page needs none of them."""
    opener = _session(server)
    status, _, body = _get(opener, server.url + "gradio_api/info")
    assert status == 200
    info = json.loads(body)
    assert info.get("named_endpoints") == {} and not info.get("unnamed_endpoints"), info
    status, _, body = _get(opener, server.url + "gradio_api/openapi.json")
    assert status != 200 or not [p for p in json.loads(body).get("paths", {}) if "upload" not in p]
    for path in ("docs", "redoc", "openapi.json"):
        assert _get(opener, server.url + path)[0] == 404, path


def test_failed_logins_are_limited_per_address(server: App) -> None:
    """From one address, MAX_FAILURES wrong passwords, then even the right one is refused (429); another address
    is unaffected."""
    source = "127.0.0.3"
    for _ in range(MAX_FAILURES):
        assert _login(server, "wrong password!!", source).status == 400
    r = _login(server, PASSWORD, source)
    assert r.status == 429 and b"Too many failed logins" in r.read()
    assert _login(server, PASSWORD, "127.0.0.4").status == 200


def test_no_arbitrary_file_reads(server: App) -> None:
    for opener in (urllib.request.build_opener(), _session(server)):
        for path in (
            "gradio_api/file=/etc/passwd",
            "file=/etc/passwd",
            "gradio_api/file=../../../../etc/passwd",
            "static/../../../../etc/passwd",
            "gradio_api/file=" + str(REPO / "pyproject.toml"),
        ):
            status, _, body = _get(opener, server.url + path)
            assert b"root:x:0:0" not in body and b"[build-system]" not in body, (path, status)


def test_uploads_land_in_a_private_folder_gone_at_exit(server: App, tmp_path: Path) -> None:
    """Gradio's upload cache is the server's own folder (mode 0700), deleted when the server is stopped (SIGTERM)."""
    opener = _session(server)
    boundary = "cablesboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="c.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    ).encode()
    req = urllib.request.Request(
        server.url + "gradio_api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with opener.open(req, timeout=10) as r:
        stored = Path(json.loads(r.read())[0])
    root = next(p for p in stored.parents if p.name.startswith("cables-"))
    assert stored.is_file() and (root / "gradio") in stored.parents
    assert root.stat().st_mode & 0o077 == 0  # nobody else on the machine can list or read it
    server.proc.terminate()
    server.proc.wait(timeout=30)
    assert not root.exists()


def test_failures_age_out_and_a_success_clears_them() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=2, window_s=60, clock=lambda: now[0])
    limiter.record("a", ok=False)
    limiter.record("a", ok=False)
    assert limiter.blocked("a") and not limiter.blocked("b")
    now[0] = 61.0
    assert not limiter.blocked("a")  # the window has passed
    limiter.record("a", ok=False)
    limiter.record("a", ok=True)
    limiter.record("a", ok=False)
    assert not limiter.blocked("a")  # a success starts the count afresh
