"""Invitation services: the one writer of ``course_invitations`` (its ``used_count`` is counted by
:func:`learning.enrollment.services.request_enrollment`, under the offering lock).

Contract: keyword-only, ``actor`` is the acting user; only a manager of the offering's enrollments
creates invitations (``PermissionDenied`` otherwise); bad input raises ``ValidationError`` keyed by
field, with the message constants below, and writes nothing. The invitation e-mail is sent after commit.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment, CourseInvitation
from learning.enrollment.rules import INVITATION_INVALID
from learning.enrollment.services import course_label, request_enrollment, require_manager

INVITATION_EMAIL_INVALID = "Enter a valid e-mail address."
INVITATION_MAX_USES_INVALID = "The number of uses must be at least 1."
INVITATION_EXPIRY_PAST = "The expiry must be in the future."


def create_invitation(
    *,
    actor,
    offering: CourseOffering,
    email: str | None = None,
    max_uses: int | None = None,
    expires_at: datetime | None = None,
) -> CourseInvitation:
    """A new invitation code (optionally for one e-mail address, which is then told about it)."""
    require_manager(actor, offering)
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
            label = course_label(CourseOffering.objects.select_related("course").get(pk=offering.pk))
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
