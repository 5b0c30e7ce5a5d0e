"""The course page and My learning read what is personal in fixed-text prepared statements (issue 22): the
course page's offerings with their staff and live seats (catalog), the student's enrollments, prerequisite
standing, invitations and review share (learning); My learning's enrollments with everything shown beside
them. These tests pin what the statements must keep from the ORM versions they replaced: tenant rules,
live counts, the per-user parts, the Teach link read with the viewer, and fixed query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import UniversityRole
from accounts.services import grant_role
from accounts.tests.factories import UserFactory, UserSubjectPreferenceFactory
from catalog import services as catalog_services
from catalog.models import OfferingStaffRole, OfferingVisibility
from catalog.tests.factories import (
    CourseFactory,
    CourseOfferingFactory,
    CourseOfferingInstructorFactory,
    CoursePrerequisiteFactory,
    SubjectFactory,
)
from learning.models import EnrollmentStatus
from learning.progress.models import UserModuleProgress
from learning.tests.factories import CourseEnrollmentFactory, CourseGradeFactory, CourseInvitationFactory
from syllabus.models import Module

pytestmark = pytest.mark.django_db
TEACH_LINK = f'href="{reverse("syllabus:course-list")}">Teach</a>'


def detail(course):
    return reverse("catalog:course-detail", args=[course.university.short_code, course.code])


def terms(body: str) -> set[str]:
    return {term.strip() for term in re.findall(r"<h3 class=\"h6 mb-1\">(Term [^<]+)", body)}


def test_course_page_offerings_follow_the_tenant_rules(world, client):
    course = world.a.course
    for visibility in OfferingVisibility.values:
        CourseOfferingFactory(course=course, visibility=visibility, term_name=f"Term {visibility}")
    invite_only = course.offerings.get(term_name="Term invite_only")
    unlisted = course.offerings.get(term_name="Term unlisted")
    CourseInvitationFactory(course_offering=invite_only, email=world.b.student.email)
    CourseOfferingInstructorFactory(course_offering=unlisted, user=world.b.ta, role=OfferingStaffRole.INSTRUCTOR)

    client.force_login(world.b.student)  # another university's student, invited by e-mail
    body = client.get(detail(course)).content.decode()
    assert terms(body) == {"Term public", "Term invite_only"}
    assert f'id="code-{invite_only.pk}"' not in body  # invited: no code asked
    client.force_login(world.a.student)  # a member of A, not invited
    body = client.get(detail(course)).content.decode()
    assert terms(body) == {"Term public", "Term private"}
    client.force_login(world.b.ta)  # instructor of the unlisted offering only: sees it as its manager
    body = client.get(detail(course)).content.decode()
    assert terms(body) == {"Term public", "Term unlisted"}
    assert "You see this offering because you manage it" in body and "?link=" in body
    client.force_login(world.a.university_admin)  # administers the course: every offering
    assert terms(client.get(detail(course)).content.decode()) == {f"Term {v}" for v in OfferingVisibility.values}
    client.logout()
    assert terms(client.get(detail(course)).content.decode()) == {"Term public"}


def test_course_page_seats_and_staff_are_live(world, client):
    course = world.a.course
    offering = CourseOfferingFactory(course=course, term_name="Term seats", capacity=10)
    CourseOfferingInstructorFactory(course_offering=offering, user=world.a.ta, role=OfferingStaffRole.TA)
    client.force_login(world.b.student)
    body = client.get(detail(course)).content.decode()
    assert "10 seats left of 10" in body and f"{world.a.ta.full_name} (TA)" in body
    # The enrollment service writes the counts without a catalog version bump: the page reads them live.
    catalog_services.set_offering_counts(offering_id=offering.pk, enrolled_count=7, waitlist_count=2)
    body = client.get(detail(course)).content.decode()
    assert "3 seats left of 10" in body and "2 on the waiting list" in body


def test_course_page_enrollment_standing_and_review_button_are_each_users_own(world, client):
    course, offering = world.a.course, world.a.offering
    prerequisite = CourseFactory(university=world.a.university, code="PRE1")
    CoursePrerequisiteFactory(course=course, prerequisite_course=prerequisite)
    passed = UserFactory()
    CourseGradeFactory(user=passed, course_offering=CourseOfferingFactory(course=prerequisite), passed=True)
    CourseEnrollmentFactory(user=passed, course_offering=offering, status=EnrollmentStatus.COMPLETED)
    client.force_login(passed)
    body = client.get(detail(course)).content.decode()
    assert "You completed this course." in body and "Review the course" in body
    assert re.search(r"PRE1 .*?</a>\s*<span[^>]*>\(strict\)</span>\s*<span class=\"badge text-bg-success\">met", body)
    client.force_login(world.b.student)  # nothing of the other student: not enrolled, prerequisite not met
    body = client.get(detail(course)).content.decode()
    assert "You completed this course." not in body and "Review the course" not in body
    assert "Prerequisites missing" in body and "Complete first: PRE1" in body


def test_course_page_query_count_does_not_grow(world, client, django_assert_max_num_queries):
    course = world.a.course
    student = world.b.student
    for n in range(8):
        offering = CourseOfferingFactory(
            course=course,
            term_name=f"Term {n}",
            visibility=[OfferingVisibility.PUBLIC, OfferingVisibility.INVITE_ONLY][n % 2],
        )
        for staff in (world.a.instructor, world.a.ta):
            CourseOfferingInstructorFactory(
                course_offering=offering,
                user=staff,
                role=OfferingStaffRole.INSTRUCTOR if staff == world.a.instructor else "ta",
            )
        CourseInvitationFactory(course_offering=offering, email=student.email)
        CourseEnrollmentFactory(
            user=student, course_offering=offering, status=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED][n % 2]
        )
        CoursePrerequisiteFactory(course=course, prerequisite_course=CourseFactory(university=world.a.university))
    client.force_login(student)
    client.get(detail(course))
    # session with user, viewer (memberships, invite-only, teaching), offerings with staff, the student's rows,
    # the certificates of completed offerings (the cache is in memory here: its read is no query).
    with django_assert_max_num_queries(5):
        body = client.get(detail(course)).content.decode()
    assert len(terms(body)) == 8 and body.count(world.a.ta.full_name) == 9  # and the world's own offering


@pytest.mark.parametrize(
    ("who", "expected"),
    [("student", False), ("instructor", True), ("ta", True), ("university_admin", True), ("department_admin", True)],
)
@pytest.mark.parametrize("page", ["course", "learn"])
def test_teach_link_on_the_course_page_and_my_learning(world, client, who, expected, page):
    client.force_login(getattr(world.a, who))
    body = client.get(detail(world.a.course) if page == "course" else "/learn/").content.decode()
    assert (TEACH_LINK in body) is expected


def test_admin_of_a_university_without_courses_has_no_teach_link_on_the_course_page(world, client):
    admin = UserFactory(email="admin@b.example.edu")
    empty = CourseFactory(university=world.b.university).university
    empty.courses.all().delete()
    grant_role(actor=None, user=admin, university=empty, role=UniversityRole.UNIVERSITY_ADMIN)
    client.force_login(admin)
    assert TEACH_LINK not in client.get(detail(world.a.course)).content.decode()


def test_my_learning_reads_rollups_with_the_suggestions(world, client):
    """The rollup versions are read in the suggestions' cache round trip: a current rollup is shown as stored,
    and dropped courses stay out of the suggestions."""
    from learning.progress.rollups import ROLLUPS_VERSION_KEY

    student, offering = world.a.student, world.a.offering
    root = Module.objects.get(course=offering.course, parent_module__isnull=True)
    UserModuleProgress.objects.update_or_create(
        user=student, course_offering=offering, module=root, defaults={"progress_percent": 37}
    )
    from django.core.cache import cache

    cache.set(ROLLUPS_VERSION_KEY.format(offering_id=offering.pk), offering.course.structure_version, None)
    subject = SubjectFactory()
    UserSubjectPreferenceFactory(user=student, subject=subject)
    dropped = CourseFactory(university=world.a.university, title="Dropped optics", primary_subject=subject)
    CourseEnrollmentFactory(
        user=student, course_offering=CourseOfferingFactory(course=dropped), status=EnrollmentStatus.DROPPED
    )
    shown = CourseFactory(university=world.b.university, title="Open optics", primary_subject=subject)
    CourseOfferingFactory(course=shown, starts_at=timezone.now() + timedelta(days=3))
    client.force_login(student)
    body = client.get("/learn/").content.decode()
    assert "37% complete" in body
    assert "Open optics" in body and "Dropped optics" not in body
