"""Enrollment services: the one writer of ``course_enrollments`` and ``course_invitations`` (progress has
its own writer in :mod:`learning.progress`).

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
- Rules of :func:`request_enrollment`, in this order: the course is published and the offering reachable
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
  student's course-root rollup completes, ``learning.progress`` calls these to turn the ``active``
  enrollment into ``completed`` with ``completed_at``. Idempotent (only ``active`` rows change) and never
  reverted by a later structure change; seats are unchanged (both states hold one).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import UserProfile, UserSubjectPreference
from catalog import services as catalog_services
from catalog.models import CourseOffering, OfferingVisibility
from catalog.permissions import member_university_ids, offering_id_from_link
from learning.models import CourseEnrollment, CourseInvitation, EnrollmentStatus, UserModuleProgress
from learning.permissions import can_drop_enrollment, can_manage_enrollments
from learning.selectors import get_prerequisite_standing

SIGN_IN_REQUIRED = "Sign in to enroll."
OFFERING_NOT_AVAILABLE = "This offering is not available to you."
UNLISTED_LINK_REQUIRED = "This offering is open only through its own link or an invitation."
INVITATION_REQUIRED = "This offering is by invitation only: enter a valid invitation code."
INVITATION_INVALID = "This invitation code is not valid for this offering."
INVITATION_EXPIRED = "This invitation has expired."
INVITATION_USED_UP = "This invitation has already been used as many times as it allows."
INVITATION_OTHER_EMAIL = "This invitation was sent to another e-mail address."
ENROLLMENT_NOT_OPEN_YET = "Enrollment opens on {date}."
ENROLLMENT_CLOSED = "Enrollment for this offering is closed."
PREREQUISITES_MISSING = "Complete the prerequisites first: {courses}."
COREQUISITES_MISSING = "Co-requisites are needed in the same term: {courses}."
RECOMMENDED_WARNING = "Recommended preparation you have not completed yet: {courses}."
ALREADY_ENROLLED = "You are already enrolled in this offering."
ALREADY_COMPLETED = "You have already completed this offering."
ALREADY_PENDING = "Your request is already waiting for approval."
ALREADY_WAITLISTED = "You are already on the waiting list (position {position})."
NOT_ALLOWED = "You may not manage the enrollments of this offering."
NOT_YOUR_ENROLLMENT = "You may not change this enrollment."
NOT_PENDING = "Only a request waiting for approval can be approved or declined."
NOT_DROPPABLE = "Only an active, pending or waitlisted enrollment can be dropped."
NOT_ACTIVE = "Only an active enrollment can be completed."
NOT_WAITLISTED = "Only a waitlisted student can be promoted."
NO_SEAT = "The offering is full: no seat is free for a promotion."
INVITATION_EMAIL_INVALID = "Enter a valid e-mail address."
INVITATION_MAX_USES_INVALID = "The number of uses must be at least 1."
INVITATION_EXPIRY_PAST = "The expiry must be in the future."

SEAT_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
DROPPABLE_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PENDING, EnrollmentStatus.WAITLISTED)
LIVE_STATUSES = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.PENDING,
    EnrollmentStatus.WAITLISTED,
)


# --- helpers -----------------------------------------------------------------------------------


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def local_display(dt: datetime, time_zone: str) -> str:
    """A date as the university shows it (its own time zone)."""
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = timezone.localtime(dt, zone)
    return f"{local:%d %b %Y, %H:%M} ({zone.key})"


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


def _notify(user, subject: str, body: str) -> None:
    email = user.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    )


def _course_label(offering: CourseOffering) -> str:
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
                f"A seat is yours: {offering.course.code}",
                f"A seat freed up in {_course_label(offering)} and you have been moved from the waiting list "
                "to the course. You can start learning now.",
            )
    return promoted


def _require_manager(actor, offering: CourseOffering) -> None:
    if not can_manage_enrollments(actor, offering):
        raise PermissionDenied(NOT_ALLOWED)


# --- access rules ------------------------------------------------------------------------------


def _check_invitation(*, actor, offering: CourseOffering, code: str | None) -> CourseInvitation | None:
    """The invitation that admits ``actor`` (locked), or None when there is none. Raises for a bad code."""
    now = timezone.now()
    if code:
        invitation = CourseInvitation.objects.select_for_update().filter(code=code.strip()).first()
        if invitation is None or invitation.course_offering_id != offering.pk:
            raise ValidationError(INVITATION_INVALID, code="invitation_invalid")
        if invitation.expires_at is not None and invitation.expires_at <= now:
            raise ValidationError(INVITATION_EXPIRED, code="invitation_expired")
        if invitation.max_uses is not None and invitation.used_count >= invitation.max_uses:
            raise ValidationError(INVITATION_USED_UP, code="invitation_used_up")
        if invitation.email and invitation.email.lower() != (actor.email or "").lower():
            raise ValidationError(INVITATION_OTHER_EMAIL, code="invitation_other_email")
        return invitation
    return (
        CourseInvitation.objects.select_for_update()
        .filter(course_offering_id=offering.pk, email__iexact=actor.email)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(Q(max_uses__isnull=True) | Q(used_count__lt=F("max_uses")))
        .order_by("pk")
        .first()
    )


def _check_access(
    *, actor, offering: CourseOffering, existing: CourseEnrollment | None, invitation_code: str | None,
    link_token: str | None,
) -> CourseInvitation | None:
    if not offering.course.is_published:
        raise ValidationError(OFFERING_NOT_AVAILABLE, code="not_available")
    visibility = offering.visibility
    if visibility == OfferingVisibility.PUBLIC:
        return None
    if visibility == OfferingVisibility.PRIVATE:
        if offering.university_id not in member_university_ids(actor):
            raise ValidationError(OFFERING_NOT_AVAILABLE, code="not_available")
        return None
    # unlisted / invite_only: a code is checked when given (a wrong code is an error even with a link).
    invitation = _check_invitation(actor=actor, offering=offering, code=invitation_code)
    if invitation is not None:
        return invitation
    # A live enrollment goes on to its "already enrolled" message. A dropped (or declined) one opens an
    # unlisted offering again (its link is not a secret from a former student), but not an invite-only one:
    # invitations are counted and expire, so coming back takes a valid invitation, like the first time.
    if existing is not None and (
        existing.status != EnrollmentStatus.DROPPED or visibility == OfferingVisibility.UNLISTED
    ):
        return None
    if visibility == OfferingVisibility.UNLISTED:
        if offering_id_from_link(link_token) == offering.pk:
            return None
        raise ValidationError(UNLISTED_LINK_REQUIRED, code="link_required")
    raise ValidationError(INVITATION_REQUIRED, code="invitation_required")


def _check_not_live(existing: CourseEnrollment | None) -> None:
    if existing is None or existing.status == EnrollmentStatus.DROPPED:
        return
    if existing.status == EnrollmentStatus.ACTIVE:
        raise ValidationError(ALREADY_ENROLLED, code="already_enrolled")
    if existing.status == EnrollmentStatus.COMPLETED:
        raise ValidationError(ALREADY_COMPLETED, code="already_completed")
    if existing.status == EnrollmentStatus.PENDING:
        raise ValidationError(ALREADY_PENDING, code="already_pending")
    raise ValidationError(
        ALREADY_WAITLISTED.format(position=existing.waitlist_position), code="already_waitlisted"
    )


def check_enrollment_window(offering: CourseOffering, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if offering.enrollment_start is not None and now < offering.enrollment_start:
        raise ValidationError(
            ENROLLMENT_NOT_OPEN_YET.format(date=local_display(offering.enrollment_start, offering.university.time_zone)),
            code="not_open_yet",
        )
    if (offering.enrollment_end is not None and now >= offering.enrollment_end) or (
        offering.ends_at is not None and now >= offering.ends_at
    ):
        raise ValidationError(ENROLLMENT_CLOSED, code="closed")


def check_prerequisites(*, user, offering: CourseOffering) -> list[str]:
    """Raise for unmet strict prerequisites and co-requisites; return the warnings of recommended ones."""
    standing = get_prerequisite_standing(user=user, course=offering.course)
    missing = standing.missing_for(offering)
    if missing.strict:
        raise ValidationError(
            PREREQUISITES_MISSING.format(courses=", ".join(missing.strict)), code="prerequisites_missing"
        )
    if missing.co_requisite:
        raise ValidationError(
            COREQUISITES_MISSING.format(courses=", ".join(missing.co_requisite)), code="corequisites_missing"
        )
    if missing.recommended:
        return [RECOMMENDED_WARNING.format(courses=", ".join(missing.recommended))]
    return []


# --- the student's side ------------------------------------------------------------------------


def request_enrollment(
    *, actor, offering: CourseOffering, invitation_code: str | None = None, link_token: str | None = None
) -> CourseEnrollment:
    """Enroll ``actor`` in ``offering`` under every rule of the module docstring.

    Returns the enrollment (``active``, ``pending`` or ``waitlisted``) with ``warnings`` (a list of
    messages, the unmet recommended prerequisites)."""
    if not _signed_in(actor):
        raise PermissionDenied(SIGN_IN_REQUIRED)
    with transaction.atomic():
        offering = _lock_offering(offering.pk)
        existing = CourseEnrollment.objects.select_for_update().filter(
            user_id=actor.pk, course_offering_id=offering.pk
        ).first()
        invitation = _check_access(
            actor=actor, offering=offering, existing=existing, invitation_code=invitation_code, link_token=link_token
        )
        _check_not_live(existing)
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
                f"Request received: {offering.course.code}",
                f"Your request to join {_course_label(offering)} is waiting for an instructor's approval. "
                "We will e-mail you once it is decided.",
            )
    enrollment.course_offering = offering
    enrollment.warnings = warnings
    return enrollment


def drop_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    """Drop an active, pending or waitlisted enrollment; a freed seat goes to the waitlist, in order."""
    if not can_drop_enrollment(actor, enrollment):
        raise PermissionDenied(NOT_YOUR_ENROLLMENT)
    with transaction.atomic():
        offering = _lock_offering(enrollment.course_offering_id)
        enrollment = _lock_enrollment(enrollment.pk)
        if enrollment.status not in DROPPABLE_STATUSES:
            raise ValidationError(NOT_DROPPABLE, code="not_droppable")
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
    _require_manager(actor, offering)
    enrollment = _lock_enrollment(enrollment.pk)
    if enrollment.status != status:
        raise ValidationError(message, code=code)
    return offering, enrollment


def approve_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    """A pending request becomes active, or waitlisted when the offering is full."""
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.PENDING, NOT_PENDING, "not_pending")
        enrolled, waitlisted = _counts(offering.pk)
        if _has_seat(offering, enrolled):
            _set_status(enrollment, EnrollmentStatus.ACTIVE)
            body = f"Your request to join {_course_label(offering)} was approved. You can start learning now."
        else:
            _set_status(enrollment, EnrollmentStatus.WAITLISTED, position=waitlisted + 1)
            body = (
                f"Your request to join {_course_label(offering)} was approved. The course is full, so you are "
                f"number {waitlisted + 1} on the waiting list; we will e-mail you when a seat frees up."
            )
        _save_counts(offering)
        _notify(enrollment.user, f"Enrollment approved: {offering.course.code}", body)
    return enrollment


def decline_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.PENDING, NOT_PENDING, "not_pending")
        _set_status(enrollment, EnrollmentStatus.DROPPED)
        _save_counts(offering)
        _notify(
            enrollment.user,
            f"Enrollment request declined: {offering.course.code}",
            f"Your request to join {_course_label(offering)} was declined by the course staff.",
        )
    return enrollment


def complete_enrollment(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.ACTIVE, NOT_ACTIVE, "not_active")
        _set_status(enrollment, EnrollmentStatus.COMPLETED)
        _save_counts(offering)
    return enrollment


def record_course_completion(*, enrollment_id: int, now: datetime | None = None) -> bool:
    """The student completed the course root: an ``active`` enrollment becomes ``completed``.

    Called by ``learning.progress`` under its lock on the enrollment row. Idempotent: True only when
    this call made the transition (a completed, dropped or missing enrollment is left alone)."""
    now = now or timezone.now()
    changed = CourseEnrollment.objects.filter(pk=enrollment_id, status=EnrollmentStatus.ACTIVE).update(
        status=EnrollmentStatus.COMPLETED, completed_at=now, status_changed_at=now
    )
    return changed == 1


def record_course_completions(*, offering_id: int, root_module_id: int, now: datetime | None = None) -> int:
    """Bulk form for ``learning.progress.recompute_course_rollups``: every ``active`` enrollment of the
    offering whose student's course-root rollup is complete becomes ``completed``. Returns how many."""
    now = now or timezone.now()
    done_users = UserModuleProgress.objects.filter(
        course_offering_id=offering_id, module_id=root_module_id, completed_at__isnull=False
    ).values("user_id")
    return CourseEnrollment.objects.filter(
        course_offering_id=offering_id, status=EnrollmentStatus.ACTIVE, user_id__in=done_users
    ).update(status=EnrollmentStatus.COMPLETED, completed_at=now, status_changed_at=now)


