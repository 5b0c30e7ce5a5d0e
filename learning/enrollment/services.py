"""Enrollment services: the one writer of ``course_enrollments`` (invitations: :mod:`.invitations`;
the access rules every request is checked against: :mod:`.rules`; progress has its own writer in
:mod:`learning.progress.services`).

Contract:
- Keyword-only, typed; ``actor`` is the acting user. Every refusal raises ``ValidationError`` (a rule of
  the offering or of the student's standing) or ``PermissionDenied`` (the actor may not act), carrying
  one of the module-level message constants below; the transaction is rolled back, so a refusal writes
  nothing.
- Every service that changes an offering's enrollments first locks the offering row
  (``SELECT … FOR UPDATE``): requests for the same offering are serialised, which is what keeps capacity
  and the waitlist exact under concurrency. Under that lock the counts are recomputed from the rows and
  written through ``catalog.services.set_offering_counts`` (the only writer of those columns).
- Seats are taken by ``active`` and ``completed`` enrollments. When ``capacity`` is reached a request is
  ``waitlisted`` with position ``waitlist_count + 1``; positions stay dense (1..n, first come first served).
  Whenever a seat frees (a drop), the first waitlisted students are promoted to ``active`` until the
  offering is full again, and each is told by e-mail.
- Rules of :func:`request_enrollment` (:mod:`learning.enrollment.rules`), in this order: the course is published and the offering reachable
  (public; unlisted → its link, a valid invitation or an earlier enrollment; invite_only → a valid
  invitation by code or e-mail, or a live enrollment: a dropped or declined student needs a valid invitation
  again; private → a role at the university); no live
  enrollment exists; the enrollment window is open and the offering has not ended; strict prerequisites
  are completed (a completed enrollment or a passing course grade in any offering of that course);
  co-requisites are completed or taken (active/completed) in an offering whose dates overlap this one;
  then approval (``pending``) or capacity (``active`` / ``waitlisted``). Unmet *recommended* prerequisites
  do not refuse: they come back in ``enrollment.warnings``.
- Re-enrolling after a drop reactivates the same row (``(user, offering)`` is unique).
- E-mail is sent after commit (``transaction.on_commit``), never inside the transaction.
- Course completion (:func:`record_course_completion`, :func:`record_course_completions`): when a
  student's course-root rollup completes, ``learning.progress`` (the layer above) calls these to turn
  the ``active`` enrollment into ``completed`` with ``completed_at``. Idempotent (only ``active`` rows change) and never
  reverted by a later structure change; seats are unchanged (both states hold one). Every completion
  (these two and staff's ``complete_enrollment``) sends ``learning.enrollment.signals.enrollments_completed``
  with the ids it changed, so a higher layer (the gradebook's certificates) can act without enrollment importing it.
"""


from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from catalog import services as catalog_services
from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment, CourseInvitation, EnrollmentStatus
from learning.enrollment.permissions import can_drop_enrollment, can_manage_enrollments
from learning.enrollment.rules import (
    check_access,
    check_enrollment_window,
    check_not_live,
    check_prerequisites,
    signed_in,
)
from learning.enrollment.signals import enrollments_completed
from learning.notifications.models import NotificationKind
from learning.notifications.services import notify

SIGN_IN_REQUIRED = gettext_noop("Sign in to enroll.")
NOT_ALLOWED = gettext_noop("You may not manage the enrollments of this offering.")
NOT_YOUR_ENROLLMENT = gettext_noop("You may not change this enrollment.")
NOT_PENDING = gettext_noop("Only a request waiting for approval can be approved or declined.")
NOT_DROPPABLE = gettext_noop("Only an active, pending or waitlisted enrollment can be dropped.")
NOT_ACTIVE = gettext_noop("Only an active enrollment can be completed.")
NOT_WAITLISTED = gettext_noop("Only a waitlisted student can be promoted.")
NO_SEAT = gettext_noop("The offering is full: no seat is free for a promotion.")

SEAT_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
DROPPABLE_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PENDING, EnrollmentStatus.WAITLISTED)
LIVE_STATUSES = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.PENDING,
    EnrollmentStatus.WAITLISTED,
)


# --- helpers -----------------------------------------------------------------------------------


def _lock_offering(offering_id: int) -> CourseOffering:
    return (
        CourseOffering.objects.select_for_update(of=("self",))
        .select_related("course", "university")
        .get(pk=offering_id)
    )


def _lock_enrollment(enrollment_id: int) -> CourseEnrollment:
    return CourseEnrollment.objects.select_for_update().get(pk=enrollment_id)


