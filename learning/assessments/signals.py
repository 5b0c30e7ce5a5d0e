"""Signals assessments send to the layers above it (which connect receivers; assessments imports none of them).

- ``grades_changed(sender, offering_id=int, user_ids=[...])``: sent inside the transaction that changed what
  counts for these students in that offering (a quiz attempt graded or re-graded, a lab scored or overridden,
  an assignment grade changed or posted: every ``audit.record_grade_change`` and the quiz grading path).
  Receivers that do anything lasting defer it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

grades_changed = Signal()


def send_grades_changed(*, offering_id: int, user_ids) -> None:
    grades_changed.send(sender=None, offering_id=offering_id, user_ids=list(user_ids))