def promote_from_waitlist(*, actor, enrollment: CourseEnrollment) -> CourseEnrollment:
    """Staff move one waitlisted student in (e.g. out of order, after raising the capacity)."""
    with transaction.atomic():
        offering, enrollment = _lock_for_staff(actor, enrollment, EnrollmentStatus.WAITLISTED, NOT_WAITLISTED, "not_waitlisted")
        enrolled, _ = _counts(offering.pk)
        if not _has_seat(offering, enrolled):
            raise ValidationError(NO_SEAT, code="no_seat")
        position = enrollment.waitlist_position
        _set_status(enrollment, EnrollmentStatus.ACTIVE)
        _close_gap(offering.pk, position)
        _save_counts(offering)
        _notify(
            enrollment.user,
            f"A seat is yours: {offering.course.code}",
            f"You have been moved from the waiting list into {_course_label(offering)}.",
        )
    return enrollment


def staff_enroll_users(*, actor, offering: CourseOffering, users: Iterable) -> list[CourseEnrollment]:
    """Staff enroll users directly as ``active``: a deliberate override of window, prerequisites,
    approval and capacity. Users already active or completed are left as they are."""
    users = list(users)
    with transaction.atomic():
        offering = _lock_offering(offering.pk)
        _require_manager(actor, offering)
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


