"""Who may take, review and manage quizzes (one policy for list and detail pages).

Contract:
- ``can_take_quiz(user, offering)``: a signed-in student whose enrollment in the offering is active or
  completed. Attempts are always the student's own: other users' attempts are not visible to them.
- ``quiz_offerings_visible_to(user)`` / ``can_view_attempts(user, offering)``: everyone who teaches the
  offering (instructors and TAs) and the admins whose scope covers it — the roster's readers
  (``learning.enrollment.permissions.rosters_visible_to``): attempts list, per-attempt review, item
  analysis, CSV export.
- ``can_grade_quiz(user, offering)``: re-grade and allow a new attempt — TAs too (they grade).
- ``can_manage_accommodations(user, offering)``: set and remove accommodations — the roster's managers
  (instructors, not TAs, and admins: ``offerings_managed_by``), since accommodations are formal decisions.
"""

from __future__ import annotations

from django.db.models import QuerySet

from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment
from learning.enrollment.permissions import LEARNER_STATUSES, offerings_managed_by, rosters_visible_to


def is_signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def can_take_quiz(user, offering: CourseOffering) -> bool:
    if not is_signed_in(user):
        return False
    return CourseEnrollment.objects.filter(
        user_id=user.pk, course_offering_id=offering.pk, status__in=LEARNER_STATUSES
    ).exists()


def quiz_offerings_visible_to(user) -> QuerySet[CourseOffering]:
    return rosters_visible_to(user)


def can_view_attempts(user, offering: CourseOffering) -> bool:
    return is_signed_in(user) and quiz_offerings_visible_to(user).filter(pk=offering.pk).exists()


def can_grade_quiz(user, offering: CourseOffering) -> bool:
    return can_view_attempts(user, offering)


def can_manage_accommodations(user, offering: CourseOffering) -> bool:
    return is_signed_in(user) and offerings_managed_by(user).filter(pk=offering.pk).exists()
