#!/usr/bin/env bash
# Install (first time), then lint, type-check and run every test (real parser, index, embedder, llama.cpp
# model and, where Chromium is installed, the real-browser test), then the short scripted evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check rag app.py eval tests
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
