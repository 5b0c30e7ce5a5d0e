"""Small model building blocks shared by every app (a leaf module: it imports no project app).

The seed schema names its indexes with PostgreSQL's 63-character limit in mind; Django's ``Index``
caps names at 30 (system check models.E034), so the long seed names go through these subclasses.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import models

# PostgreSQL's identifier limit (NAMEDATALEN - 1).
POSTGRES_MAX_NAME_LENGTH = 63


class LongNameIndex(models.Index):
    """An ``Index`` whose name may use PostgreSQL's full 63 characters (seed names like ``ix_user_university_roles_university_id``)."""

    max_name_length = POSTGRES_MAX_NAME_LENGTH


class LongNameGinIndex(GinIndex):
    """A ``GinIndex`` whose name may use PostgreSQL's full 63 characters."""

    max_name_length = POSTGRES_MAX_NAME_LENGTH


def choices_check(field: str, choices: type[models.TextChoices], *, name: str) -> models.CheckConstraint:
    """A named CHECK restricting ``field`` to the values of ``choices`` (the seed's PostgreSQL enums)."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


def nullable_choices_check(field: str, choices: type[models.TextChoices], *, name: str) -> models.CheckConstraint:
    """Like :func:`choices_check` for a nullable column: NULL or one of the values."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__in": choices.values}), name=name
    )


def non_negative(field: str, *, name: str) -> models.CheckConstraint:
    """A named CHECK ``field >= 0`` (NULL passes, as in SQL)."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": 0}), name=name)


def percent_range(field: str, *, name: str) -> models.CheckConstraint:
    """A named CHECK ``field BETWEEN 0 AND 100``."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": 0, f"{field}__lte": 100}), name=name)


def before(start: str, end: str, *, name: str) -> models.CheckConstraint:
    """A named CHECK ``start < end`` that lets either side be NULL (open intervals)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{start}__isnull": True})
        | models.Q(**{f"{end}__isnull": True})
        | models.Q(**{f"{start}__lt": models.F(end)}),
        name=name,
    )
