"""Background tasks of assessments (django-tasks; ``manage.py db_worker`` in production, immediate in tests).

- ``close_expired_attempt_task`` is enqueued when a timed quiz attempt starts, to run at its deadline
  (``run_after``). It closes the attempt with what was saved and records the deadline as the finish
  time; a student submitting at the same moment gets the same single result (both lock the attempt).
- ``close_expired_attempts_task``: the sweep the scheduler queues (``services.queue_expired_attempts``) while
  an open attempt is past its deadline; same close, same finish time.
- ``grade_lab_submission_task`` autogrades one lab submission in the sandbox.
- ``recover_lost_lab_runs_task`` is enqueued by each grading run to run when that run would count as lost:
  runs left ``running`` by a dead worker are queued again (or end as errors after too many tries).

Arguments are ids, never model instances.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django_tasks import task

from learning.assessments import services

logger = logging.getLogger(__name__)


def enqueue_at(deferred_task, run_after: datetime, *args) -> bool:
    """Queue ``deferred_task(*args)`` to run at ``run_after``. False (nothing queued) on a backend that cannot
    defer (the immediate one in tests) or when queueing fails (logged): every caller keeps another path that
    does the same work (the next touch, the scheduler's sweep)."""
    try:
        if not deferred_task.get_backend().supports_defer:
            return False
        deferred_task.using(run_after=run_after).enqueue(*args)
    except Exception:  # noqa: BLE001 - the other paths remain
        logger.exception("could not schedule %s%r at %s", deferred_task.name, args, run_after)
        return False
    return True


@task()
def close_expired_attempt_task(attempt_id: int) -> bool:
    """Close the attempt if it is open and past its deadline; True when this run closed it."""
    return services.close_expired_attempt(attempt_id=attempt_id) is not None


@task()
def close_expired_attempts_task() -> int:
    """Close every open attempt past its deadline (``services.close_expired_attempts``); how many this run closed."""
    return services.close_expired_attempts()


@task()
def grade_lab_submission_task(submission_id: int) -> str:
    """Autograde one lab submission in the sandbox (``learning.assessments.labs.grade_lab_submission``)."""
    from learning.assessments.labs import grade_lab_submission

    return grade_lab_submission(submission_id=submission_id)


@task()
def recover_lost_lab_runs_task() -> dict:
    """Queue again (or end) lab runs lost by a worker that died (``learning.assessments.labs.recover_lost_runs``)."""
    from learning.assessments.labs import recover_lost_runs

    recovery = recover_lost_runs()
    return {"requeued": recovery.requeued, "ended": recovery.ended}
