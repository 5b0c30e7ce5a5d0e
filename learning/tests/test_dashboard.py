"""My learning: sections, progress, resume link, waitlist positions, grades/certificates, suggestions,
and a query count that does not grow with the number of enrollments."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory, UserSubjectPreferenceFactory
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, SubjectFactory
from learning.models import EnrollmentStatus, UserModuleProgress
from learning.selectors import get_dashboard
from learning.tests.factories import (
    CertificateFactory,
    CourseEnrollmentFactory,
    CourseGradeFactory,
    UserContentProgressFactory,
)

pytestmark = pytest.mark.django_db
URL = "/learn/"


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sections_progress_resume_waitlist_and_completion(world, client):
    student = world.a.student
    offering = world.a.offering
    item_row = UserContentProgressFactory(user=student, course_offering=offering,
                                          last_interacted_at=timezone.now(), content_item__title="Eigenvectors 101")
    UserModuleProgress.objects.create(user=student, course_offering=offering, module=world.a.root_module,
                                      progress_percent=40)
    now = timezone.now()
    later = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Later course"),
                                  starts_at=now + timedelta(days=20), ends_at=now + timedelta(days=60))
    CourseEnrollmentFactory(user=student, course_offering=later, status=EnrollmentStatus.ACTIVE)
    full = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Full course"))
    CourseEnrollmentFactory(user=student, course_offering=full, status=EnrollmentStatus.WAITLISTED, waitlist_position=3)
    done = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Done course"))
    CourseEnrollmentFactory(user=student, course_offering=done, status=EnrollmentStatus.COMPLETED,
                            completed_at=now)
    CourseGradeFactory(user=student, course_offering=done, letter_grade="A-")
    CertificateFactory(user=student, course_offering=done, certificate_code="CERT-XYZ")
    dropped = CourseOfferingFactory(course=CourseFactory(university=world.a.university, title="Dropped course"))
    CourseEnrollmentFactory(user=student, course_offering=dropped, status=EnrollmentStatus.DROPPED)

    client.force_login(student)
    body = client.get(URL).content.decode()
    assert "Linear Algebra at ALPHA" in body and "40% complete" in body
    assert reverse("player:item", args=[offering.pk, item_row.content_item_id]) in body
    assert "Eigenvectors 101" in body
    assert "Later course" in body and "starts" in body
    assert "#3 in line" in body
    assert "Grade A-" in body and "CERT-XYZ" in body
    assert "Dropped course" not in body
    # Nothing of another student leaks in.
    client.force_login(world.b.student)
    assert "Linear Algebra at ALPHA" not in client.get(URL).content.decode()


def test_suggestions_follow_preferred_subjects_and_visibility(world):
    parent = SubjectFactory()
    child = SubjectFactory(parent_subject=parent)
    student = UserFactory()
    UserSubjectPreferenceFactory(user=student, subject=parent)
    shown = CourseFactory(university=world.b.university, title="Child subject course", primary_subject=child)
    CourseOfferingFactory(course=shown)
    hidden = CourseFactory(university=world.b.university, title="Private course", primary_subject=parent)
    CourseOfferingFactory(course=hidden, visibility="private")
    taken = CourseFactory(university=world.b.university, title="Taken", primary_subject=parent)
    CourseEnrollmentFactory(user=student, course_offering=CourseOfferingFactory(course=taken))
    assert [c.title for c in get_dashboard(user=student).suggestions] == ["Child subject course"]


@pytest.mark.parametrize("n", [1, 25])
def test_dashboard_query_count_is_fixed(world, client, django_assert_max_num_queries, n):
    student = UserFactory()
    for i in range(n):
        offering = CourseOfferingFactory(course=CourseFactory(university=world.tenants[i % 2].university))
        CourseEnrollmentFactory(user=student, course_offering=offering,
                                status=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED,
                                        EnrollmentStatus.WAITLISTED][i % 3],
                                waitlist_position=1 if i % 3 == 2 else None)
    UserSubjectPreferenceFactory(user=student)
    client.force_login(student)
    # session, user, enrollments (one query with every annotation), memberships, suggestions, nav.
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
