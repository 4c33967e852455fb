"""A loaded, read-only index version: checked against its manifest, searched only through its own interfaces."""

from __future__ import annotations

from pathlib import Path

from ..backends.weights import resolve_embedder
from ..errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from ..hashing import sha256_file
from ..records import Cable, CableMeta
from ..settings import Settings
from .dense import Dense
from .lexical import Lexical
from .manifest import FORMAT_VERSION, Manifest, current_version
from .store import Store


class Index:
    def __init__(self, folder: Path, manifest: Manifest, settings: Settings) -> None:
        self.folder = folder
        self.manifest = manifest
        self.store = Store(folder / "store.sqlite", readonly=True)
        self.dense = Dense.load(folder, manifest.dense_kind, settings.ivf_nprobe)
        self.lexical = Lexical.load(folder / "bm25")
        self.row_cable = self.store.passage_cable_ids()
        self._meta: dict[str, CableMeta] | None = None

    @property
    def version(self) -> str:
        return self.folder.name

    @property
    def cable_meta(self) -> dict[str, CableMeta]:
        """cable id -> metadata, for filters, prompts and lists."""
        if self._meta is None:
            self._meta = {m.id: m for m in self.store.cable_meta()}
        return self._meta

    def cable(self, cable_id: str) -> Cable | None:
        return self.store.cable(cable_id)

    @classmethod
    def load(cls, settings: Settings, verify: bool = True, expect_embedder: str | None = None) -> Index:
        root = Path(settings.index_dir)
        folder = current_version(root)
        if folder is None:
            raise IndexMissingError(f"no index at {root}: build one with `cables ingest PATH...`")
        manifest = Manifest.read(folder / "manifest.json")
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index at {folder} has format {manifest.format_version}, this version reads "
                f"{FORMAT_VERSION}: rebuild with `cables ingest --rebuild PATH...`"
            )
        want = expect_embedder or resolve_embedder(settings.embedder)[0]
        if manifest.embedder != want:
            raise IndexMismatchError(
                f"index at {folder} was built with embedder {manifest.embedder} (dim {manifest.dim}) but this run "
                f"uses {want}: set CABLES_EMBEDDER to the index's embedder, or rebuild with "
                "`cables ingest --rebuild PATH...`"
            )
        if verify:
            for rel, digest in manifest.files.items():
                p = folder / rel
                if not p.exists():
                    raise IndexCorruptError(f"{p} is missing: rebuild with `cables ingest --rebuild PATH...`")
                if sha256_file(p) != digest:
                    raise IndexCorruptError(
                        f"{p} fails its checksum (corrupted): rebuild with `cables ingest --rebuild PATH...`"
                    )
        return cls(folder, manifest, settings)
