"""Signals enrollment sends to the layers above it (which connect receivers; enrollment imports none of them).

- ``enrollments_completed(sender=CourseEnrollment, enrollment_ids=[...])``: sent inside the transaction
  that turned these enrollments ``completed`` (only the rows this call changed). Receivers that do
  anything lasting defer it with ``transaction.on_commit`` so a rolled-back completion does nothing.
"""

from django.dispatch import Signal

enrollments_completed = Signal()
