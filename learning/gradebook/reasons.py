"""The reason a person gives for a formal grade decision (an item-score override, a course-grade override, a
certificate's revocation): one check for all of them, so they cannot drift apart."""

from __future__ import annotations

from django.core.exceptions import ValidationError

MAX_REASON = 1000
REASON_TOO_LONG = "The reason is at most {max} characters."


def clean_reason(reason: str | None, *, required: str) -> str:
    """The reason with its whitespace collapsed (and NUL characters, which PostgreSQL refuses, removed); a
    ``ValidationError`` with ``required`` when nothing is left, or when it is longer than ``MAX_REASON``."""
    reason = " ".join((reason or "").replace("\x00", "").split())
    if not reason:
        raise ValidationError(required, code="reason_required")
    if len(reason) > MAX_REASON:
        raise ValidationError(REASON_TOO_LONG.format(max=MAX_REASON), code="reason_too_long")
    return reason
