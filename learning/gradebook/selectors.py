"""Reads of certificates: the public verification page, its downloads, the issuer's documents, My learning.

Contract:
- A certificate is public by its code (the code is the capability: 192 random bits); nothing here lists
  certificates across users except ``certificates_of(user)`` (the owner's own) and the issuer's
  revocation list (codes of revoked certificates only, which the verifier needs).
- Public views never show the learner's e-mail; the credential carries only a salted hash of it (OB 3.0
  IdentityHash). The grade appears only when the learner chose ``show_grade`` and a grade exists.
- Absolute URLs come from ``settings.SITE_URL`` (they are inside signed credentials, so never from the
  request's Host header).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from catalog.models import University
from learning.gradebook import credentials
from learning.gradebook.models import Certificate, CourseGrade
from learning.gradebook.pdf import CertificatePrint

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def certificate_by_code(code: str) -> Certificate | None:
    if not CODE_PATTERN.match(code or ""):
        return None
    return (
        Certificate.objects.select_related("user", "course_offering__course", "course_offering__university")
        .filter(certificate_code=code)
        .first()
    )


def active_university(short_code: str) -> University | None:
    return University.objects.filter(short_code=short_code, is_active=True).first()


def certificates_of(user) -> QuerySet[Certificate]:
    """The user's own certificates, newest first, with what My learning shows (one query)."""
    return (
        Certificate.objects.filter(user_id=user.pk)
        .select_related("course_offering__course", "course_offering__university")
        .order_by("-issued_at", "-pk")
    )


def grade_shown(certificate: Certificate) -> str | None:
    """The grade the learner chose to show (letter, else score), or None."""
    if not certificate.show_grade:
        return None
    grade = CourseGrade.objects.filter(
        user_id=certificate.user_id, course_offering_id=certificate.course_offering_id
    ).first()
    if grade is None:
        return None
    if grade.letter_grade:
        return grade.letter_grade
    return f"{grade.final_score}" if grade.final_score is not None else None


def _local_date(moment: datetime | None, tz_name: str) -> str | None:
    if moment is None:
        return None
    try:
        zone = ZoneInfo(tz_name)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = timezone.localtime(moment, zone)
    return f"{local.day} {local:%B %Y}"


@dataclass(frozen=True)
class CertificateView:
    certificate: Certificate
    learner_name: str
    course_code: str
    course_title: str
    term_name: str
    university_name: str
    university_short_code: str
    issued_on: str
    expires_on: str | None
    status: str
    grade: str | None
    verify_url: str


def certificate_view(certificate: Certificate, *, now: datetime | None = None) -> CertificateView:
    offering = certificate.course_offering
    university = offering.university
    return CertificateView(
        certificate=certificate,
        learner_name=certificate.user.full_name or "—",
        course_code=offering.course.code,
        course_title=offering.course.title,
        term_name=offering.term_name or "",
        university_name=university.name,
        university_short_code=university.short_code,
        issued_on=_local_date(certificate.issued_at, university.time_zone),
        expires_on=_local_date(certificate.expires_at, university.time_zone),
        status=certificate.status_at(now or timezone.now()),
        grade=grade_shown(certificate),
        verify_url=absolute(reverse("certificate_page", args=[certificate.certificate_code])),
    )


def certificate_print(view: CertificateView) -> CertificatePrint:
    return CertificatePrint(
        learner_name=view.learner_name,
        course_code=view.course_code,
        course_title=view.course_title,
        university_name=view.university_name,
        issued_on=view.issued_on,
        code=view.certificate.certificate_code,
        verify_url=view.verify_url,
        status=view.status,
        grade=view.grade,
        expires_on=view.expires_on,
    )


# --- Open Badges documents ------------------------------------------------------------------------


def issuer_url(short_code: str) -> str:
    return absolute(reverse("certificate_issuer", args=[short_code]))


def key_url_for(short_code: str):
    return lambda key_id: absolute(reverse("certificate_issuer_key", args=[short_code, key_id]))


def revocations_url(short_code: str) -> str:
    return absolute(reverse("certificate_revocations", args=[short_code]))


def credential_url(code: str) -> str:
    return absolute(reverse("certificate_credential_json", args=[code]))


def _identity_salt(certificate: Certificate) -> str:
    salt = (certificate.metadata_json or {}).get("identity_salt")
    if salt:
        return salt
    # Certificates issued before salts were stored: a stable salt derived from the code.
    return hashlib.sha256(f"identity-salt:{certificate.certificate_code}".encode()).hexdigest()[:32]


def credential_of(certificate: Certificate) -> dict:
    """The certificate's OpenBadgeCredential (unsigned JSON)."""
    view = certificate_view(certificate)
    offering = certificate.course_offering
    university = offering.university
    course = offering.course
    facts = credentials.CredentialFacts(
        credential_url=credential_url(certificate.certificate_code),
        issuer_url=issuer_url(university.short_code),
        issuer_name=university.name,
        issuer_website=university.website_url or None,
        achievement_url=absolute(reverse("catalog:course-detail", args=[university.short_code, course.code])),
        course_title=course.title,
        course_code=course.code,
        course_description=course.description or "",
        criteria=f"Completed every required part of {course.code} {course.title}"
        + (f" ({offering.term_name})" if offering.term_name else "")
        + f" at {university.name}.",
        learner_subject_id=credentials.learner_subject_id(site_id=settings.SITE_URL, user_id=certificate.user_id),
        learner_email=certificate.user.email,
        identity_salt=_identity_salt(certificate),
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        status_url=revocations_url(university.short_code),
        grade=view.grade,
    )
    return credentials.build_credential(facts)


def signed_credential(certificate: Certificate) -> str:
    """The VC-JWT under the university's current key (made on first use). Raises EncryptionError when
    the server has no SETTINGS_ENCRYPTION_KEYS."""
    university = certificate.course_offering.university
    key = credentials.ensure_signing_key(university_id=university.pk)
    return credentials.sign_credential(
        credential_of(certificate), key=key, kid=key_url_for(university.short_code)(key.key_id)
    )


def issuer_profile(university: University) -> dict:
    profile = {
        "@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
        "id": issuer_url(university.short_code),
        "type": ["Profile"],
        "name": university.name,
    }
    if university.website_url:
        profile["url"] = university.website_url
    return profile


def revocation_list(university: University) -> dict:
    """The 1EdTechRevocationList of the university: every revoked credential it issued, with the reason."""
    revoked = (
        Certificate.objects.filter(course_offering__university_id=university.pk, revoked_at__isnull=False)
        .order_by("revoked_at", "pk")
        .values_list("certificate_code", "revocation_reason")
    )
    return {
        "id": revocations_url(university.short_code),
        "issuer": issuer_url(university.short_code),
        "revokedCredentials": [{"id": credential_url(code), "revocationReason": reason} for code, reason in revoked],
    }
