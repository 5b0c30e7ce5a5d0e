"""Who may manage enrollments and invitations of an offering.

Contract:
- ``can_manage_enrollments(user, offering)``: approve/decline/complete/promote/enroll others and create
  invitations. Instructors of the offering (``course_offering_instructors.role = instructor``; TAs do
  not), and admins whose staff scope covers the offering (platform; university admin of its
  university; department admin of its course's department) — the same scope as the staff console.
- ``offerings_managed_by(user)``: the offerings the same rule allows, for list pages.
- ``rosters_visible_to(user)`` / ``can_view_roster(user, offering)``: the offerings whose roster (pending
  requests, waitlist, students) ``user`` may read: everyone who teaches the offering (instructors and TAs)
  and the admins of ``offerings_managed_by``. Acting on the roster is ``can_manage_enrollments``.
- ``can_drop_enrollment(user, enrollment)``: the student themself, or whoever may manage the offering.
- ``can_view_asset_as_learner(user, asset)``: a student whose enrollment is active or completed in an
  offering of a course where an active item of a published module uses the asset (an ``asset_id``
  anywhere in its ``data_json``), and the asset is that course's university's or platform-wide.
"""

from __future__ import annotations

from django.db.models import BooleanField, Func, Q, QuerySet

from accounts.permissions import get_staff_scope, scope_q
from catalog.models import CourseOffering, CourseOfferingInstructor, OfferingStaffRole
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from syllabus.models import ContentItem

LEARNER_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def _taught_or_administered(user, *, instructors_only: bool) -> QuerySet[CourseOffering]:
    """Offerings ``user`` teaches (as instructor only, or in any teaching role) or administers."""
    if not _signed_in(user):
        return CourseOffering.objects.none()
    scope = get_staff_scope(user)
    if scope.platform:
        return CourseOffering.objects.all()
    teaching = CourseOfferingInstructor.objects.filter(user_id=user.pk)
    if instructors_only:
        teaching = teaching.filter(role=OfferingStaffRole.INSTRUCTOR)
    q = Q(pk__in=teaching.values("course_offering_id"))
    if scope.is_admin:
        q |= scope_q(user, university="university", department="course__department")
    return CourseOffering.objects.filter(q)


def offerings_managed_by(user) -> QuerySet[CourseOffering]:
    return _taught_or_administered(user, instructors_only=True)


def rosters_visible_to(user) -> QuerySet[CourseOffering]:
    return _taught_or_administered(user, instructors_only=False)


def can_view_roster(user, offering: CourseOffering) -> bool:
    if not _signed_in(user):
        return False
    return rosters_visible_to(user).filter(pk=offering.pk).exists()


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


class _UsesAsset(Func):
    """``data_json`` holds ``"asset_id": <id>`` at any depth (text blocks, video, assignment instructions)."""

    function = "jsonb_path_exists"
    template = "%(function)s(%(expressions)s, 'strict $.** ? (@.asset_id == $id)', jsonb_build_object('id', %%s))"
    output_field = BooleanField()

    def __init__(self, expression, asset_id: int):
        super().__init__(expression)
        self.asset_id = asset_id

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return sql, (*params, self.asset_id)


def can_view_asset_as_learner(user, asset) -> bool:
    if not _signed_in(user):
        return False
    courses = CourseEnrollment.objects.filter(user_id=user.pk, status__in=LEARNER_STATUSES).values(
        "course_offering__course_id"
    )
    items = ContentItem.objects.filter(course_id__in=courses, is_active=True, module__is_published=True)
    if asset.university_id is not None:
        items = items.filter(university_id=asset.university_id)
    return items.filter(_UsesAsset("data_json", asset.pk)).exists()
