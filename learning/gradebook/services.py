"""Writes of certificates: issue (once per student and offering), revoke, the student's grade visibility.

Contract:
- ``issue_certificate(enrollment=)`` issues the certificate of a ``completed`` enrollment, at most once per
  (student, offering): it locks the enrollment row (``select_for_update``) and the table has the named
  constraint ``ux_certificates_user_offering``, so two workers completing the same enrollment at once make
  one certificate. It answers ``(certificate, created)``; a second call returns the existing one. The code
  is ``secrets.token_urlsafe(24)`` (192 random bits). The rule is the offering's (``grading_policies``):
  by default the enrollment completed **and** the course grade is passing (``course_grades.passed``); with
  ``certificate_rule = completion``, or when the offering has no graded items, completion alone. The expiry
  is the issue time plus the policy's ``certificate_valid_months`` (none: no expiry).
- Certificates are issued automatically: ``learning.enrollment`` sends ``enrollments_completed`` and the
  receiver here (connected in ``LearningConfig.ready``) issues them after that transaction commits, after
  recomputing those students' course grades; and when a completed student's course grade turns passing
  later (``grades.recompute_course_grades``, ``grades.override_course_grade``).
- ``revoke_certificate`` (staff who manage the offering; a reason is required) keeps the row: the public
  page and the issuer's revocation list then say "revoked". Revoking twice refuses.
- ``set_certificate_grade_visibility`` is the owner's choice only.
- The student is notified (``learning.notifications.services.notify``), which writes after commit.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.gradebook.models import Certificate, CertificateRule, CourseGrade, GradingPolicy
from learning.gradebook.permissions import can_revoke_certificate, can_set_grade_visibility
from learning.gradebook.reasons import clean_reason
from learning.notifications.models import NotificationKind
from learning.notifications.services import notify

NOT_COMPLETED = "A certificate is issued only for a completed enrollment."
NOT_PASSED = "A certificate is issued only with a passing final course grade in this offering."
NOT_ALLOWED = "You are not allowed to change this certificate."
REASON_REQUIRED = "Say why the certificate is revoked."
ALREADY_REVOKED = "This certificate is already revoked."
CODE_BYTES = 24  # secrets.token_urlsafe(24): 192 bits, 32 characters


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` calendar months (the 31st of a shorter month is its last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def certificate_terms(offering) -> tuple[bool, int | None]:
    """(whether a passing course grade is required, validity in months) of the offering. Two queries."""
    from learning.gradebook.scores import graded_items

    row = (
        GradingPolicy.objects.filter(course_offering_id=offering.pk)
        .values_list("certificate_rule", "certificate_valid_months")
        .first()
    )
    rule, months = row if row is not None else (CertificateRule.PASSING_GRADE, None)
    return rule == CertificateRule.PASSING_GRADE and bool(graded_items(offering)), months


def issue_certificate(*, enrollment: CourseEnrollment, actor=None) -> tuple[Certificate, bool]:
    """The enrollment's certificate, made once. ``actor`` is None for the automatic issue on completion."""
    with transaction.atomic():
        locked = (
            CourseEnrollment.objects.select_for_update(of=("self",))
            .select_related("course_offering__course")
            .get(pk=enrollment.pk)
        )
        existing = Certificate.objects.filter(
            user_id=locked.user_id, course_offering_id=locked.course_offering_id
        ).first()
        if existing is not None:
            return existing, False
        if locked.status != EnrollmentStatus.COMPLETED:
            raise ValidationError(NOT_COMPLETED, code="not_completed")
        if actor is not None and not can_revoke_certificate(actor, Certificate(course_offering=locked.course_offering)):
            raise PermissionDenied(NOT_ALLOWED)
        needs_pass, months = certificate_terms(locked.course_offering)
        if (
            needs_pass
            and not CourseGrade.objects.filter(
                user_id=locked.user_id, course_offering_id=locked.course_offering_id, passed=True
            ).exists()
        ):
            raise ValidationError(NOT_PASSED, code="not_passed")
        now = timezone.now()
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    user_id=locked.user_id,
                    course_offering_id=locked.course_offering_id,
                    certificate_code=new_code(),
                    issued_at=now,
                    expires_at=add_months(now, months) if months else None,
                    # the OB 3.0 IdentityHash salt, fixed at issue so the credential is the same every download
                    metadata_json={"identity_salt": secrets.token_hex(16)},
                )
        except IntegrityError:  # another path (not holding this lock) made it first
            return Certificate.objects.get(user_id=locked.user_id, course_offering_id=locked.course_offering_id), False
        course = locked.course_offering.course
        notify(
            user_ids=[locked.user_id],
            kind=NotificationKind.CERTIFICATE_ISSUED,
            text=f"Your certificate for {course.code} {course.title} is ready.",
            url=reverse("certificate_page", args=[certificate.certificate_code]),
            university_id=locked.course_offering.university_id,
        )
    return certificate, True


def issue_for_enrollments(enrollment_ids, *, recompute: bool = True) -> int:
    """Issue the certificate of every completed enrollment in ``enrollment_ids`` that meets its offering's
    rule (the completion receiver; the recompute's "turned passing"). With ``recompute`` the students'
    course grades are brought up to date first. A student who does not pass yet gets none (for now)."""
    from learning.gradebook.grades import recompute_course_grades

    enrollments = list(
        CourseEnrollment.objects.filter(pk__in=list(enrollment_ids), status=EnrollmentStatus.COMPLETED)
        .select_related("course_offering")
        .order_by("course_offering_id", "pk")
    )
    if recompute:
        by_offering: dict[int, list[CourseEnrollment]] = {}
        for enrollment in enrollments:
            by_offering.setdefault(enrollment.course_offering_id, []).append(enrollment)
        for group in by_offering.values():
            recompute_course_grades(group[0].course_offering, user_ids=[e.user_id for e in group])
    made = 0
    for enrollment in enrollments:
        try:
            made += issue_certificate(enrollment=enrollment)[1]
        except ValidationError as error:
            if error.code != "not_passed":
                raise
    return made


def _lock(certificate: Certificate) -> Certificate:
    return (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("course_offering__course")
        .get(pk=certificate.pk)
    )


def revoke_certificate(*, actor, certificate: Certificate, reason: str) -> Certificate:
    reason = clean_reason(reason, required=REASON_REQUIRED)
    with transaction.atomic():
        certificate = _lock(certificate)
        if not can_revoke_certificate(actor, certificate):
            raise PermissionDenied(NOT_ALLOWED)
        if certificate.revoked_at is not None:
            raise ValidationError(ALREADY_REVOKED, code="already_revoked")
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
        course = certificate.course_offering.course
        notify(
            user_ids=[certificate.user_id],
            kind=NotificationKind.CERTIFICATE_ISSUED,
            text=f"Your certificate for {course.code} {course.title} was revoked: {reason}",
            url=reverse("certificate_page", args=[certificate.certificate_code]),
            university_id=certificate.course_offering.university_id,
        )
    return certificate


def set_certificate_grade_visibility(*, actor, certificate: Certificate, show: bool) -> Certificate:
    if not isinstance(show, bool):
        raise ValidationError("Choose to show or hide the grade.", code="bad_choice")
    with transaction.atomic():
        certificate = _lock(certificate)
        if not can_set_grade_visibility(actor, certificate):
            raise PermissionDenied(NOT_ALLOWED)
        if certificate.show_grade != show:
            certificate.show_grade = show
            certificate.save(update_fields=["show_grade"])
    return certificate
