"""Background tasks of assessments (django-tasks; ``db_worker`` in production, immediate in tests)."""

from __future__ import annotations

from django_tasks import task


@task()
def grade_lab_submission_task(submission_id: int) -> str:
    """Autograde one lab submission in the sandbox (``learning.assessments.labs.grade_lab_submission``)."""
    from learning.assessments.labs import grade_lab_submission

    return grade_lab_submission(submission_id=submission_id)
