"""Background tasks of learning's progress (django-tasks: the database queue in production, served by
``manage.py db_worker``; the immediate backend in tests), and the one place that enqueues them.

Task arguments are JSON (ids and integers), never model instances.
"""

from __future__ import annotations

from django.core.cache import cache
from django_tasks import task

from learning.progress import rollups

ROLLUPS_QUEUED_KEY = "learning:rollups-queued:{course_id}:{version}"
# A recompute asked for within this time is not asked for again; after it, a reader of rollups that are
# still stale asks again (the task is idempotent), so a lost enqueue heals itself.
_ROLLUPS_QUEUED_TIMEOUT = 3600


@task()
def recompute_course_rollups(course_id: int, structure_version: int) -> list[int]:
    """Bring every enrollment's module rollups of the course up to date for ``structure_version``
    (``learning.progress.rollups.recompute_rollups_for_version``: set-based SQL per offering,
    idempotent, a no-op once a newer version exists). Returns the ids of the offerings recomputed."""
    return rollups.recompute_rollups_for_version(course_id=course_id, structure_version=structure_version)


def schedule_recompute(*, course_id: int, structure_version: int) -> bool:
    """Enqueue :func:`recompute_course_rollups` for the course's ``structure_version`` unless that was
    done within the last hour (one cache ``add``). True when it enqueued. Called after the commit of a
    structural change (:mod:`learning.progress.receivers`) and by readers that find stale rollups
    (:func:`learning.progress.freshness.rollup_state`)."""
    key = ROLLUPS_QUEUED_KEY.format(course_id=course_id, version=structure_version)
    if not cache.add(key, 1, _ROLLUPS_QUEUED_TIMEOUT):
        return False
    recompute_course_rollups.enqueue(course_id=course_id, structure_version=structure_version)
    return True
