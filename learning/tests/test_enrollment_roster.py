"""The instructors' roster page (``learning:roster``) and the "Teaching" list: who may see and act, what
approve / decline / promote do, bad input (4xx, nothing written) and query counts that do not grow."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import UniversityRole, UserUniversityRole
from accounts.tests.factories import UserFactory
from catalog.models import CourseOffering, OfferingStaffRole, OfferingVisibility
from catalog.permissions import offering_id_from_link
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, CourseOfferingInstructorFactory
from learning.enrollment import views_roster
from learning.enrollment.permissions import can_manage_enrollments, can_view_roster, rosters_visible_to
from learning.enrollment.services import NO_SEAT
from learning.models import CourseEnrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db


def roster_url(offering) -> str:
    return reverse("learning:roster", kwargs={"offering_id": offering.pk})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _enroll(offering, status: str, n: int) -> list[CourseEnrollment]:
    rows = []
    for i in range(n):
        position = i + 1 if status == EnrollmentStatus.WAITLISTED else None
        rows.append(
            CourseEnrollment.objects.create(
                user=UserFactory(), course_offering=offering, status=status, waitlist_position=position
            )
        )
    return rows


def _state(rows) -> list[tuple[str, int | None]]:
    return [
        tuple(CourseEnrollment.objects.filter(pk=r.pk).values_list("status", "waitlist_position").get()) for r in rows
    ]


def _counts(offering) -> tuple[int, int]:
    offering.refresh_from_db()
    return offering.enrolled_count, offering.waitlist_count


@pytest.fixture
def approval(world):
    """World A's offering with approval required, capacity 3 (the world's student holds one seat), two pending
    requests and nobody waiting."""
    offering = world.a.offering
    CourseOffering.objects.filter(pk=offering.pk).update(requires_approval=True, capacity=3)
    offering.refresh_from_db()
    return offering


# --- who may see it -----------------------------------------------------------------------------


def _other_course_instructor(world):
    """An instructor of another offering at the same university."""
    offering = CourseOfferingFactory(course=CourseFactory(university=world.a.university, department=world.a.department))
    user = UserFactory()
    CourseOfferingInstructorFactory(course_offering=offering, user=user, role=OfferingStaffRole.INSTRUCTOR)
    return user


VIEWERS = {  # who → (status, sees the buttons)
    "instructor": (200, True),
    "ta": (200, False),
    "department_admin": (200, True),
    "university_admin": (200, True),
    "platform_admin": (200, True),
    "student": (404, None),
    "other_course_instructor": (404, None),
    "other_university_admin": (404, None),
    "other_university_instructor": (404, None),
}


def _who(world, who):
    return {
        "platform_admin": world.platform_admin,
        "other_course_instructor": None,
        "other_university_admin": world.b.university_admin,
        "other_university_instructor": world.b.instructor,
    }.get(who) or getattr(world.a, who, None)


@pytest.mark.parametrize("who", sorted(VIEWERS))
def test_roster_permission_matrix(client, world, approval, who):
    pending = _enroll(approval, EnrollmentStatus.PENDING, 1)
    user = _other_course_instructor(world) if who == "other_course_instructor" else _who(world, who)
    client.force_login(user)
    status, buttons = VIEWERS[who]
    # The policy answers the same as the page (one rule for "may see" and "which rows").
    assert can_view_roster(user, approval) is (status == 200)
    assert (approval in rosters_visible_to(user)) is (status == 200)
    assert can_manage_enrollments(user, approval) is bool(buttons)
    response = client.get(roster_url(approval))
    assert response.status_code == status
    post = client.post(roster_url(approval), {"action": "approve", "enrollment": pending[0].pk})
    if status == 404:
        assert post.status_code == 404
    else:
        html = response.content.decode()
        assert pending[0].user.email in html
        assert ('value="approve"' in html) is buttons
        assert (reverse("learning:invitations", args=[approval.pk]) in html) is buttons
        assert post.status_code == (302 if buttons else 403)
    expected = EnrollmentStatus.ACTIVE if buttons else EnrollmentStatus.PENDING
    assert _state(pending) == [(expected, None)]


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(roster_url(world.a.offering))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(roster_url(world.a.offering), {"action": "approve", "enrollment": 1}).status_code == 302


def test_missing_offering_is_a_404(client, world):
    client.force_login(world.platform_admin)
    assert client.get(reverse("learning:roster", kwargs={"offering_id": 987654321})).status_code == 404


# --- what it shows ------------------------------------------------------------------------------


def test_roster_shows_counts_pending_waitlist_in_order_and_students(client, world, approval):
    pending = _enroll(approval, EnrollmentStatus.PENDING, 2)
    waiting = _enroll(approval, EnrollmentStatus.WAITLISTED, 3)
    CourseEnrollment.objects.create(user=UserFactory(email="gone@x.example"), course_offering=approval,
                                    status=EnrollmentStatus.DROPPED)
    CourseOffering.objects.filter(pk=approval.pk).update(waitlist_count=3)
    client.force_login(world.a.instructor)
    response = client.get(roster_url(approval))
    roster = response.context["roster"]
    assert [e.pk for e in roster.pending] == [e.pk for e in pending]
    assert [e.waitlist_position for e in roster.waitlist] == [1, 2, 3]
    assert [e.user.email for e in roster.active] == [world.a.student.email]
    html = response.content.decode()
    assert 'data-count="pending">2<' in html and 'data-count="waitlist">3<' in html
    assert 'data-count="enrolled">1 / 3<' in html and 'data-count="free">2<' in html
    assert html.index(waiting[0].user.email) < html.index(waiting[1].user.email) < html.index(waiting[2].user.email)
    assert "gone@x.example" not in html


def test_unlisted_offering_shows_its_shareable_link(client, world):
    offering = world.a.offering
    client.force_login(world.a.instructor)
    assert "share_url" not in client.get(roster_url(offering)).context  # public: nothing to share
    CourseOffering.objects.filter(pk=offering.pk).update(visibility=OfferingVisibility.UNLISTED)
    response = client.get(roster_url(offering))
    share = response.context["share_url"]
    assert share in response.content.decode()
    token = parse_qs(urlparse(share).query)["link"][0]
    assert offering_id_from_link(token) == offering.pk
    # The course page offers its managers the very same link (one string to hand out, not two).
    assert f'value="{share}"' in client.get(urlparse(share).path).content.decode()
    # The link opens the course page to a stranger.
    client.force_login(world.b.student)
    assert client.get(share).status_code == 200


# --- what the buttons do --------------------------------------------------------------------------


def test_approve_and_decline_through_the_services(client, world, approval, django_capture_on_commit_callbacks):
    first, second = _enroll(approval, EnrollmentStatus.PENDING, 2)
    client.force_login(world.a.instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(roster_url(approval), {"action": "approve", "enrollment": first.pk}, follow=True)
    assert response.redirect_chain[-1][0] == roster_url(approval)
    name = first.user.full_name
    assert views_roster.APPROVED.format(name=name) in messages_of(response)
    assert _state([first]) == [(EnrollmentStatus.ACTIVE, None)]
    assert _counts(approval) == (2, 0)
    assert [m.to for m in mail.outbox] == [[first.user.email]]

    response = client.post(roster_url(approval), {"action": "decline", "enrollment": second.pk}, follow=True)
    assert views_roster.DECLINED.format(name=second.user.full_name) in messages_of(response)
    assert _state([second]) == [(EnrollmentStatus.DROPPED, None)]
    assert _counts(approval) == (2, 0)
    # Approving a request that is no longer pending is the service's message, nothing written.
    response = client.post(roster_url(approval), {"action": "approve", "enrollment": second.pk}, follow=True)
    assert any("Only a request waiting for approval" in m for m in messages_of(response))
    assert _state([second]) == [(EnrollmentStatus.DROPPED, None)]


def test_approving_into_a_full_offering_puts_the_student_on_the_waiting_list(client, world, approval):
    CourseOffering.objects.filter(pk=approval.pk).update(capacity=1)
    pending = _enroll(approval, EnrollmentStatus.PENDING, 1)
    client.force_login(world.a.instructor)
    response = client.post(roster_url(approval), {"action": "approve", "enrollment": pending[0].pk}, follow=True)
    assert views_roster.APPROVED_WAITLISTED.format(name=pending[0].user.full_name, position=1) in messages_of(response)
    assert _state(pending) == [(EnrollmentStatus.WAITLISTED, 1)]
    assert _counts(approval) == (1, 1)


def test_promote_from_the_waiting_list(client, world):
    offering = world.a.offering
    CourseOffering.objects.filter(pk=offering.pk).update(capacity=2, waitlist_count=2)
    waiting = _enroll(offering, EnrollmentStatus.WAITLISTED, 2)
    client.force_login(world.a.instructor)
    response = client.post(roster_url(offering), {"action": "promote", "enrollment": waiting[1].pk}, follow=True)
    assert views_roster.PROMOTED.format(name=waiting[1].user.full_name) in messages_of(response)
    assert _state(waiting) == [(EnrollmentStatus.WAITLISTED, 1), (EnrollmentStatus.ACTIVE, None)]
    assert _counts(offering) == (2, 1)
    # Full now: promoting is refused with the service's message; nothing changes.
    response = client.post(roster_url(offering), {"action": "promote", "enrollment": waiting[0].pk}, follow=True)
    assert any(NO_SEAT in m for m in messages_of(response))
    assert _state(waiting) == [(EnrollmentStatus.WAITLISTED, 1), (EnrollmentStatus.ACTIVE, None)]
    assert _counts(offering) == (2, 1)


# --- bad input -------------------------------------------------------------------------------------


def _snapshot():
    return sorted(CourseEnrollment.objects.values_list("pk", "status", "waitlist_position"))


def test_bad_input_is_a_4xx_and_writes_nothing(client, world, approval):
    pending = _enroll(approval, EnrollmentStatus.PENDING, 1)
    elsewhere = CourseOfferingFactory(course=world.a.course, requires_approval=True)
    CourseOfferingInstructorFactory(course_offering=elsewhere, user=world.a.instructor)
    foreign = _enroll(elsewhere, EnrollmentStatus.PENDING, 1)[0]  # the same instructor's other offering
    other_university = _enroll(world.b.offering, EnrollmentStatus.PENDING, 1)[0]
    client.force_login(world.a.instructor)
    before = _snapshot()
    url = roster_url(approval)
    # An enrollment that does not exist, or belongs to another offering (even one they teach): 404.
    assert client.post(url, {"action": "approve", "enrollment": 987654321}).status_code == 404
    assert client.post(url, {"action": "approve", "enrollment": foreign.pk}).status_code == 404
    assert client.post(url, {"action": "decline", "enrollment": other_university.pk}).status_code == 404
    # Malformed posts: 400 with a message on the roster.
    for data in (
        {"action": "approve", "enrollment": "abc"},
        {"action": "approve", "enrollment": "²"},
        {"action": "approve", "enrollment": "99999999999999999999999"},
        {"action": "drop_everyone", "enrollment": pending[0].pk},
        {"enrollment": pending[0].pk},
        {},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert views_roster.BAD_ACTION in messages_of(response)
    assert _snapshot() == before


# --- query counts ----------------------------------------------------------------------------------


def _fill(offering, n: int) -> None:
    users = UserFactory.create_batch(n)
    thirds = n // 3
    CourseEnrollment.objects.bulk_create(
        [CourseEnrollment(user=u, course_offering=offering, status=EnrollmentStatus.PENDING) for u in users[:thirds]]
        + [
            CourseEnrollment(user=u, course_offering=offering, status=EnrollmentStatus.WAITLISTED,
                             waitlist_position=i + 1)
            for i, u in enumerate(users[thirds: 2 * thirds])
        ]
        + [CourseEnrollment(user=u, course_offering=offering, status=EnrollmentStatus.ACTIVE) for u in users[2 * thirds:]]
    )


def test_roster_query_count_does_not_grow_with_200_enrollments(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = CourseOfferingFactory(course=world.a.course, requires_approval=True)
    large = CourseOfferingFactory(course=world.a.course, requires_approval=True)
    for offering in (small, large):
        CourseOfferingInstructorFactory(course_offering=offering, user=world.a.instructor)
    _fill(small, 3)
    _fill(large, 200)
    client.force_login(world.a.instructor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(roster_url(small)).status_code == 200
    with django_assert_max_num_queries(len(few)):
        response = client.get(roster_url(large))
    roster = response.context["roster"]
    assert len(roster.pending) + len(roster.waitlist) + len(roster.active) == 200
    assert response.content.decode().count('value="approve"') == len(roster.pending)


def test_each_roster_section_lists_a_bounded_number_of_rows_and_shows_its_total(client, world, monkeypatch):
    """An offering with more enrollments than a section lists: the first ones in the section's order, and the
    real totals in the counts and headings."""
    from learning.enrollment import roster as roster_module

    monkeypatch.setattr(roster_module, "SECTION_LIMIT", 2)
    offering = CourseOfferingFactory(course=world.a.course, requires_approval=True)
    CourseOfferingInstructorFactory(course_offering=offering, user=world.a.instructor)
    pending = _enroll(offering, EnrollmentStatus.PENDING, 5)
    waiting = _enroll(offering, EnrollmentStatus.WAITLISTED, 4)
    _enroll(offering, EnrollmentStatus.ACTIVE, 3)
    _enroll(offering, EnrollmentStatus.COMPLETED, 3)
    client.force_login(world.a.instructor)
    response = client.get(roster_url(offering))
    roster = response.context["roster"]
    assert [e.pk for e in roster.pending] == [e.pk for e in pending[:2]]
    assert [e.pk for e in roster.waitlist] == [e.pk for e in waiting[:2]]
    assert (len(roster.active), len(roster.completed)) == (2, 2)
    assert roster.totals == {"pending": 5, "waitlist": 4, "active": 3, "completed": 3}
    html = response.content.decode()
    assert 'data-count="pending">5<' in html and 'data-count="completed">3<' in html
    assert "The 2 oldest of 5 requests" in html and "The first 2 of 4 places" in html
    assert "The first 2 of 3 students" in html and "(the first 2 of 3)" in html
    assert html.count('value="approve"') == 2 and pending[2].user.email not in html


# --- the Teaching list and the nav -------------------------------------------------------------------


def test_teaching_list_shows_the_users_offerings_with_pending_counts(client, world, approval):
    _enroll(approval, EnrollmentStatus.PENDING, 2)
    quiet = CourseOfferingFactory(course=world.a.course)
    CourseOfferingInstructorFactory(course_offering=quiet, user=world.a.ta, role=OfferingStaffRole.TA)
    client.force_login(world.a.ta)
    response = client.get(reverse("learning:teaching"))
    offerings = response.context["offerings"]
    assert [(o.pk, o.pending_count) for o in offerings] == [(approval.pk, 2), (quiet.pk, 0)]
    html = response.content.decode()
    assert roster_url(approval) in html and roster_url(quiet) in html
    assert f'data-pending="{approval.pk}">2<' in html
    assert world.b.offering.course.title not in html
    # Another university's admin sees their own offerings, not A's.
    client.force_login(world.b.university_admin)
    shown = {o.pk for o in client.get(reverse("learning:teaching")).context["offerings"]}
    assert world.b.offering.pk in shown and approval.pk not in shown and quiet.pk not in shown


def test_teaching_list_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = UserFactory()
    UserUniversityRole.objects.create(user=admin, university=world.a.university, role=UniversityRole.UNIVERSITY_ADMIN)
    client.force_login(admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("learning:teaching"))
    for _ in range(60):
        offering = CourseOfferingFactory(course=world.a.course)
        _enroll(offering, EnrollmentStatus.PENDING, 1)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("learning:teaching"))
    assert len(response.context["offerings"]) == views_roster.TEACHING_PAGE_SIZE and response.context["has_next"]
    second = client.get(reverse("learning:teaching"), {"page": 2})
    assert len(second.context["offerings"]) == 61 - views_roster.TEACHING_PAGE_SIZE  # + the world's offering
    assert client.get(reverse("learning:teaching"), {"page": "x"}).context["page"] == 1


@pytest.mark.parametrize(("who", "shown"), [("instructor", True), ("ta", True), ("student", False)])
def test_teaching_nav_link(client, world, who, shown):
    client.force_login(getattr(world.a, who))
    html = client.get(reverse("learning:dashboard")).content.decode()
    assert (f'href="{reverse("learning:teaching")}"' in html) is shown
