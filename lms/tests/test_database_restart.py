"""A PostgreSQL restart costs no user request once the database is back, and while it is down requests fail
fast with a 503 "briefly unavailable" page instead of blocking a worker.

The server is an embedded PostgreSQL (``pgserver``) that this test starts, stops and starts again; never
the shared server. The site runs in a subprocess with the real settings (``lms.settings``: the psycopg pool
with the real options), a pool of four connections, the local-memory cache, and Django's WSGI handler.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import RequestFactory

from lms import embedded_db, views

SCENARIO = r"""
import json, sys, time
from pathlib import Path
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from lms import embedded_db

# The real WSGI entry point (not the test client, which keeps its connection across requests): each
# request takes a connection from the pool and gives it back at its end, as under gunicorn.
app = WSGIHandler()
environ = RequestFactory(HTTP_HOST="localhost")._base_environ


def get(path):
    started = []
    result = app(environ(PATH_INFO=path, REQUEST_METHOD="GET"), lambda status, headers, *a: started.append((status, headers)))
    body = b"".join(result)
    result.close()
    status, headers = started[0]
    return int(status.split()[0]), dict(headers), body.decode(errors="replace")


data_dir = Path(sys.argv[1])
before = [get("/healthz")[0] for _ in range(8)]
pool = connection.pool
deadline = time.monotonic() + 60  # all of min_size open: every one of them will be stale after the restart
while pool.get_stats().get("pool_size", 0) < 4 and time.monotonic() < deadline:
    time.sleep(0.1)
opened = pool.get_stats().get("pool_size")

embedded_db.stop(data_dir)
started = time.monotonic()
down_status, down_headers, down_body = get("/courses/")
down_seconds = time.monotonic() - started
down_health = get("/healthz")[0]

embedded_db.database_url(data_dir, database="restart_check")  # the same server, started again
after = [get("/healthz")[0] for _ in range(12)]
print(json.dumps({
    "before": before, "opened": opened, "down_status": down_status, "down_seconds": down_seconds,
    "down_body": down_body, "retry_after": down_headers.get("Retry-After"), "down_health": down_health,
    "after": after,
}))
"""


@pytest.fixture
def own_server():
    with tempfile.TemporaryDirectory(prefix="lmspg") as parent:  # short: the socket lives under it
        data_dir = Path(parent) / "pgdata"
        try:
            yield data_dir, embedded_db.database_url(data_dir, database="restart_check")
        finally:
            embedded_db.stop(data_dir)


def test_a_restart_costs_no_request_and_the_outage_is_a_fast_503(own_server):
    data_dir, url = own_server
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DB_POOL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings",
        DEBUG="false",
        SECRET_KEY="restart-test-" + "k" * 40,
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=url,
        CACHE_URL="locmemcache://",
        DB_POOL="true",
        DB_POOL_MIN_SIZE="4",
        DB_POOL_MAX_SIZE="4",
    )
    run = subprocess.run(
        [sys.executable, "-c", SCENARIO, str(data_dir)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["before"] == [200] * 8 and result["opened"] == 4
    # Down: a quick 503 saying so (the pool's 3 s timeout), not a 500 after 10+ s.
    assert result["down_status"] == 503 and result["retry_after"] == str(views.RETRY_AFTER_SECONDS)
    assert views.UNAVAILABLE in result["down_body"]
    assert result["down_seconds"] < 8
    assert result["down_health"] == 503
    # Back: every request answers, although all four pooled connections died with the old server.
    assert result["after"] == [200] * 12


def test_the_503_page_needs_no_database():
    """handler500 renders the page without a query (the database is what is missing)."""
    request = RequestFactory().get("/courses/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = views.server_error(request)
    assert response.status_code == 503 and views.UNAVAILABLE in response.content.decode()
    request = RequestFactory().get("/api/public/v2/prompts")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = views.server_error(request)
    assert json.loads(response.content) == {"message": views.UNAVAILABLE, "error": "ServiceUnavailableError"}
