"""The embedded PostgreSQL bootstrap: it starts, answers SQL, and a second call reuses it."""

import tempfile
from pathlib import Path

import psycopg
import pytest

from lms import embedded_db


@pytest.fixture
def data_dir():
    # A short path: the server's unix socket lives in the data directory.
    with tempfile.TemporaryDirectory(prefix="lmspg") as parent:
        path = Path(parent) / "pgdata"
        yield path
        embedded_db.stop(path)


def postmaster_pid(path: Path) -> int:
    return int((path / "postmaster.pid").read_text().splitlines()[0])


def test_embedded_server_starts_is_reused_and_stops(data_dir):
    url = embedded_db.database_url(data_dir, database="lms_bootstrap")
    assert url.startswith("postgresql://postgres:@/lms_bootstrap?host=")
    first_pid = postmaster_pid(data_dir)

    with psycopg.connect(host=embedded_db.socket_dir(url), user="postgres", dbname="lms_bootstrap") as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        assert int(version) >= 160000
        assert conn.execute("SELECT 6 * 7").fetchone()[0] == 42

    # A second call (another manage.py command, another worker) reuses the running server.
    assert embedded_db.database_url(data_dir, database="lms_bootstrap") == url
    assert postmaster_pid(data_dir) == first_pid

    embedded_db.stop(data_dir)
    assert not (data_dir / "postmaster.pid").exists()


def test_embedded_database_name_is_validated(data_dir):
    with pytest.raises(ValueError, match="unsupported database name"):
        embedded_db.database_url(data_dir, database="lms; DROP DATABASE x")


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_restart_keeps_committed_rows_and_the_socket(data_dir, mode):
    """bench/fault.py restarts its own server this way under load: same socket, committed rows kept (an
    immediate restart recovers them from the WAL)."""
    url = embedded_db.database_url(data_dir, database="lms_restart")
    host = embedded_db.socket_dir(url)
    with psycopg.connect(host=host, user="postgres", dbname="lms_restart", autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept SELECT generate_series(1, 100)")
    before = postmaster_pid(data_dir)
    embedded_db.restart(data_dir, mode)
    assert postmaster_pid(data_dir) != before
    with psycopg.connect(host=host, user="postgres", dbname="lms_restart") as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone()[0] == 100
    with pytest.raises(ValueError, match="unknown shutdown mode"):
        embedded_db.restart(data_dir, "sudden")
