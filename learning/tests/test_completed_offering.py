"""A finished offering, as its student and its staff see it: the course page's button says what it does,
and the roster names its counts so that they agree with its tables."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog import services as catalog_services
from catalog.tests.factories import CourseOfferingFactory, CourseOfferingInstructorFactory
from learning.models import EnrollmentStatus
from learning.tests.factories import CourseEnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(world):
    """Last term's offering of A's course: A's student completed it, nobody else enrolled."""
    now = timezone.now()
    offering = CourseOfferingFactory(
        course=world.a.course,
        term_name="Last term",
        starts_at=now - timedelta(days=200),
        ends_at=now - timedelta(days=60),
        enrollment_start=now - timedelta(days=230),
        enrollment_end=now - timedelta(days=190),
        capacity=30,
    )
    CourseOfferingInstructorFactory(course_offering=offering, user=world.a.instructor)
    CourseEnrollmentFactory(
        user=world.a.student,
        course_offering=offering,
        status=EnrollmentStatus.COMPLETED,
        completed_at=now - timedelta(days=61),
    )
    catalog_services.set_offering_counts(offering_id=offering.pk, enrolled_count=1, waitlist_count=0)
    return offering


def roster(client, offering) -> str:
    response = client.get(reverse("learning:roster", kwargs={"offering_id": offering.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_course_page_offers_to_open_a_completed_course_not_to_review_it(client, world, finished):
    # The student's current enrollment in A's running offering would show "Continue learning": drop it.
    world.a.student.enrollments.filter(course_offering=world.a.offering).update(status=EnrollmentStatus.DROPPED)
    client.force_login(world.a.student)
    html = client.get(
        reverse("catalog:course-detail", args=[world.a.university.short_code, world.a.course.code])
    ).content.decode()
    player = reverse("player:resume", args=[finished.pk])
    assert f'href="{player}">Open the course</a>' in html
    # "Review the course" now belongs to the reviews' own form; it never opens the player.
    assert f'href="{player}">Review the course' not in html
    assert "You completed this course." in html


def test_the_roster_of_a_finished_offering_names_seats_active_and_completed_apart(client, world, finished):
    client.force_login(world.a.instructor)
    html = roster(client, finished)
    assert 'title="Active and completed students each hold a seat">Seats taken</dt>' in html
    assert 'data-count="enrolled">1 / 30<' in html
    assert 'Active students <span class="badge text-bg-secondary" data-count="active">0<' in html
    assert 'data-count="completed">1<' in html
    # The table says where the one seat went instead of "No active students yet".
    assert "No active students: 1 completed the course (below)." in html
    assert "No active students yet" not in html
    assert world.a.student.email in html[html.index('id="active"') :]


def test_a_roster_without_anyone_says_no_active_students_yet(client, world):
    empty = CourseOfferingFactory(course=world.a.course, term_name="Next term")
    CourseOfferingInstructorFactory(course_offering=empty, user=world.a.instructor)
    client.force_login(world.a.instructor)
    html = roster(client, empty)
    assert "No active students yet." in html and 'data-count="enrolled">0' in html


def test_the_finished_roster_is_not_shown_to_the_student_or_the_other_university(client, world, finished):
    for user in (world.a.student, world.b.instructor, world.b.university_admin):
        client.force_login(user)
        response = client.get(reverse("learning:roster", kwargs={"offering_id": finished.pk}))
        assert response.status_code in (403, 404), user.email
        assert world.a.student.email not in response.content.decode()
