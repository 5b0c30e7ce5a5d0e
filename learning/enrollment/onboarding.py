"""Onboarding: the questionnaire a new student fills in (learning goal, level, subjects), which the
"My learning" suggestions read.

Contract: :func:`save_onboarding` is keyword-only, for the signed-in ``actor`` only
(``PermissionDenied`` otherwise); bad input raises ``ValidationError`` keyed by field and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.models import UserProfile, UserSubjectPreference
from learning.enrollment.rules import signed_in
from learning.enrollment.services import SIGN_IN_REQUIRED

ONBOARDING_BIRTH_DATE_FUTURE = gettext_noop("The date of birth cannot be in the future.")


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
    if not signed_in(actor):
        raise PermissionDenied(gettext(SIGN_IN_REQUIRED))
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": gettext(ONBOARDING_BIRTH_DATE_FUTURE)})
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