# --- invitations -------------------------------------------------------------------------------


def create_invitation(
    *,
    actor,
    offering: CourseOffering,
    email: str | None = None,
    max_uses: int | None = None,
    expires_at: datetime | None = None,
) -> CourseInvitation:
    """A new invitation code (optionally for one e-mail address, which is then told about it)."""
    _require_manager(actor, offering)
    email = (email or "").strip() or None
    if email is not None:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": INVITATION_EMAIL_INVALID}) from None
    if max_uses is not None and max_uses < 1:
        raise ValidationError({"max_uses": INVITATION_MAX_USES_INVALID})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": INVITATION_EXPIRY_PAST})
    with transaction.atomic():
        invitation = CourseInvitation.objects.create(
            course_offering=offering,
            code=secrets.token_urlsafe(12),
            email=email,
            created_by=actor,
            max_uses=max_uses,
            expires_at=expires_at,
        )
        if email is not None:
            label = _course_label(
                CourseOffering.objects.select_related("course").get(pk=offering.pk)
            )
            transaction.on_commit(
                lambda: send_mail(
                    f"You are invited: {label}",
                    f"You have been invited to {label}. Sign in with this address and use the code "
                    f"{invitation.code} on the course page.",
                    settings.DEFAULT_FROM_EMAIL,
                    [email],
                    fail_silently=True,
                )
            )
    return invitation


