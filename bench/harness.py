"""Measure pages under gunicorn beside a trivial view in the same run.

Used by the bench scripts: start gunicorn (2 workers, like `make run`) on a free loopback port with the
current environment, log in a session if asked, then for each URL send requests from a few client
threads over keep-alive connections and report median and p95 latency and requests per second. The
trivial ``/hello`` view is always measured in the same run, so the ratio page/hello is stable on a
noisy machine. All traffic stays on 127.0.0.1; every loop is bounded by a request count and a deadline.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from lms.gunicorn_conf import default_workers

BASE_DIR = Path(__file__).resolve().parent.parent


def ensure_database(url: str) -> None:
    """Create the bench database named by ``url`` (a ``postgres://`` DATABASE_URL) when it is missing,
    through the server's ``postgres`` maintenance database, so a fresh machine needs no manual step."""
    from urllib.parse import unquote, urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit(f"DATABASE_URL names no database: {url}")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def install_in_venv(venv: Path, requirement: str) -> Path:
    """``requirement`` (a pinned ``name==version``) installed with pip into its own virtual environment ``venv``
    (created when missing; a marker file skips the install next time): a peer system or a load tool that must
    never meet our process. Answers the environment's ``bin`` directory."""
    marker = venv / f".installed-{requirement.replace('==', '-')}"
    if not marker.exists():
        venv.parent.mkdir(parents=True, exist_ok=True)
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        started = time.monotonic()
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", requirement], check=True)
        marker.touch()
        print(f"installed {requirement} in {time.monotonic() - started:.0f} s", flush=True)
    return venv / "bin"


def setup_django() -> None:
    """For a bench script run as ``python -m bench.<name>``: the database named by DATABASE_URL created when
    missing, Django set up with the production settings, migrated, the cache table made."""
    import django

    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def session_cookie(user) -> str:
    """A real session for ``user``, stored as ``django.contrib.auth.login`` stores it; the Cookie header value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend log-in records: the first that can read a user back (axes' LockoutBackend, first in
    # the list, only refuses locked-out log-ins and has no get_user).
    session[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def load_average() -> str:
    """The machine's 1/5/15-minute load averages, printed beside the figures (the machine is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} ({os.cpu_count()} CPUs)"


class FormClient:
    """A browser-like client of one signed-in user (a ``session_cookie``): a CSRF cookie and header, form
    posts, one connection per request (so a restarted server or database costs no stale connection)."""

    def __init__(self, port: int, cookie: str, timeout: float = 120):
        self.port = port
        self.timeout = timeout
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.cookie = f"{cookie}; csrftoken={self.csrf}"

    def request(self, method: str, path: str, body: dict | list | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        """(status, Location header or "", body); raises OSError/HTTPException when the connection fails."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = {"Cookie": self.cookie, "X-CSRFToken": self.csrf, "Referer": f"http://127.0.0.1:{self.port}/",
                **(headers or {})}
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            return response.status, response.getheader("Location") or "", response.read()
        finally:
            conn.close()


def percentiles(values: list[float]) -> str:
    """"median … ms   p95 … ms   (n)" of durations in seconds."""
    if not values:
        return "no samples"
    ordered = sorted(values)
    return (f"median {statistics.median(ordered) * 1000:8.1f} ms   p95 {_p95(ordered) * 1000:8.1f} ms   "
            f"({len(ordered)})")


def _p95(ordered: list[float]) -> float:
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


@dataclass
class Result:
    label: str
    path: str
    requests: int
    median_ms: float
    p95_ms: float
    rps: float
    errors: int

    def line(self) -> str:
        return (f"{self.label:<28} median {self.median_ms:8.2f} ms   p95 {self.p95_ms:8.2f} ms   "
                f"{self.rps:8.1f} req/s   ({self.requests} requests, {self.errors} errors)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, workers: int | None = None, env: dict[str, str] | None = None,
                 config: str | None = "lms/gunicorn_conf.py", extra_args: tuple[str, ...] = ()):
        self.port = free_port()
        # As scripts/serve.sh (make run): its gunicorn config (gthread workers); config=None for gunicorn's
        # defaults (sync workers), extra_args to override one setting.
        self.config = config
        self.extra_args = extra_args
        # As scripts/serve.sh (make run): WEB_CONCURRENCY workers, else one per usable core.
        self.workers = workers or default_workers()
        self.env = {**os.environ, "DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
                    "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
                    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "k" * 50), **(env or {})}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                       cwd=BASE_DIR, env=self.env, check=True)
        self.process = subprocess.Popen(
            [str(BASE_DIR / ".venv" / "bin" / "gunicorn"), "lms.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--log-level", "warning",
             *(["-c", self.config] if self.config else []), *self.extra_args],
            cwd=BASE_DIR, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = self.get("/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def get(self, path: str, cookie: str = "") -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body


def _run_units(open_client, unit, *, requests: int, concurrency: int,
               deadline_s: float) -> tuple[list[float], int, float]:
    """Run ``unit(client) -> ok`` up to ``requests`` times from ``concurrency`` threads, each with its own
    client from ``open_client()``; (latencies in s, errors, wall s). A unit may be one request or several (a
    page and what it fetches): its latency is the whole unit's. A unit that answers False counts as an error;
    one whose connection fails too, and its thread opens a new client."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    stop_at = time.monotonic() + deadline_s

    def worker(client) -> None:
        nonlocal errors
        while time.monotonic() < stop_at:
            with lock:
                if next(counter, None) is None:
                    break
            started = time.perf_counter()
            try:
                ok = bool(unit(client))
            except (OSError, http.client.HTTPException):
                ok = False
                client.close()
                client = open_client()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1
        client.close()

    # Clients are opened before the clock starts: a peer's log-in is not part of its units.
    threads = [threading.Thread(target=worker, args=(open_client(),)) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - began


def _run(server: Gunicorn, path: str, *, cookie: str, requests: int, concurrency: int,
         deadline_s: float) -> tuple[list[float], int, float]:
    """Send ``requests`` GETs of ``path`` from ``concurrency`` threads over keep-alive connections."""
    headers = {"Cookie": cookie} if cookie else {}

    def get(conn: http.client.HTTPConnection) -> bool:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status == 200

    return _run_units(lambda: http.client.HTTPConnection("127.0.0.1", server.port, timeout=30), get,
                      requests=requests, concurrency=concurrency, deadline_s=deadline_s)


def _result(label: str, path: str, latencies: list[float], errors: int, wall: float) -> Result:
    if not latencies:
        raise RuntimeError(f"{label}: no request finished before the deadline")
    ordered = sorted(latencies)
    return Result(label, path, len(ordered), statistics.median(ordered) * 1000, _p95(ordered) * 1000,
                  len(ordered) / wall, errors)


def measure(server: Gunicorn, label: str, path: str, *, cookie: str = "", requests: int = 300,
            concurrency: int = 4, deadline_s: float = 120.0, warmup: int = 10) -> Result:
    for _ in range(warmup):
        server.get(path, cookie)
    latencies, errors, wall = _run(server, path, cookie=cookie, requests=requests, concurrency=concurrency,
                                   deadline_s=deadline_s)
    return _result(label, path, latencies, errors, wall)


def measure_units(label: str, open_client, unit, *, requests: int = 1_000_000, concurrency: int = 4,
                  deadline_s: float = 8.0) -> Result:
    """Like :func:`measure` for a unit of work that is not one GET (a client walking an API page by page, a
    signed-in peer system): ``unit(client) -> ok`` on a client from ``open_client()`` (anything with
    ``close()``), repeated ``requests`` times or until ``deadline_s``; the rate is units per second."""
    latencies, errors, wall = _run_units(open_client, unit, requests=requests, concurrency=concurrency,
                                         deadline_s=deadline_s)
    return _result(label, "", latencies, errors, wall)


def measure_interleaved(server: Gunicorn, pages: list[tuple[str, str, str, int]], *, rounds: int = 5,
                        concurrency: int = 4, deadline_s: float = 120.0, warmup: int = 10) -> list[Result]:
    """Like :func:`measure` for each ``(label, path, cookie, requests)``, but in ``rounds`` alternating
    slices (hello, page A, page B, hello, …), so that load from other processes on a shared machine
    falls on every page alike and the ratio to hello stays comparable between runs."""
    for _label, path, cookie, _requests in pages:
        for _ in range(warmup):
            server.get(path, cookie)
    totals = {label: ([], 0, 0.0) for label, *_ in pages}
    for _ in range(rounds):
        for label, path, cookie, requests in pages:
            latencies, errors, wall = _run(server, path, cookie=cookie, requests=max(1, requests // rounds),
                                           concurrency=concurrency, deadline_s=deadline_s / rounds)
            seen, failed, spent = totals[label]
            totals[label] = (seen + latencies, failed + errors, spent + wall)
    return [_result(label, path, *totals[label]) for label, path, _cookie, _requests in pages]
