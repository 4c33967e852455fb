"""What every HTTP response of the chat carries, and how many wrong passwords a client may try: one ASGI middleware,
installed on the app Gradio builds (app.py passes it through `launch(app_kwargs=...)`). No Gradio import here."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The page may fetch nothing but its own origin: no image, link target, font, script or connection elsewhere.
# Gradio's page needs inline scripts and styles (its config, the layout) and eval for the `js=` hook.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_OURS = frozenset(name for name, _ in HEADERS)


class LoginLimiter:
    """At most `max_failures` failed logins per client address within `window_s`; then that address is refused
    (HTTP 429) until its oldest failure is `window_s` old. Behind a reverse proxy every user shares one address."""

    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque[float]:
        q = self._failures.setdefault(client, deque())
        while q and self.clock() - q[0] >= self.window_s:
            q.popleft()
        return q

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= self.max_failures

    def record(self, client: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(client, None)
            else:
                self._recent(client).append(self.clock())


class SecureHeaders:
    """ASGI middleware: the security headers on every HTTP response; failed logins counted and limited."""

    def __init__(self, app: ASGIApp, limiter: LoginLimiter | None = None) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limiter = self.limiter
        is_login = limiter is not None and scope.get("method") == "POST" and scope["path"].rstrip("/") == "/login"
        client = str((scope.get("client") or ("unknown",))[0])
        if limiter is not None and is_login and limiter.blocked(client):
            await _refuse(send, int(limiter.window_s))
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                message = {**message, "headers": kept + list(HEADERS)}
                if limiter is not None and is_login:
                    limiter.record(client, ok=int(message["status"]) < 400)
            await send(message)

        await self.app(scope, receive, send_secured)


async def _refuse(send: Send, retry_after_s: int) -> None:
    body = b"Too many failed logins from this address; try again later."
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", str(retry_after_s).encode()), *HEADERS]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
