#!/usr/bin/env bash
# Install (first time), build the index of the bundled sample corpus (incremental: seconds once built),
# then open the chat on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/cables ingest corpus/wikileaks-html.tar.xz
exec .venv/bin/cables serve "$@"
