"""Enrolling in an invite-only offering the user cannot see otherwise: only a code of *that* offering opens it.
Any other code answers exactly as a missing offering does, so probing ids with made-up codes tells a
stranger nothing (issue 16, item 10)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import OfferingVisibility
from catalog.tests.factories import CourseOfferingFactory
from learning.enrollment import rules
from learning.models import CourseEnrollment, CourseInvitation
from learning.tests.factories import CourseInvitationFactory

pytestmark = pytest.mark.django_db

MISSING_ID = 987_654_321


def page(response) -> str:
    """The body without what differs on every response anyway (the masked CSRF token, a CSP nonce)."""
    html = response.content.decode()
    html = re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*"', r'\1"', html)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


def enroll(client, offering_id: int, code: str | None):
    return client.post(reverse("learning:enroll", args=[offering_id]), {"invitation_code": code} if code else {})


@pytest.fixture
def b_invite_only(world):
    """An invite-only offering of university B, with one invitation."""
    offering = CourseOfferingFactory(course=world.b.course, visibility=OfferingVisibility.INVITE_ONLY)
    CourseInvitationFactory(course_offering=offering, code="B-REAL-CODE", created_by=world.b.instructor)
    return offering


@pytest.mark.parametrize("code", ["WRONG", "B-REAL-CODE-X", "", "x" * 64])
def test_a_made_up_code_answers_as_a_missing_offering(client, world, b_invite_only, code):
    client.force_login(world.a.student)
    missing = enroll(client, MISSING_ID, code)
    probed = enroll(client, b_invite_only.pk, code)
    assert missing.status_code == probed.status_code == 404
    assert page(probed) == page(missing)
    assert rules.INVITATION_INVALID not in page(probed)
    assert not CourseEnrollment.objects.filter(course_offering=b_invite_only).exists()


def test_a_code_of_another_offering_answers_as_a_missing_offering(client, world, b_invite_only):
    other = CourseOfferingFactory(course=world.a.course, visibility=OfferingVisibility.INVITE_ONLY)
    CourseInvitationFactory(course_offering=other, code="A-OTHER-CODE", created_by=world.a.instructor)
    client.force_login(world.a.student)
    probed = enroll(client, b_invite_only.pk, "A-OTHER-CODE")
    assert probed.status_code == 404 and page(probed) == page(enroll(client, MISSING_ID, "A-OTHER-CODE"))
    assert not CourseEnrollment.objects.filter(
        user=world.a.student, course_offering__in=[b_invite_only, other]
    ).exists()


def test_the_offerings_own_code_still_enrolls_across_universities(client, world, b_invite_only):
    client.force_login(world.a.student)
    response = enroll(client, b_invite_only.pk, "B-REAL-CODE")
    assert response.status_code == 302
    assert CourseEnrollment.objects.filter(user=world.a.student, course_offering=b_invite_only).exists()
    assert CourseInvitation.objects.get(code="B-REAL-CODE").used_count == 1


def test_the_holder_of_an_expired_code_is_told_it_expired(client, world, b_invite_only):
    CourseInvitation.objects.filter(code="B-REAL-CODE").update(expires_at=timezone.now() - timedelta(days=1))
    client.force_login(world.a.student)
    response = enroll(client, b_invite_only.pk, "B-REAL-CODE")
    assert response.status_code == 302 and response["Location"] == reverse("learning:invitation-redeem")
    redeem = client.get(response["Location"]).content.decode()
    assert rules.INVITATION_EXPIRED in redeem
    assert not CourseEnrollment.objects.filter(course_offering=b_invite_only).exists()


def test_a_listed_invite_only_offering_still_explains_a_wrong_code(client, world):
    """Someone invited by e-mail sees the offering listed: a mistyped code gets the service's message."""
    offering = CourseOfferingFactory(course=world.a.course, visibility=OfferingVisibility.INVITE_ONLY)
    CourseInvitationFactory(course_offering=offering, email=world.b.student.email, created_by=world.a.instructor)
    client.force_login(world.b.student)
    response = enroll(client, offering.pk, "TYPO")
    assert response.status_code == 302
    assert rules.INVITATION_INVALID in client.get(response["Location"]).content.decode()


def test_anonymous_goes_to_log_in_first(client, b_invite_only):
    response = enroll(client, b_invite_only.pk, "WRONG")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