def _counts(offering_id: int) -> tuple[int, int]:
    agg = CourseEnrollment.objects.filter(course_offering_id=offering_id).aggregate(
        enrolled=Count("pk", filter=Q(status__in=SEAT_STATUSES)),
        waitlisted=Count("pk", filter=Q(status=EnrollmentStatus.WAITLISTED)),
    )
    return agg["enrolled"], agg["waitlisted"]


def _has_seat(offering: CourseOffering, enrolled: int) -> bool:
    return offering.capacity is None or enrolled < offering.capacity


def _save_counts(offering: CourseOffering) -> tuple[int, int]:
    enrolled, waitlisted = _counts(offering.pk)
    catalog_services.set_offering_counts(offering_id=offering.pk, enrolled_count=enrolled, waitlist_count=waitlisted)
    offering.enrolled_count, offering.waitlist_count = enrolled, waitlisted
    return enrolled, waitlisted


def _set_status(enrollment: CourseEnrollment, status: str, *, position: int | None = None, now=None) -> None:
    now = now or timezone.now()
    enrollment.status = status
    enrollment.waitlist_position = position
    enrollment.status_changed_at = now
    fields = ["status", "waitlist_position", "status_changed_at"]
    if status == EnrollmentStatus.COMPLETED:
        enrollment.completed_at = now
        fields.append("completed_at")
    elif enrollment.completed_at is not None:
        enrollment.completed_at = None
        fields.append("completed_at")
    enrollment.save(update_fields=fields)


def _close_gap(offering_id: int, position: int) -> None:
    """Keep the waitlist dense after the student at ``position`` left it."""
    CourseEnrollment.objects.filter(
        course_offering_id=offering_id, status=EnrollmentStatus.WAITLISTED, waitlist_position__gt=position
    ).update(waitlist_position=F("waitlist_position") - 1)


def _notify(user, offering: CourseOffering, kind: str, text: str, *, to_course: bool = True) -> None:
    """Tell the student through the notification service (in the app, and by e-mail per their preference,
    from the task queue after this transaction commits). ``to_course``: link to the course player, else to
    the catalog's course page."""
    course = offering.course
    if to_course:
        url = reverse("player:resume", kwargs={"offering_id": offering.pk})
    else:
        url = reverse("catalog:course-detail", args=[course.university.short_code, course.code])
    notify(user_ids=[user.pk], kind=kind, text=text, url=url, university_id=course.university_id)


def course_label(offering: CourseOffering) -> str:
    term = f" ({offering.term_name})" if offering.term_name else ""
    return f"{offering.course.code} {offering.course.title}{term}"


def _fill_free_seats(offering: CourseOffering) -> list[CourseEnrollment]:
    """Promote waitlisted students in order while seats are free. Called under the offering lock."""
    promoted: list[CourseEnrollment] = []
    enrolled, _ = _counts(offering.pk)
    if not _has_seat(offering, enrolled):
        return promoted
    free = None if offering.capacity is None else offering.capacity - enrolled
    queue = CourseEnrollment.objects.select_for_update().select_related("user").filter(
        course_offering_id=offering.pk, status=EnrollmentStatus.WAITLISTED
    ).order_by("waitlist_position", "id")
    if free is not None:
        queue = queue[:free]
    now = timezone.now()
    for enrollment in list(queue):
        _set_status(enrollment, EnrollmentStatus.ACTIVE, now=now)
        promoted.append(enrollment)
    if promoted:
        # Positions are dense and the promoted ones were 1..k: everyone left moves up by k.
        CourseEnrollment.objects.filter(
            course_offering_id=offering.pk, status=EnrollmentStatus.WAITLISTED
        ).update(waitlist_position=F("waitlist_position") - len(promoted))
        for enrollment in promoted:
            _notify(
                enrollment.user,
                offering,
                NotificationKind.WAITLIST_PROMOTED,
                f"A seat is yours: a seat freed up in {course_label(offering)} and you have been moved from the "
                "waiting list to the course. You can start learning now.",
            )
    return promoted


def require_manager(actor, offering: CourseOffering) -> None:
    if not can_manage_enrollments(actor, offering):
        raise PermissionDenied(gettext(NOT_ALLOWED))


# --- the student's side ------------------------------------------------------------------------


