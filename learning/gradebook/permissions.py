"""Who may do what with certificates (the gradebook's one permission policy).

- Revoking: whoever manages the offering's enrollments (its instructors, its university's admins).
- Showing or hiding the grade: the certificate's owner only.
- The grading policy, finalising and overriding course grades, revoking from the course-grades page
  (``grading_offerings_managed_by`` / ``can_manage_grading``): the offering's instructors and the admins whose
  scope covers it (the enrollment managers). Reading the course-grades page
  (``course_grades_visible_to`` / ``can_view_course_grades``): also the offering's TAs (the roster's readers).
- A university's grading scales (``can_manage_scales``): its university admins (and platform admins).
- A student's own grades page: the student, while enrolled (active or completed).
- The instructor gradebook (``gradebooks_visible_to`` / ``can_view_gradebook``): the course-grades page's
  readers (instructors, TAs, admins in scope); grid, CSV export.
- Overriding or excusing an item score, importing an item's scores (``can_override_grades``): the grading
  managers only (``can_manage_grading``: the offering's instructors and the admins in scope, not TAs), since
  an override replaces what the item's own grading decided and is a formal decision, like an accommodation.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import get_staff_scope
from catalog.models import CourseOffering
from learning.enrollment.permissions import can_manage_enrollments, offerings_managed_by, rosters_visible_to


def can_revoke_certificate(user, certificate) -> bool:
    return can_manage_enrollments(user, certificate.course_offering)


def can_set_grade_visibility(user, certificate) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and certificate.user_id == user.pk


def grading_offerings_managed_by(user) -> QuerySet[CourseOffering]:
    return offerings_managed_by(user)


def can_manage_grading(user, offering) -> bool:
    return grading_offerings_managed_by(user).filter(pk=offering.pk).exists()


def course_grades_visible_to(user) -> QuerySet[CourseOffering]:
    return rosters_visible_to(user)


def can_view_course_grades(user, offering) -> bool:
    return course_grades_visible_to(user).filter(pk=offering.pk).exists()


def can_manage_scales(user, university) -> bool:
    scope = get_staff_scope(user)
    return scope.platform or university.pk in scope.university_ids


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def gradebooks_visible_to(user) -> QuerySet[CourseOffering]:
    return course_grades_visible_to(user)


def can_view_gradebook(user, offering: CourseOffering) -> bool:
    return _signed_in(user) and can_view_course_grades(user, offering)


def can_override_grades(user, offering: CourseOffering) -> bool:
    return _signed_in(user) and can_manage_grading(user, offering)
