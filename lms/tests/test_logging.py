"""A refused request is logged once, as one line (it was printed twice under DEBUG, each with a traceback)."""

import io
import logging
import sys

import pytest
from django.urls import reverse

from lms.log_filters import OneLineClientErrors


def console_handlers(logger_name: str) -> list[logging.StreamHandler]:
    """Every plain stream handler a record of ``logger_name`` reaches (the logger, then its parents)."""
    found, logger = [], logging.getLogger(logger_name)
    while logger is not None:
        found += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    return found


@pytest.fixture
def console():
    """What the console handlers print, captured from the handlers the settings configured."""
    buffer = io.StringIO()
    handlers = console_handlers("django.request")
    assert handlers, "no console handler reached by django.request"
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@pytest.mark.parametrize("debug", [False, True])
def test_a_403_is_one_line_once(client, world, settings, console, debug):
    settings.DEBUG = debug
    client.force_login(world.a.department_admin)  # staff, but imports users at no university: refused
    console.seek(0)
    console.truncate()  # only what the refused request prints
    response = client.get(reverse("admin:accounts_user_import"))
    assert response.status_code == 403
    lines = [line for line in console.getvalue().splitlines() if line.strip()]
    assert lines == ["Forbidden (Permission denied): /admin/accounts/user/import/"]


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), sys.exc_info()
        )
    record.status_code = 500
    assert OneLineClientErrors().filter(record) and record.exc_info is not None