def request_enrollment(
    *, actor, offering: CourseOffering, invitation_code: str | None = None, link_token: str | None = None
) -> CourseEnrollment:
    """Enroll ``actor`` in ``offering`` under every rule of the module docstring.

    Returns the enrollment (``active``, ``pending`` or ``waitlisted``) with ``warnings`` (a list of
    messages, the unmet recommended prerequisites)."""
    if not signed_in(actor):
        raise PermissionDenied(gettext(SIGN_IN_REQUIRED))
    with transaction.atomic():
        offering = _lock_offering(offering.pk)
        existing = CourseEnrollment.objects.select_for_update().filter(
            user_id=actor.pk, course_offering_id=offering.pk
        ).first()
        invitation = check_access(
            actor=actor, offering=offering, existing=existing, invitation_code=invitation_code, link_token=link_token
        )
        check_not_live(existing)
        now = timezone.now()
        check_enrollment_window(offering, now)
        warnings = check_prerequisites(user=actor, offering=offering)

        enrolled, waitlisted = _counts(offering.pk)
        position = None
        if offering.requires_approval:
            status = EnrollmentStatus.PENDING
        elif _has_seat(offering, enrolled):
            status = EnrollmentStatus.ACTIVE
        else:
            status, position = EnrollmentStatus.WAITLISTED, waitlisted + 1

        if existing is None:
            # Timestamps taken under the offering lock, so their order is the order of the line.
            enrollment = CourseEnrollment.objects.create(
                user=actor, course_offering=offering, status=status, waitlist_position=position,
                enrolled_at=now, status_changed_at=now,
            )
        else:
            enrollment = existing
            enrollment.enrolled_at = now
            enrollment.save(update_fields=["enrolled_at"])
            _set_status(enrollment, status, position=position, now=now)
        if invitation is not None:
            CourseInvitation.objects.filter(pk=invitation.pk).update(used_count=F("used_count") + 1)
        _save_counts(offering)
        if status == EnrollmentStatus.PENDING:
            _notify(
                actor,
                offering,
                NotificationKind.ENROLLMENT_REQUESTED,
                f"Request received: your request to join {course_label(offering)} is waiting for an "
                "instructor's approval. We will tell you once it is decided.",
                to_course=False,
            )
    enrollment.course_offering = offering
    enrollment.warnings = warnings
    return enrollment


def drop_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    """Drop an active, pending or waitlisted enrollment; a freed seat goes to the waitlist, in order."""
    if not can_drop_enrollment(actor, enrollment):
        raise PermissionDenied(gettext(NOT_YOUR_ENROLLMENT))
    with transaction.atomic():
        offering = _lock_offering(enrollment.course_offering_id)
        enrollment = _lock_enrollment(enrollment.pk)
        if enrollment.status not in DROPPABLE_STATUSES:
            raise ValidationError(gettext(NOT_DROPPABLE), code="not_droppable")
        previous, position = enrollment.status, enrollment.waitlist_position
        _set_status(enrollment, EnrollmentStatus.DROPPED)
        if previous == EnrollmentStatus.WAITLISTED:
            _close_gap(offering.pk, position)
        elif previous == EnrollmentStatus.ACTIVE:
            _fill_free_seats(offering)
        _save_counts(offering)
    return enrollment


# --- staff -------------------------------------------------------------------------------------


def _lock_for_staff(actor, enrollment: CourseEnrollment, status: str, message: str, code: str):
    """The preamble of every staff transition, inside the caller's transaction: lock the offering, check
    that ``actor`` manages its enrollments, lock the enrollment and require its current ``status``."""
    offering = _lock_offering(enrollment.course_offering_id)
    require_manager(actor, offering)
    enrollment = _lock_enrollment(enrollment.pk)
    if enrollment.status != status:
        raise ValidationError(message, code=code)
    return offering, enrollment


def approve_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    """A pending request becomes active, or waitlisted when the offering is full."""
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.PENDING, gettext(NOT_PENDING), "not_pending")
        enrolled, waitlisted = _counts(offering.pk)
        if _has_seat(offering, enrolled):
            _set_status(enrollment, EnrollmentStatus.ACTIVE)
            body = f"Enrollment approved: your request to join {course_label(offering)} was approved. You can start learning now."
        else:
            _set_status(enrollment, EnrollmentStatus.WAITLISTED, position=waitlisted + 1)
            body = (
                f"Enrollment approved: your request to join {course_label(offering)} was approved. The course is "
                f"full, so you are number {waitlisted + 1} on the waiting list; we will tell you when a seat frees up."
            )
        _save_counts(offering)
        _notify(enrollment.user, offering, NotificationKind.ENROLLMENT_APPROVED, body)
    return enrollment


