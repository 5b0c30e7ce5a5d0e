"""The gradebook's receivers of lower layers' signals (connected in ``LearningConfig.ready``)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from learning.enrollment.signals import enrollments_completed
from learning.gradebook.services import issue_for_enrollments


@receiver(enrollments_completed, dispatch_uid="learning.gradebook.issue_certificates")
def issue_certificates_on_completion(sender, *, enrollment_ids, **kwargs) -> None:
    """Issue certificates once the completion commits (a rolled-back completion issues nothing).
    ``robust``: a failure to issue must not turn the student's completed step into an error; the
    certificate is issued by a later call (``issue_certificate`` is idempotent)."""
    transaction.on_commit(partial(issue_for_enrollments, list(enrollment_ids)), robust=True)
