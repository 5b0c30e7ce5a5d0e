"""The standard deploy steps (``manage.py migrate``, nothing else) give a working site: the database cache
table comes with the migrations, and ``/healthz`` reports a cache that cannot answer.

The first test runs the real settings (the default ``CACHE_URL``, the database cache) in subprocesses
against a fresh database on a PostgreSQL server it starts itself (``pgserver``), never the shared one.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from lms import embedded_db

# A prompt API call as a client would make it, after nothing but `migrate` (the API reads the cache).
API_CALL = """
import base64
from django.test import Client
from prompts import services
key, secret = services.create_api_key(actor=None, name="deploy check")
auth = "Basic " + base64.b64encode(f"{key.public_key}:{secret}".encode()).decode()
client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=auth, raise_request_exception=False)
created = client.post("/api/public/v2/prompts", {"name": "greeting", "prompt": "Hi", "labels": ["production"]},
                      content_type="application/json")
fetched = client.get("/api/public/v2/prompts/greeting")  # resolved through the shared cache
print(created.status_code, fetched.status_code, client.get("/healthz").status_code)
"""


@pytest.fixture
def fresh_database_url():
    with tempfile.TemporaryDirectory(prefix="lmspg") as parent:  # short: the socket lives under it
        data_dir = Path(parent) / "pgdata"
        try:
            yield embedded_db.database_url(data_dir, database="deploy_check")
        finally:
            embedded_db.stop(data_dir)


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    dropped = {"CACHE_URL", "DJANGO_SETTINGS_MODULE", "DB_POOL"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="lms.settings", DEBUG="true", TASKS_BACKEND="immediate"
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_migrate_alone_then_a_prompt_api_call_works(fresh_database_url):
    migrate = manage("migrate", "--no-input", "-v", "0", database_url=fresh_database_url)
    assert migrate.returncode == 0, migrate.stderr
    call = manage("shell", "-v", "0", "-c", API_CALL, database_url=fresh_database_url)
    assert call.stdout.split() == ["201", "200", "200"], call.stdout + call.stderr


MISSING_TABLE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "lms_no_such_cache_table"}
}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_cache_table_is_missing(client):
    with override_settings(CACHES=MISSING_TABLE_CACHE):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "cache": "unavailable",
        "detail": "ProgrammingError",
    }
