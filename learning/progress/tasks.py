"""Background tasks of learning (django-tasks: the database queue in production, served by
``manage.py db_worker``; the immediate backend in tests).

Task arguments are JSON (ids and integers), never model instances.
"""

from __future__ import annotations

from django_tasks import task

from learning import progress


@task()
def recompute_course_rollups(course_id: int, structure_version: int) -> list[int]:
    """Bring every enrollment's module rollups of the course up to date for ``structure_version``
    (``learning.progress.recompute_rollups_for_version``: set-based SQL per offering, idempotent, a no-op
    once a newer version exists). Returns the ids of the offerings recomputed."""
    return progress.recompute_rollups_for_version(course_id=course_id, structure_version=structure_version)
