"""The chat server's temporary files: exported conversations (they quote classified paragraphs) and staged uploads
live in one private folder (mode 0700), are deleted once older than `temp_ttl_s`, and the folder at exit. app.py
points Gradio's own upload and download cache inside it too (`gradio/`), cleaned by Gradio's `delete_cache`."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

GRADIO_SUBDIR = "gradio"


class TempFiles:
    def __init__(self, ttl_s: float, parent: str | None = None) -> None:
        self.ttl_s = ttl_s
        self.parent = parent
        self._root: Path | None = None
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="cables-", dir=self.parent))
            return self._root

    def gradio_dir(self) -> Path:
        d = self.root / GRADIO_SUBDIR
        d.mkdir(mode=0o700, exist_ok=True)
        return d

    def new_folder(self, kind: str) -> Path:
        """A fresh private folder for one export or upload; older ones past their time are deleted first."""
        self.purge()
        return Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=self.root))

    def purge(self, now: float | None = None) -> list[Path]:
        """Delete this server's exports and staged uploads older than the TTL; returns what was deleted."""
        now = time.time() if now is None else now
        gone = []
        for p in sorted(self.root.iterdir()):
            if p.name == GRADIO_SUBDIR:
                continue
            try:
                old = now - p.stat().st_mtime >= self.ttl_s
            except FileNotFoundError:
                continue
            if old:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
                gone.append(p)
        return gone

    def remove(self) -> None:
        """Everything, at exit."""
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = None
