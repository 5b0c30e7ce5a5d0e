"""Catalog services: every write to courses, offerings, subjects and their links.

Contract:
- Keyword-only, typed functions. A rule that breaks raises ``django.core.exceptions.ValidationError``
  with one of the module-level message constants below (tests import them).
- Multi-row writes run in ``transaction.atomic()``.
- The denormalised summaries owned by the catalog (``course_offerings.enrolled_count`` /
  ``waitlist_count``, ``courses.rating_avg`` / ``rating_count``, ``courses.structure_version``) are written
  only through ``set_offering_counts``, ``set_course_rating`` and ``bump_structure_version``, which higher
  apps (learning, syllabus) call from inside their own transactions.
- The catalog never imports syllabus: the course root module is inserted by a database trigger
  (``syllabus`` migration ``course_root_trigger``) whenever a course row is inserted.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from catalog.models import Course, CourseOffering


def set_offering_counts(*, offering_id: int, enrolled_count: int, waitlist_count: int) -> None:
    """Write the offering's summary counts (one UPDATE; the caller holds the offering row lock)."""
    CourseOffering.objects.filter(pk=offering_id).update(enrolled_count=enrolled_count, waitlist_count=waitlist_count)


def set_course_rating(*, course_id: int, rating_avg: Decimal | None, rating_count: int) -> None:
    """Write the course's review summary (learning's review service computes it)."""
    Course.objects.filter(pk=course_id).update(rating_avg=rating_avg, rating_count=rating_count)


def bump_structure_version(*, course_id: int) -> int:
    """Increment ``courses.structure_version`` atomically (one UPDATE … RETURNING) and return the new value."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s RETURNING structure_version",
            [course_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Course.DoesNotExist(f"Course {course_id} does not exist.")
    return row[0]
