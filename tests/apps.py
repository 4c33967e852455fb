"""The real app.py as a subprocess on a free port, for the browser and HTTP tests; its log in test-artifacts/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from .conftest import ARTIFACTS, REPO


@dataclass(frozen=True)
class App:
    url: str
    port: int
    proc: subprocess.Popen[bytes]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve(env_extra: dict[str, str], name: str, host: str = "127.0.0.1") -> Iterator[App]:
    """Start app.py with these settings, wait until it answers (any HTTP status), yield it, stop it."""
    port = free_port(host)
    env = {
        **os.environ,
        **env_extra,
        "CABLES_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "CABLES_ALLOW_MODEL_REQUESTS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if host != "127.0.0.1":
        env["CABLES_HOST"] = host
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"{name}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, str(REPO / "app.py")], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{host}:{port}/"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError((ARTIFACTS / f"{name}.log").read_text()) from None
            time.sleep(0.5)
    yield App(url, port, proc)
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)
    log.close()
