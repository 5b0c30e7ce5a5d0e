"""Logging filters of the project's console handler (``settings.LOGGING``).

:class:`OneLineClientErrors`: Django logs each refused request (403 ``PermissionDenied``, 400 bad request)
on ``django.request`` as a warning *with the exception's traceback*; a refusal is an expected answer, not
a fault, so its record keeps its one-line message ("Forbidden (Permission denied): /path") and drops the
traceback. Server errors (5xx) keep theirs.
"""

from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.request") and getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
