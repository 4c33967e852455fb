"""The package's shape: no import cycles, dependencies only downward through the pipeline's layers, rag/ never
imports app.py or eval/, short files and functions, no mutable module state, pinned UI library."""

from __future__ import annotations

import ast
import re
import tomllib
from collections import defaultdict
from importlib import metadata
from pathlib import Path

from .conftest import REPO

RAG = REPO / "rag"
# bottom to top, in the order the data flows; a module may import its own layer and the layers below
LAYERS = [
    ["rag", "rag.errors", "rag.settings", "rag.ids", "rag.records", "rag.hashing"],
    ["rag.text"],
    ["rag.backends", "rag.fakes"],
    ["rag.ingest", "rag.ingest.parse", "rag.ingest.passages"],
    ["rag.index"],
    ["rag.ingest.build"],
    ["rag.retrieve"],
    ["rag.check"],
    ["rag.answer", "rag.components"],
    ["rag.present"],
    ["rag.eval"],
    ["rag.ui"],
    ["rag.cli"],
]
MAX_FILE, MAX_FUNC = 300, 60


def _modules() -> dict[str, Path]:
    out = {}
    for p in RAG.rglob("*.py"):
        name = ".".join(p.relative_to(REPO).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = p
    return out


def _layer(mod: str) -> int:
    best, depth = -1, -1
    for i, group in enumerate(LAYERS):
        for prefix in group:
            if (mod == prefix or mod.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = i, len(prefix)
    assert best >= 0, f"{mod} is in no layer of tests/test_structure.py"
    return best


def _imports(mod: str, path: Path, mods: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text())
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
            out.update(subs or [base])
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_no_cycles_and_only_downward_imports() -> None:
    mods = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for mod, path in mods.items():
        for target in _imports(mod, path, mods):
            assert target.split(".")[0] not in {"app", "eval", "tests"}, f"{mod} imports {target}"
            if target in mods and target != mod:
                graph[mod].add(target)
                assert _layer(target) <= _layer(mod), f"upward import: {mod} -> {target}"
    seen: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        seen[m] = 1
        for t in graph[m]:
            assert seen.get(t) != 1, "import cycle: " + " -> ".join([*stack, m, t])
            if t not in seen:
                visit(t, [*stack, m])
        seen[m] = 2

    for m in mods:
        if m not in seen:
            visit(m, [])


def test_files_and_functions_are_short() -> None:
    """A longer one must say why next to it: a `# long:` comment on its first line."""
    for path in RAG.rglob("*.py"):
        src = path.read_text()
        lines = src.splitlines()
        assert len(lines) <= MAX_FILE or "# long:" in lines[0], f"{path} has {len(lines)} lines"
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                assert n <= MAX_FUNC or "# long:" in lines[node.lineno - 1], f"{path}:{node.name} has {n} lines"


def test_no_mutable_module_state() -> None:
    """Module-level names hold constants only: no dict/list/set literals or calls that build one, no `global`."""
    for path in RAG.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
                continue
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp):
                raise AssertionError(f"{path}:{node.lineno}: mutable module-level value")
            if isinstance(value, ast.BinOp) and isinstance(value.left, ast.Dict | ast.DictComp):
                raise AssertionError(f"{path}:{node.lineno}: mutable module-level value")
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") in {"dict", "list", "set", "defaultdict"}:
                raise AssertionError(f"{path}:{node.lineno}: mutable module-level value")
        assert not any(isinstance(n, ast.Global) for n in ast.walk(tree)), f"{path} uses `global`"


def test_paragraph_keys_are_printed_in_one_place() -> None:
    """`CABLE ¶N` is built and split only by rag/ids.py (ParagraphRef)."""
    pattern = re.compile(r"""f["'][^"'\n]*\} ¶\{|split\(["'] ?¶""")
    offenders = [
        f"{p.relative_to(REPO)}:{i}"
        for p in [*RAG.rglob("*.py"), REPO / "app.py"]
        if p.name != "ids.py"
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, offenders


def test_gradio_is_pinned_to_the_major_version_the_app_uses() -> None:
    from packaging.requirements import Requirement

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    req = next(Requirement(d) for d in deps if Requirement(d).name == "gradio")
    assert not req.specifier.contains("5.50") and not req.specifier.contains("7.0")
    assert req.specifier.contains(metadata.version("gradio"))
