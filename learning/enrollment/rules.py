"""The rules an enrollment request is checked against, in the order :func:`learning.enrollment.services.request_enrollment`
applies them: the offering is reachable (visibility, link, invitation), no live enrollment exists, the
enrollment window is open, prerequisites and co-requisites are met.

Contract: each check raises ``ValidationError`` with one of the message constants below (the caller's
transaction rolls back, so a refusal writes nothing) or returns what the caller needs (the invitation
that admits the student, the warnings of unmet recommended prerequisites). :func:`check_invitation`
locks the invitation row it returns, so the caller must be inside ``transaction.atomic()``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from catalog.models import CourseOffering, OfferingVisibility
from catalog.permissions import member_university_ids, offering_id_from_link
from learning.enrollment.models import CourseEnrollment, CourseInvitation, EnrollmentStatus
from learning.enrollment.selectors import get_prerequisite_standing

OFFERING_NOT_AVAILABLE = gettext_noop("This offering is not available to you.")
UNLISTED_LINK_REQUIRED = gettext_noop("This offering is open only through its own link or an invitation.")
INVITATION_REQUIRED = gettext_noop("This offering is by invitation only: enter a valid invitation code.")
INVITATION_INVALID = gettext_noop("This invitation code is not valid for this offering.")
INVITATION_EXPIRED = gettext_noop("This invitation has expired.")
INVITATION_USED_UP = gettext_noop("This invitation has already been used as many times as it allows.")
INVITATION_OTHER_EMAIL = gettext_noop("This invitation was sent to another e-mail address.")
ENROLLMENT_NOT_OPEN_YET = gettext_noop("Enrollment opens on {date}.")
ENROLLMENT_CLOSED = gettext_noop("Enrollment for this offering is closed.")
PREREQUISITES_MISSING = gettext_noop("Complete the prerequisites first: {courses}.")
COREQUISITES_MISSING = gettext_noop("Co-requisites are needed in the same term: {courses}.")
RECOMMENDED_WARNING = gettext_noop("Recommended preparation you have not completed yet: {courses}.")
ALREADY_ENROLLED = gettext_noop("You are already enrolled in this offering.")
ALREADY_COMPLETED = gettext_noop("You have already completed this offering.")
ALREADY_PENDING = gettext_noop("Your request is already waiting for approval.")
ALREADY_WAITLISTED = gettext_noop("You are already on the waiting list (position {position}).")


def signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def local_display(dt: datetime, time_zone: str) -> str:
    """A date as the university shows it (its own time zone)."""
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = timezone.localtime(dt, zone)
    return f"{local:%d %b %Y, %H:%M} ({zone.key})"


def check_invitation(*, actor, offering: CourseOffering, code: str | None) -> CourseInvitation | None:
    """The invitation that admits ``actor`` (locked), or None when there is none. Raises for a bad code."""
    now = timezone.now()
    if code:
        invitation = CourseInvitation.objects.select_for_update().filter(code=code.strip()).first()
        if invitation is None or invitation.course_offering_id != offering.pk:
            raise ValidationError(gettext(INVITATION_INVALID), code="invitation_invalid")
        if invitation.expires_at is not None and invitation.expires_at <= now:
            raise ValidationError(gettext(INVITATION_EXPIRED), code="invitation_expired")
        if invitation.max_uses is not None and invitation.used_count >= invitation.max_uses:
            raise ValidationError(gettext(INVITATION_USED_UP), code="invitation_used_up")
        if invitation.email and invitation.email.lower() != (actor.email or "").lower():
            raise ValidationError(gettext(INVITATION_OTHER_EMAIL), code="invitation_other_email")
        return invitation
    return (
        CourseInvitation.objects.select_for_update()
        .filter(course_offering_id=offering.pk, email__iexact=actor.email)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(Q(max_uses__isnull=True) | Q(used_count__lt=F("max_uses")))
        .order_by("pk")
        .first()
    )


def check_access(
    *,
    actor,
    offering: CourseOffering,
    existing: CourseEnrollment | None,
    invitation_code: str | None,
    link_token: str | None,
) -> CourseInvitation | None:
    if not offering.course.is_published:
        raise ValidationError(gettext(OFFERING_NOT_AVAILABLE), code="not_available")
    visibility = offering.visibility
    if visibility == OfferingVisibility.PUBLIC:
        return None
    if visibility == OfferingVisibility.PRIVATE:
        if offering.university_id not in member_university_ids(actor):
            raise ValidationError(gettext(OFFERING_NOT_AVAILABLE), code="not_available")
        return None
    # unlisted / invite_only: a code is checked when given (a wrong code is an error even with a link).
    invitation = check_invitation(actor=actor, offering=offering, code=invitation_code)
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
        raise ValidationError(gettext(UNLISTED_LINK_REQUIRED), code="link_required")
    raise ValidationError(gettext(INVITATION_REQUIRED), code="invitation_required")


def check_not_live(existing: CourseEnrollment | None) -> None:
    if existing is None or existing.status == EnrollmentStatus.DROPPED:
        return
    if existing.status == EnrollmentStatus.ACTIVE:
        raise ValidationError(gettext(ALREADY_ENROLLED), code="already_enrolled")
    if existing.status == EnrollmentStatus.COMPLETED:
        raise ValidationError(gettext(ALREADY_COMPLETED), code="already_completed")
    if existing.status == EnrollmentStatus.PENDING:
        raise ValidationError(gettext(ALREADY_PENDING), code="already_pending")
    raise ValidationError(gettext(ALREADY_WAITLISTED).format(position=existing.waitlist_position), code="already_waitlisted")


def check_enrollment_window(offering: CourseOffering, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if offering.enrollment_start is not None and now < offering.enrollment_start:
        raise ValidationError(
            gettext(ENROLLMENT_NOT_OPEN_YET).format(
                date=local_display(offering.enrollment_start, offering.university.time_zone)
            ),
            code="not_open_yet",
        )
    if (offering.enrollment_end is not None and now >= offering.enrollment_end) or (
        offering.ends_at is not None and now >= offering.ends_at
    ):
        raise ValidationError(gettext(ENROLLMENT_CLOSED), code="closed")


def check_prerequisites(*, user, offering: CourseOffering) -> list[str]:
    """Raise for unmet strict prerequisites and co-requisites; return the warnings of recommended ones."""
    standing = get_prerequisite_standing(user=user, course=offering.course)
    missing = standing.missing_for(offering)
    if missing.strict:
        raise ValidationError(
            gettext(PREREQUISITES_MISSING).format(courses=", ".join(missing.strict)), code="prerequisites_missing"
        )
    if missing.co_requisite:
        raise ValidationError(
            gettext(COREQUISITES_MISSING).format(courses=", ".join(missing.co_requisite)), code="corequisites_missing"
        )
    if missing.recommended:
        return [gettext(RECOMMENDED_WARNING).format(courses=", ".join(missing.recommended))]
    return []
