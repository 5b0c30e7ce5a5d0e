"""Who may read, post in and moderate an offering's discussions, and who may review or hide reviews.

Contract (one policy; list pages and detail pages ask the same questions):
- ``discussion_offerings_visible_to(user)``: offerings whose discussions ``user`` may read and post in:
  students whose enrollment is active or completed, and the offering's teaching staff (instructors and
  TAs, ``course_offering_instructors``). Nobody else: not other students, not admins (they moderate in the
  staff console), not another university. Views answer 404 to everyone outside it.
- ``can_moderate_discussions(access)``: lock, pin, remove with a reason, see removed posts, endorse,
  follow everything, set the offering's anonymity option: the offering's instructors and TAs.
- ``can_edit_post(user, post)``: its author, while the post is neither deleted nor removed.
- ``can_see_author(access, post)``: a post marked anonymous hides its author from other students only.
- ``reviews_moderated_by(user)`` / ``can_hide_review(user, offering)``: whoever may manage the offering's
  enrollments (its instructors and the admins whose scope covers it:
  ``learning.enrollment.permissions.offerings_managed_by``); the reviews page shows them the hidden reviews
  of exactly those offerings.
- ``review_eligibility(user, offering)``: see ``REVIEW_SHARE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog.models import CourseOffering, CourseOfferingInstructor
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.enrollment.permissions import offerings_managed_by
from learning.progress.models import UserModuleProgress
from syllabus.models import Module, ModuleType

LEARNER_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
# A student may review an offering once their enrollment is completed or their stored progress on the
# course (the root module's rollup) reaches this percent.
REVIEW_SHARE = Decimal(50)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


@dataclass(frozen=True)
class OfferingAccess:
    """What ``user`` is in ``offering``'s discussions (built by ``selectors.get_offering_access``)."""

    user: object
    offering: CourseOffering
    is_staff: bool
    is_learner: bool

    @property
    def may_read(self) -> bool:
        return self.is_staff or self.is_learner


def staff_exists(user) -> Exists:
    """For a query over offerings: ``user`` teaches the offering (instructor or TA)."""
    return Exists(CourseOfferingInstructor.objects.filter(course_offering_id=OuterRef("pk"), user_id=user.pk))


def learner_exists(user) -> Exists:
    """For a query over offerings: ``user``'s enrollment in it is active or completed."""
    return Exists(
        CourseEnrollment.objects.filter(course_offering_id=OuterRef("pk"), user_id=user.pk, status__in=LEARNER_STATUSES)
    )


def discussion_offerings_visible_to(user) -> QuerySet[CourseOffering]:
    if not _signed_in(user):
        return CourseOffering.objects.none()
    return CourseOffering.objects.filter(Q(staff_exists(user)) | Q(learner_exists(user)))


def can_read_discussions(user, offering: CourseOffering) -> bool:
    return _signed_in(user) and discussion_offerings_visible_to(user).filter(pk=offering.pk).exists()


def can_moderate_discussions(access: OfferingAccess) -> bool:
    return access.is_staff


def can_edit_post(user, post) -> bool:
    return _signed_in(user) and post.user_id == user.pk and not post.is_deleted and post.removed_at is None


def can_see_author(access: OfferingAccess, post) -> bool:
    return not post.is_anonymous or access.is_staff or post.user_id == access.user.pk


def reviews_moderated_by(user) -> QuerySet[CourseOffering]:
    """Offerings whose reviews ``user`` may hide, un-hide and see hidden (the reviews page lists them)."""
    if not _signed_in(user):
        return CourseOffering.objects.none()
    return offerings_managed_by(user)


def can_hide_review(user, offering: CourseOffering) -> bool:
    return reviews_moderated_by(user).filter(pk=offering.pk).exists()


def review_eligibility(user, offering: CourseOffering) -> bool:
    """Enrolled (active or completed) in ``offering`` and either completed or at ``REVIEW_SHARE`` percent."""
    if not _signed_in(user):
        return False
    enrollment = (
        CourseEnrollment.objects.filter(course_offering_id=offering.pk, user_id=user.pk, status__in=LEARNER_STATUSES)
        .annotate(
            share=Exists(
                UserModuleProgress.objects.filter(
                    user_id=user.pk,
                    course_offering_id=offering.pk,
                    progress_percent__gte=REVIEW_SHARE,
                    module__in=Module.objects.filter(course_id=offering.course_id, module_type=ModuleType.COURSE_ROOT),
                )
            )
        )
        .values_list("status", "share")
        .first()
    )
    if enrollment is None:
        return False
    status, share = enrollment
    return status == EnrollmentStatus.COMPLETED or share
