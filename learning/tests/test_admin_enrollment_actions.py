"""The enrollment status actions of the staff console (approve, decline, complete, promote), posted the way
the change list posts them: each goes through learning's services (status, counts, e-mail), and rows of
another university are left alone even when their ids are posted by hand."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.models import CourseOffering
from conftest import WORLD_PASSWORD
from learning.enrollment.services import NO_SEAT
from learning.models import CourseEnrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:learning_courseenrollment_changelist"


def _login(client, user):
    assert client.login(email=user.email, password=WORLD_PASSWORD)


def _act(client, action: str, enrollments) -> list[str]:
    response = client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [e.pk for e in enrollments]}, follow=True
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def _enroll(offering, status: str, n: int, *, first_position: int = 1) -> list[CourseEnrollment]:
    rows = []
    for i in range(n):
        position = first_position + i if status == EnrollmentStatus.WAITLISTED else None
        rows.append(
            CourseEnrollment.objects.create(
                user=UserFactory(), course_offering=offering, status=status, waitlist_position=position
            )
        )
    return rows


def _counts(offering: CourseOffering) -> tuple[int, int]:
    offering.refresh_from_db()
    return offering.enrolled_count, offering.waitlist_count


def _statuses(rows) -> list[str]:
    return [CourseEnrollment.objects.get(pk=r.pk).status for r in rows]


def test_approve_makes_pending_requests_active_and_leaves_the_other_university_alone(
    client, world, django_capture_on_commit_callbacks
):
    a, b = world.a.offering, world.b.offering
    CourseOffering.objects.filter(pk__in=[a.pk, b.pk]).update(requires_approval=True)
    mine, theirs = _enroll(a, EnrollmentStatus.PENDING, 2), _enroll(b, EnrollmentStatus.PENDING, 1)
    _login(client, world.a.university_admin)
    with django_capture_on_commit_callbacks(execute=True):
        texts = _act(client, "approve_enrollments", [*mine, *theirs])
    assert "Approved 2 enrollment(s)." in texts
    assert _statuses(mine) == [EnrollmentStatus.ACTIVE] * 2
    assert _statuses(theirs) == [EnrollmentStatus.PENDING]
    assert _counts(a) == (3, 0)  # the world's student + two
    assert _counts(b) == (1, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e.user.email for e in mine)


def test_approve_into_a_full_offering_waitlists_in_order(client, world):
    offering = world.a.offering
    CourseOffering.objects.filter(pk=offering.pk).update(requires_approval=True, capacity=1)
    pending = _enroll(offering, EnrollmentStatus.PENDING, 2)
    _login(client, world.a.department_admin)
    _act(client, "approve_enrollments", pending)
    rows = [CourseEnrollment.objects.get(pk=e.pk) for e in pending]
    assert [(r.status, r.waitlist_position) for r in rows] == [
        (EnrollmentStatus.WAITLISTED, 1),
        (EnrollmentStatus.WAITLISTED, 2),
    ]
    assert _counts(offering) == (1, 2)


def test_decline_drops_pending_requests_only(client, world):
    offering = world.a.offering
    pending = _enroll(offering, EnrollmentStatus.PENDING, 1)
    active = CourseEnrollment.objects.get(user=world.a.student, course_offering=offering)
    theirs = _enroll(world.b.offering, EnrollmentStatus.PENDING, 1)
    _login(client, world.a.university_admin)
    texts = _act(client, "decline_enrollments", [*pending, active, *theirs])
    assert "Declined 1 enrollment(s)." in texts
    assert any("Only a request waiting for approval" in t for t in texts)  # the active one, by name
    assert _statuses(pending) == [EnrollmentStatus.DROPPED]
    assert _statuses([active]) == [EnrollmentStatus.ACTIVE]
    assert _statuses(theirs) == [EnrollmentStatus.PENDING]
    assert _counts(offering) == (1, 0)


def test_complete_marks_active_enrollments_completed(client, world):
    offering = world.a.offering
    active = CourseEnrollment.objects.get(user=world.a.student, course_offering=offering)
    theirs = CourseEnrollment.objects.get(user=world.b.student, course_offering=world.b.offering)
    _login(client, world.a.university_admin)
    texts = _act(client, "complete_enrollments", [active, theirs])
    assert "Completed 1 enrollment(s)." in texts
    active.refresh_from_db()
    assert active.status == EnrollmentStatus.COMPLETED and active.completed_at is not None
    assert _statuses([theirs]) == [EnrollmentStatus.ACTIVE]
    assert _counts(offering) == (1, 0)  # a completed enrollment keeps its seat


def test_promote_moves_waitlisted_students_in_and_closes_the_gap(client, world):
    offering = world.a.offering
    CourseOffering.objects.filter(pk=offering.pk).update(capacity=2, waitlist_count=3)
    waitlist = _enroll(offering, EnrollmentStatus.WAITLISTED, 3)
    theirs = _enroll(world.b.offering, EnrollmentStatus.WAITLISTED, 1)
    _login(client, world.a.university_admin)
    texts = _act(client, "promote_from_waitlist", [waitlist[1], *theirs])  # out of order, on purpose
    assert "Promoted 1 enrollment(s)." in texts
    rows = [CourseEnrollment.objects.get(pk=e.pk) for e in waitlist]
    assert [(r.status, r.waitlist_position) for r in rows] == [
        (EnrollmentStatus.WAITLISTED, 1),
        (EnrollmentStatus.ACTIVE, None),
        (EnrollmentStatus.WAITLISTED, 2),
    ]
    assert _counts(offering) == (2, 2)
    assert _statuses(theirs) == [EnrollmentStatus.WAITLISTED]
    # The offering is full now: another promotion is refused with the service's message, nothing written.
    texts = _act(client, "promote_from_waitlist", [waitlist[0]])
    assert any(NO_SEAT in t for t in texts)
    assert _statuses([waitlist[0]]) == [EnrollmentStatus.WAITLISTED]
    assert _counts(offering) == (2, 2)


def test_department_admin_cannot_act_on_another_departments_rows(client, world):
    from accounts.tests.test_admin_isolation import other_department

    elsewhere = other_department(world)
    row = CourseEnrollment.objects.get(course_offering=elsewhere.offering)
    _login(client, world.a.department_admin)
    for action in ("complete_enrollments", "drop_enrollments"):
        _act(client, action, [row])
    assert _statuses([row]) == [EnrollmentStatus.ACTIVE]
