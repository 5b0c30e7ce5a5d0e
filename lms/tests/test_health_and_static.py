import re
import socket
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse

from lms import views


def test_healthz_reports_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def unreachable_database():
    """A real connection to a port where no PostgreSQL listens (a port just freed), without a pool."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    default = connections[DEFAULT_DB_ALIAS]
    options = {k: v for k, v in default.settings_dict["OPTIONS"].items() if k not in ("pool", "host")}
    db_settings = {**default.settings_dict, "HOST": "127.0.0.1", "PORT": port, "OPTIONS": {**options, "connect_timeout": 2}}
    wrapper = type(default)(db_settings, alias="healthz-unreachable")
    yield wrapper
    wrapper.close()


def test_healthz_answers_503_when_the_database_does_not_answer(client, db, monkeypatch, unreachable_database):
    # The probe runs for real, against a connection that cannot connect; only its target is swapped.
    real_probe = views.probe_database
    monkeypatch.setattr(views, "probe_database", lambda: real_probe(unreachable_database))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "error", "database": "unavailable", "detail": "OperationalError"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_writes(client, db):
    assert client.post(reverse("healthz")).status_code == 405


def test_home_page_renders_with_vendored_assets(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "Sign up" in html


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_vendored_libraries_are_committed_with_versions():
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    for relative in ("bootstrap/bootstrap.min.css", "bootstrap/bootstrap.bundle.min.js", "htmx/htmx.min.js"):
        assert (vendor / relative).stat().st_size > 10_000, relative
    versions = (vendor / "VERSIONS.txt").read_text()
    assert re.search(r"^bootstrap 5\.\d+\.\d+$", versions, re.M)
    assert re.search(r"^htmx\.org 2\.\d+\.\d+$", versions, re.M)


def test_no_template_loads_anything_from_a_cdn_or_remote_host():
    base = Path(settings.BASE_DIR)
    remote_asset = re.compile(r"""<(script|link)[^>]+(src|href)=["'](https?:)?//""", re.I)
    offenders = []
    for template in base.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        if remote_asset.search(template.read_text()):
            offenders.append(str(template.relative_to(base)))
    assert offenders == []
