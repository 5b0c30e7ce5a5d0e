"""Certificates: issued once per student and offering (also under a race), on completion, revoked with a
reason, and the grade shown only by the owner's choice."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.tests.factories import UserFactory
from catalog.tests.factories import CourseFactory, CourseOfferingFactory
from learning.enrollment import services as enrollment_services
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.gradebook import services
from learning.gradebook.models import Certificate
from learning.notifications.models import Notification, NotificationKind


def enrollment_of(tenant) -> CourseEnrollment:
    return CourseEnrollment.objects.get(user=tenant.student, course_offering=tenant.offering)


def test_completion_issues_one_certificate_and_notifies_the_student(world, django_capture_on_commit_callbacks):
    enrollment = enrollment_of(world.a)
    with django_capture_on_commit_callbacks(execute=True):
        assert enrollment_services.record_course_completion(enrollment_id=enrollment.pk)
    certificate = Certificate.objects.get(user=world.a.student)
    assert certificate.course_offering_id == world.a.offering.pk
    assert len(certificate.certificate_code) >= 32  # token_urlsafe(24): 192 bits
    assert (certificate.revoked_at, certificate.show_grade) == (None, False)
    note = Notification.objects.get(user=world.a.student, kind=NotificationKind.CERTIFICATE_ISSUED)
    assert note.url == f"/certificates/{certificate.certificate_code}/"
    # A second completion path for the same enrollment makes no second certificate.
    again, created = services.issue_certificate(enrollment=enrollment)
    assert (again.pk, created) == (certificate.pk, False)
    assert Certificate.objects.filter(user=world.a.student).count() == 1


def test_bulk_completion_and_staff_completion_issue_certificates(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            enrollment_services.record_course_completions(
                offering_id=world.a.offering.pk, user_ids=[world.a.student.pk]
            )
            == 1
        )
    assert Certificate.objects.filter(user=world.a.student, course_offering=world.a.offering).exists()
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_services.complete_enrollment(actor=world.b.instructor, enrollment=enrollment_of(world.b))
    assert Certificate.objects.filter(user=world.b.student, course_offering=world.b.offering).exists()


def test_a_rolled_back_completion_issues_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                enrollment_services.record_course_completion(enrollment_id=enrollment_of(world.a).pk)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert not Certificate.objects.exists()


def test_an_active_enrollment_gets_no_certificate(world):
    with pytest.raises(ValidationError) as excinfo:
        services.issue_certificate(enrollment=enrollment_of(world.a))
    assert excinfo.value.messages == [services.NOT_COMPLETED]
    assert not Certificate.objects.exists()


def test_the_database_refuses_a_second_certificate(world):
    Certificate.objects.create(
        user=world.a.student, course_offering=world.a.offering, certificate_code=services.new_code()
    )
    with pytest.raises(IntegrityError, match="ux_certificates_user_offering"), transaction.atomic():
        Certificate.objects.create(
            user=world.a.student, course_offering=world.a.offering, certificate_code=services.new_code()
        )


def issued(tenant) -> Certificate:
    enrollment = enrollment_of(tenant)
    CourseEnrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED)
    return services.issue_certificate(enrollment=enrollment)[0]


def test_revocation_needs_staff_of_the_offering_and_a_reason(world):
    certificate = issued(world.a)
    for outsider in (world.a.student, world.b.instructor, world.b.university_admin):
        with pytest.raises(PermissionDenied):
            services.revoke_certificate(actor=outsider, certificate=certificate, reason="Plagiarism")
    with pytest.raises(ValidationError) as excinfo:
        services.revoke_certificate(actor=world.a.instructor, certificate=certificate, reason="   ")
    assert excinfo.value.messages == [services.REASON_REQUIRED]
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    services.revoke_certificate(actor=world.a.instructor, certificate=certificate, reason="Academic  misconduct")
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revocation_reason == "Academic misconduct"
    with pytest.raises(ValidationError) as excinfo:
        services.revoke_certificate(actor=world.a.university_admin, certificate=certificate, reason="Again")
    assert excinfo.value.messages == [services.ALREADY_REVOKED]


def test_the_database_refuses_a_revocation_without_reason(world):
    certificate = issued(world.a)
    with pytest.raises(IntegrityError, match="ck_certificates_revocation_has_reason"), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=certificate.issued_at)


def test_only_the_owner_chooses_to_show_the_grade(world):
    certificate = issued(world.a)
    for other in (world.b.student, world.a.instructor, world.a.university_admin):
        with pytest.raises(PermissionDenied):
            services.set_certificate_grade_visibility(actor=other, certificate=certificate, show=True)
    with pytest.raises(ValidationError):
        services.set_certificate_grade_visibility(actor=world.a.student, certificate=certificate, show="yes")
    certificate.refresh_from_db()
    assert certificate.show_grade is False
    services.set_certificate_grade_visibility(actor=world.a.student, certificate=certificate, show=True)
    certificate.refresh_from_db()
    assert certificate.show_grade is True


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_make_one_certificate():
    offering = CourseOfferingFactory(course=CourseFactory())
    student = UserFactory()
    enrollment = CourseEnrollment.objects.create(
        user=student, course_offering=offering, status=EnrollmentStatus.COMPLETED
    )
    workers = 6
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    results: list[tuple[int, bool]] = []

    def issue():
        try:
            barrier.wait(timeout=30)
            certificate, created = services.issue_certificate(enrollment=enrollment)
            results.append((certificate.pk, created))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Certificate.objects.filter(user=student, course_offering=offering).count() == 1
    assert sorted(created for _, created in results) == [False] * (workers - 1) + [True]
    assert len({pk for pk, _ in results}) == 1
