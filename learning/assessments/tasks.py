"""Background tasks of quizzes (django-tasks; ``manage.py db_worker`` in production).

``close_expired_attempt_task`` is enqueued when a timed attempt starts, to run at its deadline
(``run_after``). It closes the attempt with what was saved and records the deadline as the finish
time; a student submitting at the same moment gets the same single result (both lock the attempt).
Arguments are ids, never model instances.
"""

from __future__ import annotations

from django_tasks import task

from learning.assessments import services


@task()
def close_expired_attempt_task(attempt_id: int) -> bool:
    """Close the attempt if it is open and past its deadline; True when this run closed it."""
    return services.close_expired_attempt(attempt_id=attempt_id) is not None
