"""Background tasks of the gradebook (django-tasks; ``manage.py db_worker`` in production, immediate in tests).

- ``recompute_course_grades_task(offering_id, user_ids=None)``: a whole large offering's course grades
  (``grades.run_or_enqueue_recompute`` sends it here above ``grades.INLINE_LIMIT`` learners).
- ``recompute_ended_course_grades_task()``: once per offering after it ends (not finalised), queued by the
  scheduler's job ``grades.queue_ended_offerings`` (also ``manage.py recompute_ended_course_grades``).

Arguments are ids, never model instances.
"""

from __future__ import annotations

from django_tasks import task

from catalog.models import CourseOffering
from learning.gradebook import grades


@task()
def recompute_course_grades_task(offering_id: int, user_ids: list[int] | None = None) -> int:
    offering = CourseOffering.objects.filter(pk=offering_id).first()
    if offering is None:
        return 0
    return grades.recompute_course_grades(offering, user_ids=user_ids)


@task()
def recompute_ended_course_grades_task() -> int:
    return grades.recompute_ended_offerings()
