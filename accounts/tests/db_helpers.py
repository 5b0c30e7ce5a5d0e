"""Helpers for tests that prove a database constraint by breaking it with a raw write."""

import pytest
from django.db import IntegrityError, connection, transaction


def rejects(constraint: str, sql: str, params=()) -> None:
    """Run raw SQL that must fail with an IntegrityError naming ``constraint`` (and leave the test usable)."""
    with pytest.raises(IntegrityError, match=rf"\b{constraint}\b"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def rejects_update(constraint: str, queryset, **values) -> None:
    """A queryset ``.update()`` (no model validation) that the database must refuse with ``constraint``."""
    with pytest.raises(IntegrityError, match=rf"\b{constraint}\b"), transaction.atomic():
        queryset.update(**values)


def accepts(sql: str, params=()) -> None:
    """Raw SQL that must succeed: the control case beside a rejection."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
