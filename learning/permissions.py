"""Who may manage enrollments and invitations of an offering.

Contract:
- ``can_manage_enrollments(user, offering)``: approve/decline/complete/promote/enroll others and create
  invitations. Instructors of the offering (``course_offering_instructors.role = instructor``; TAs do
  not), and admins whose staff scope covers the offering (platform; university admin of its
  university; department admin of its course's department) — the same scope as the staff console.
- ``offerings_managed_by(user)``: the offerings the same rule allows, for list pages.
- ``can_drop_enrollment(user, enrollment)``: the student themself, or whoever may manage the offering.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.permissions import get_staff_scope, scope_q
from catalog.models import CourseOffering, CourseOfferingInstructor, OfferingStaffRole


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def offerings_managed_by(user) -> QuerySet[CourseOffering]:
    if not _signed_in(user):
        return CourseOffering.objects.none()
    teaching = CourseOfferingInstructor.objects.filter(user_id=user.pk, role=OfferingStaffRole.INSTRUCTOR).values(
        "course_offering_id"
    )
    scope = get_staff_scope(user)
    if scope.platform:
        return CourseOffering.objects.all()
    q = Q(pk__in=teaching)
    if scope.is_admin:
        q |= scope_q(user, university="university", department="course__department")
    return CourseOffering.objects.filter(q)


def can_manage_enrollments(user, offering: CourseOffering) -> bool:
    if not _signed_in(user):
        return False
    return offerings_managed_by(user).filter(pk=offering.pk).exists()


def can_drop_enrollment(user, enrollment) -> bool:
    if not _signed_in(user):
        return False
    if enrollment.user_id == user.pk:
        return True
    return can_manage_enrollments(user, enrollment.course_offering)
