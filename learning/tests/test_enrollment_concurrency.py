"""50 students enroll at once into a 10-seat offering: real threads, each on its own connection."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import CourseFactory, CourseOfferingFactory
from learning.enrollment import services
from learning.models import CourseEnrollment, EnrollmentStatus


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_fill_ten_seats_and_a_dense_waitlist():
    now = timezone.now()
    offering = CourseOfferingFactory(
        course=CourseFactory(), capacity=10, enrollment_start=now - timedelta(days=1),
        enrollment_end=now + timedelta(days=1),
    )
    students = [UserFactory() for _ in range(50)]
    barrier = threading.Barrier(len(students))
    errors: list[BaseException] = []

    def enroll(student):
        try:
            barrier.wait(timeout=30)
            services.request_enrollment(actor=student, offering=offering)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    rows = list(CourseEnrollment.objects.filter(course_offering=offering).order_by("waitlist_position", "enrolled_at"))
    active = [r for r in rows if r.status == EnrollmentStatus.ACTIVE]
    waitlisted = [r for r in rows if r.status == EnrollmentStatus.WAITLISTED]
    assert len(active) == 10
    assert sorted(r.waitlist_position for r in waitlisted) == list(range(1, 41))
    # First come, first served: everyone on the list asked after every active student.
    assert max(r.enrolled_at for r in active) <= min(r.enrolled_at for r in waitlisted)
    # … and the list itself is in the order of asking: position n asked before position n + 1 (each request
    # stamps its time under the offering lock, so the stamps are the order the lock was granted in).
    by_position = sorted(waitlisted, key=lambda r: r.waitlist_position)
    stamps = [r.enrolled_at for r in by_position]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    offering.refresh_from_db()
    assert (offering.enrolled_count, offering.waitlist_count) == (10, 40)
    # A freed seat goes to the first in line, and everyone else moves up by one.
    services.drop_enrollment(actor=active[0].user, enrollment=active[0])
    first = CourseEnrollment.objects.get(pk=by_position[0].pk)
    assert (first.status, first.waitlist_position) == (EnrollmentStatus.ACTIVE, None)
    moved = dict(CourseEnrollment.objects.filter(pk__in=[r.pk for r in by_position[1:]])
                 .values_list("pk", "waitlist_position"))
    assert [moved[r.pk] for r in by_position[1:]] == list(range(1, 40))
