"""The gradebook's receivers of lower layers' signals (connected in ``LearningConfig.ready``)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from learning.assessments.signals import grades_changed
from learning.enrollment.signals import enrollments_completed
from learning.gradebook.grades import schedule_recompute
from learning.gradebook.services import issue_for_enrollments


@receiver(enrollments_completed, dispatch_uid="learning.gradebook.issue_certificates")
def issue_certificates_on_completion(sender, *, enrollment_ids, **kwargs) -> None:
    """Issue certificates once the completion commits (a rolled-back completion issues nothing).
    ``robust``: a failure to issue must not turn the student's completed step into an error; the
    certificate is issued by a later call (``issue_certificate`` is idempotent)."""
    transaction.on_commit(partial(issue_for_enrollments, list(enrollment_ids)), robust=True)


@receiver(grades_changed, dispatch_uid="learning.gradebook.recompute_course_grades")
def recompute_on_grade_change(sender, *, offering_id, user_ids, **kwargs) -> None:
    """A grade that counts changed: recompute those students' course grades after commit."""
    schedule_recompute(offering_id, user_ids)