def decline_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.PENDING, gettext(NOT_PENDING), "not_pending")
        _set_status(enrollment, EnrollmentStatus.DROPPED)
        _save_counts(offering)
        _notify(
            enrollment.user,
            offering,
            NotificationKind.ENROLLMENT_DECLINED,
            f"Enrollment request declined: your request to join {course_label(offering)} was declined by the "
            "course staff.",
            to_course=False,
        )
    return enrollment


def complete_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.ACTIVE, gettext(NOT_ACTIVE), "not_active")
        _set_status(enrollment, EnrollmentStatus.COMPLETED)
        _save_counts(offering)
        enrollments_completed.send(sender=CourseEnrollment, enrollment_ids=[enrollment.pk])
    return enrollment


def record_course_completion(*, enrollment_id: int, now: datetime | None = None) -> bool:
    """The student completed the course root: an ``active`` enrollment becomes ``completed``.

    Called by ``learning.progress.services`` under its lock on the enrollment row. Idempotent: True only when
    this call made the transition (a completed, dropped or missing enrollment is left alone)."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = CourseEnrollment.objects.filter(pk=enrollment_id, status=EnrollmentStatus.ACTIVE).update(
            status=EnrollmentStatus.COMPLETED, completed_at=now, status_changed_at=now
        )
        if changed == 1:
            enrollments_completed.send(sender=CourseEnrollment, enrollment_ids=[enrollment_id])
    return changed == 1


def record_course_completions(*, offering_id: int, user_ids, now: datetime | None = None) -> int:
    """Bulk form for ``learning.progress.rollups.recompute_course_rollups``: every ``active`` enrollment of
    the offering whose student is in ``user_ids`` (ids, or a ``values("user_id")`` subquery: the students
    whose course-root rollup is complete) becomes ``completed``. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            CourseEnrollment.objects.select_for_update()
            .filter(course_offering_id=offering_id, status=EnrollmentStatus.ACTIVE, user_id__in=user_ids)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        changed = CourseEnrollment.objects.filter(pk__in=ids, status=EnrollmentStatus.ACTIVE).update(
            status=EnrollmentStatus.COMPLETED, completed_at=now, status_changed_at=now
        )
        enrollments_completed.send(sender=CourseEnrollment, enrollment_ids=ids)
    return changed

def promote_from_waitlist(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    """Staff move one waitlisted student in (e.g. out of order, after raising the capacity)."""
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.WAITLISTED, gettext(NOT_WAITLISTED), "not_waitlisted")
        enrolled, _ = _counts(offering.pk)
        if not _has_seat(offering, enrolled):
            raise ValidationError(gettext(NO_SEAT), code="no_seat")
        position = enrollment.waitlist_position
        _set_status(enrollment, EnrollmentStatus.ACTIVE)
        _close_gap(offering.pk, position)
        _save_counts(offering)
        _notify(
            enrollment.user,
            offering,
            NotificationKind.WAITLIST_PROMOTED,
            f"A seat is yours: you have been moved from the waiting list into {course_label(offering)}.",
        )
    return enrollment


def staff_enroll_users(*, actor, offering: CourseOffering, users: Iterable) -> list[CourseEnrollment]:
    """Staff enroll users directly as ``active``: a deliberate override of window, prerequisites,
    approval and capacity. Users already active or completed are left as they are."""
    users = list(users)
    with transaction.atomic():
        offering = _lock_offering(offering.pk)
        require_manager(actor, offering)
        existing = {
            e.user_id: e
            for e in CourseEnrollment.objects.select_for_update().filter(
                course_offering_id=offering.pk, user_id__in=[u.pk for u in users]
            )
        }
        result, new_rows = [], []
        now = timezone.now()
        for user in users:
            enrollment = existing.get(user.pk)
            if enrollment is None:
                enrollment = CourseEnrollment(user=user, course_offering=offering, status=EnrollmentStatus.ACTIVE)
                new_rows.append(enrollment)
            elif enrollment.status not in SEAT_STATUSES:
                position = enrollment.waitlist_position
                _set_status(enrollment, EnrollmentStatus.ACTIVE, now=now)
                if position is not None:
                    _close_gap(offering.pk, position)
            result.append(enrollment)
        # New rows in bulk (a 10,000-row CSV import is a handful of INSERTs, not 10,000).
        CourseEnrollment.objects.bulk_create(new_rows, batch_size=2000)
        _save_counts(offering)
    return result