def redeem_invitation(*, actor, code: str) -> CourseEnrollment:
    """Enroll with an invitation code alone (the code names its offering)."""
    invitation = CourseInvitation.objects.filter(code=(code or "").strip()).select_related("course_offering").first()
    if invitation is None:
        raise ValidationError(INVITATION_INVALID, code="invitation_invalid")
    return request_enrollment(actor=actor, offering=invitation.course_offering, invitation_code=code)


# --- onboarding --------------------------------------------------------------------------------

ONBOARDING_BIRTH_DATE_FUTURE = "The date of birth cannot be in the future."


def save_onboarding(
    *,
    actor,
    learning_goal: str | None = None,
    study_level: str | None = None,
    grade: str | None = None,
    date_of_birth=None,
    subjects: Iterable = (),
) -> None:
    """Fill the student's ``user_profiles`` row and replace their subject preferences.

    accounts owns these tables but has no service for them yet, and accounts cannot reach the subject
    list (catalog sits above it); this is the one writer until accounts grows one."""
    if not _signed_in(actor):
        raise PermissionDenied(SIGN_IN_REQUIRED)
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": ONBOARDING_BIRTH_DATE_FUTURE})
    subject_ids = sorted({s.pk for s in subjects})
    with transaction.atomic():
        UserProfile.objects.update_or_create(
            user=actor,
            defaults={
                "learning_goal": learning_goal or None,
                "study_level": study_level or None,
                "grade": grade or None,
                "date_of_birth": date_of_birth,
            },
        )
        UserSubjectPreference.objects.filter(user=actor).exclude(subject_id__in=subject_ids).delete()
        existing = set(UserSubjectPreference.objects.filter(user=actor).values_list("subject_id", flat=True))
        UserSubjectPreference.objects.bulk_create(
            [UserSubjectPreference(user=actor, subject_id=sid) for sid in subject_ids if sid not in existing]
        )
