"""Embedded PostgreSQL for machines without a database server.

When ``DATABASE_URL`` is unset, settings call :func:`database_url`, which starts (or reuses) a real
PostgreSQL 16 from the ``pgserver`` wheel with its data under ``var/pgdata`` and answers a URL that
connects over its unix socket. The server outlives the Python process that started it, so every
``manage.py`` command, gunicorn worker and pytest run shares one server; ``make run`` stops it on exit.

Command line: ``python -m lms.embedded_db start|stop|url``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = "lms"

# pgserver asks platformdirs for a runtime dir; without XDG_RUNTIME_DIR it warns and uses /tmp.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def _server(data_dir: Path, cleanup_mode: str | None = None):
    import pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(data_dir, cleanup_mode=cleanup_mode)


def socket_dir(uri: str) -> str:
    """The unix-socket directory of a pgserver URI (``postgresql://postgres:@/db?host=/dir``)."""
    return parse_qs(urlsplit(uri).query)["host"][0]


def database_url(data_dir: Path = DEFAULT_DATA_DIR, database: str = DATABASE_NAME) -> str:
    """Start the embedded server if it is not running, make sure ``database`` exists, return its URL."""
    if not database.replace("_", "").isalnum():
        raise ValueError(f"unsupported database name {database!r}")
    server = _server(data_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608 (checked above)
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return server.get_uri(database)


def stop(data_dir: Path = DEFAULT_DATA_DIR) -> None:
    """Stop the server whoever started it (pgserver's own reference counting would wait for every
    process that ever connected, including crashed ones)."""
    if not (data_dir / "postmaster.pid").exists():
        return
    import atexit

    from pgserver.postgres_server import PostgresServer

    _pg_ctl(["-w", "-m", "fast", "stop"], data_dir)
    # pgserver keeps one handle per data directory in this process and would hand the stopped one back:
    # forget it, so a later database_url() here starts the server again (a restart, as tests do).
    handle = PostgresServer._instances.pop(data_dir.expanduser().resolve(), None)
    if handle is not None:
        atexit.unregister(handle._cleanup)  # it would look the handle up again at exit


def _pg_ctl(args: list[str], data_dir: Path) -> str:
    """pg_ctl on the server of ``data_dir``, as the user that owns it (as root pgserver runs it as ``pgserver``)."""
    import os

    from pgserver._commands import pg_ctl

    return pg_ctl(args, pgdata=data_dir, user="pgserver" if os.geteuid() == 0 else None)


def restart(data_dir: Path = DEFAULT_DATA_DIR, mode: str = "fast") -> None:
    """``pg_ctl restart -m <mode>`` of a running server, waiting until it accepts connections again: ``fast``
    (clients are disconnected, a clean shutdown) or ``immediate`` (no shutdown checkpoint: the server
    recovers from its WAL on start, as after a crash). Same options, same socket, log appended."""
    if mode not in ("smart", "fast", "immediate"):
        raise ValueError(f"unknown shutdown mode {mode!r}")
    _pg_ctl(["-w", "-t", "60", "-m", mode, "-l", str(data_dir / "log"), "restart"], data_dir)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "url"
    if command == "start":
        database_url()
        print(f"embedded PostgreSQL running, data in {DEFAULT_DATA_DIR}")
    elif command == "url":
        print(database_url())
    elif command == "stop":
        stop()
        print("embedded PostgreSQL stopped")
    else:
        print("usage: python -m lms.embedded_db start|stop|url", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
