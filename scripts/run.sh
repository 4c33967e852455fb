#!/usr/bin/env bash
# Install (first time), build the index of the bundled sample corpus, open the chat on http://127.0.0.1:7860
#
# The chat opens as soon as lexical search is ready and llama-cpp-python is compiled; the sample goes on being
# embedded in the background (niced, so the compile comes first) and dense search joins as it proceeds (the
# status line says how much is embedded). Stopping the chat stops that ingest; the next run resumes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --async
mkdir -p index
nice -n 10 .venv/bin/cables ingest --rebuild-if-needed corpus/wikileaks-html.tar.xz > index/ingest.log 2>&1 &
ingest=$!
trap 'kill "$ingest" 2>/dev/null || true' EXIT
echo "Indexing the sample (log: index/ingest.log)..." >&2
until .venv/bin/cables status > /dev/null 2>&1; do
  if ! kill -0 "$ingest" 2>/dev/null; then
    wait "$ingest" || { tail -20 index/ingest.log >&2; exit 1; }
  fi
  sleep 2
done
echo "Lexical search ready; waiting for llama-cpp-python to finish compiling..." >&2
bash scripts/setup.sh --wait
.venv/bin/cables status >&2
.venv/bin/cables serve "$@"
