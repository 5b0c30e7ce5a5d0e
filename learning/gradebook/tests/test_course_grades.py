"""Course grades: the one set-based recompute (query bound on 200 students × 30 items), triggered by a grade
change after commit; finalisation; the audited course-grade override; the certificate rule (passing grade
or completion only), a late passing grade, expiry from the policy; a passing grade meets a prerequisite."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import OfferingVisibility, PrerequisiteType
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, CoursePrerequisiteFactory
from learning.assessments import assignments
from learning.assessments.models_submissions import GradeChange
from learning.enrollment import services as enrollment_services
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.gradebook import grades, services
from learning.gradebook.models import Certificate, CertificateRule, CourseGrade, GradingPolicy
from learning.gradebook.reasons import REASON_TOO_LONG
from learning.gradebook.tests import builders
from learning.gradebook.tests.builders import assignment_submission, quiz_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(world):
    """A's course with one quiz and one assignment (default policy: 50/50, pass mark 50)."""
    module = builders.lesson_of(world.a)
    quiz = builders.quiz(world.a, module=module, title="Quiz")
    essay = builders.assignment(world.a, module=module, title="Essay", max_points=50)
    return quiz, essay


def grade_of(tenant, user=None) -> CourseGrade:
    return CourseGrade.objects.get(user=user or tenant.student, course_offering=tenant.offering)


def test_recompute_writes_final_current_letter_and_passed(world, graded):
    quiz, essay = graded
    a = world.a
    quiz_attempt(a.offering, a.student, quiz, 9)  # 90 %; the essay is not graded yet
    assert grades.recompute_course_grades(a.offering) == 1
    row = grade_of(a)
    # current: graded work only (90 %); final: the missing essay counts as zero (45 %)
    assert (row.current_score, row.final_score, row.letter_grade, row.passed) == (
        Decimal("90.00"), Decimal("45.00"), "F", False,
    )  # fmt: skip
    assert row.graded_at is not None
    assignment_submission(a.offering, a.student, essay, 40)  # 80 %
    grades.recompute_course_grades(a.offering)
    row = grade_of(a)
    assert (row.current_score, row.final_score, row.letter_grade, row.passed) == (
        Decimal("85.00"), Decimal("85.00"), "B", True,
    )  # fmt: skip
    assert grades.recompute_course_grades(a.offering) == 0  # nothing moved: nothing written


def test_an_offering_without_graded_items_has_no_computed_grades(world):
    assert grades.recompute_course_grades(world.a.offering) == 0
    assert not CourseGrade.objects.exists()


def test_recompute_is_set_based(world, django_assert_max_num_queries):
    a = world.a
    module = builders.lesson_of(a)
    items = [builders.quiz(a, module=module, title=f"Q{n}") for n in range(10)]
    items += [builders.lab(a, module=module, title=f"L{n}") for n in range(10)]
    items += [builders.assignment(a, module=module, title=f"A{n}") for n in range(10)]
    users = builders.learners(a, 199)
    builders.bulk_scores(
        a.offering, users, items, score_of=lambda i, j: None if (i + j) % 5 == 0 else (i + 3 * j) % 101
    )
    with django_assert_max_num_queries(12):
        written = grades.recompute_course_grades(a.offering)
    assert written == 200 and CourseGrade.objects.filter(course_offering=a.offering).count() == 200
    with django_assert_max_num_queries(12):
        assert grades.recompute_course_grades(a.offering) == 0
    # Spot-check one student against the arithmetic.
    from learning.gradebook.scores import offering_policy, offering_scores

    policy, data = offering_policy(a.offering), offering_scores(a.offering, user_ids=[users[7].pk])
    expected = policy.grade(data.policy_scores(users[7].pk))
    row = grade_of(a, users[7])
    assert row.final_score == Decimal(str(round(expected.final, 2))).quantize(Decimal("0.01"))


def test_a_grade_change_recomputes_after_commit(world, graded, django_capture_on_commit_callbacks):
    quiz, essay = graded
    a = world.a
    submission = assignment_submission(a.offering, a.student, essay, None)
    with django_capture_on_commit_callbacks(execute=True):
        assignments.grade_assignment(actor=a.instructor, submission=submission, raw_score=Decimal(50))
    row = grade_of(a)
    assert (row.current_score, row.final_score) == (Decimal("100.00"), Decimal("50.00"))


def test_finalise_then_only_an_override_changes_it(world, graded, django_capture_on_commit_callbacks):
    quiz, essay = graded
    a = world.a
    quiz_attempt(a.offering, a.student, quiz, 9)
    with pytest.raises(PermissionDenied):
        grades.finalize_course_grades(actor=a.ta, offering=a.offering)
    with pytest.raises(PermissionDenied):
        grades.finalize_course_grades(actor=world.b.instructor, offering=a.offering)
    assert grades.finalize_course_grades(actor=a.instructor, offering=a.offering) == 1
    row = grade_of(a)
    assert row.finalized_at is not None and row.final_score == Decimal("45.00")
    with pytest.raises(ValidationError) as caught:
        grades.finalize_course_grades(actor=a.instructor, offering=a.offering)
    assert caught.value.messages == [grades.ALREADY_FINALIZED]
    assignment_submission(a.offering, a.student, essay, 50)
    assert grades.recompute_course_grades(a.offering) == 0
    assert grade_of(a).final_score == Decimal("45.00")

    for bad_score, bad_reason, message in (
        ("75", "   ", grades.REASON_REQUIRED),
        ("75", "\x00", grades.REASON_REQUIRED),
        ("75", "x" * 1001, REASON_TOO_LONG.format(max=1000)),
        ("-1", "Oral exam", grades.SCORE_INVALID),
        ("abc", "Oral exam", grades.SCORE_INVALID),
        ("201", "Oral exam", grades.SCORE_INVALID),
    ):
        with pytest.raises(ValidationError) as caught:
            grades.override_course_grade(
                actor=a.instructor, offering=a.offering, student_id=a.student.pk, score=bad_score, reason=bad_reason
            )
        assert caught.value.messages == [message]
    with pytest.raises(ValidationError):
        grades.override_course_grade(
            actor=a.instructor, offering=a.offering, student_id=world.b.student.pk, score="80", reason="x"
        )
    with pytest.raises(PermissionDenied):
        grades.override_course_grade(
            actor=world.b.instructor, offering=a.offering, student_id=a.student.pk, score="80", reason="x"
        )
    assert not GradeChange.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        grades.override_course_grade(
            actor=a.instructor, offering=a.offering, student_id=a.student.pk, score="75", reason="Oral exam passed"
        )
    row = grade_of(a)
    assert (row.final_score, row.letter_grade, row.passed, row.override_reason) == (
        Decimal("75.00"), "C", True, "Oral exam passed",
    )  # fmt: skip
    change = GradeChange.objects.get()
    assert (change.kind, change.field, change.from_value, change.to_value, change.actor_id, change.reason) == (
        "override", "final_score", Decimal("45.00"), Decimal("75.00"), a.instructor.pk, "Oral exam passed",
    )  # fmt: skip


def test_an_override_survives_recomputes(world, graded):
    quiz, _ = graded
    a = world.a
    quiz_attempt(a.offering, a.student, quiz, 2)
    grades.override_course_grade(
        actor=a.university_admin, offering=a.offering, student_id=a.student.pk, score="60", reason="Appeal upheld"
    )
    quiz_attempt(a.offering, a.student, quiz, 10, number=2)
    grades.recompute_course_grades(a.offering)
    row = grade_of(a)
    assert (row.final_score, row.current_score) == (Decimal("60.00"), Decimal("100.00"))


def test_ended_offerings_are_recomputed_once(world, graded):
    quiz, _ = graded
    a = world.a
    quiz_attempt(a.offering, a.student, quiz, 9)
    assert grades.recompute_ended_offerings() == 0  # not ended
    a.offering.ends_at = timezone.now() - timedelta(hours=1)
    a.offering.save(update_fields=["ends_at"])
    assert grades.queue_ended_offerings() == 1  # the immediate backend runs the task
    assert grade_of(a).final_score == Decimal("45.00")
    assert GradingPolicy.objects.get(course_offering=a.offering).ended_recomputed_at is not None
    assert grades.queue_ended_offerings() == 0 and grades.recompute_ended_offerings() == 0


# --- certificates ------------------------------------------------------------------------------------------


def complete(tenant, django_capture_on_commit_callbacks, user=None):
    enrollment = CourseEnrollment.objects.get(user=user or tenant.student, course_offering=tenant.offering)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_services.record_course_completion(enrollment_id=enrollment.pk)


def test_completion_without_a_passing_grade_issues_nothing_until_the_grade_passes(
    world, graded, django_capture_on_commit_callbacks
):
    quiz, essay = graded
    a = world.a
    quiz_attempt(a.offering, a.student, quiz, 9)  # final 45 %: not passing
    complete(a, django_capture_on_commit_callbacks)
    assert not Certificate.objects.exists()
    assert grade_of(a).passed is False  # the completion recomputed it
    enrollment = CourseEnrollment.objects.get(user=a.student, course_offering=a.offering)
    with pytest.raises(ValidationError) as caught:
        services.issue_certificate(enrollment=enrollment)
    assert caught.value.messages == [services.NOT_PASSED]
    # A late grade: the essay is graded after completion; the grade turns passing and the certificate follows.
    submission = assignment_submission(a.offering, a.student, essay, None)
    with django_capture_on_commit_callbacks(execute=True):
        assignments.grade_assignment(actor=a.instructor, submission=submission, raw_score=Decimal(30))
    assert grade_of(a).passed is True
    assert Certificate.objects.filter(user=a.student, course_offering=a.offering).count() == 1


def test_completion_only_rule_and_expiry(world, graded, django_capture_on_commit_callbacks):
    a = world.a
    GradingPolicy.objects.create(
        university=a.university, course_offering=a.offering, certificate_rule=CertificateRule.COMPLETION,
        certificate_valid_months=12,
    )  # fmt: skip
    complete(a, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(user=a.student)
    assert certificate.expires_at is not None
    assert 364 <= (certificate.expires_at - certificate.issued_at).days <= 366
    assert certificate.status_at(certificate.issued_at + timedelta(days=400)) == "Expired"


def test_add_months_clamps_the_day():
    from datetime import UTC, datetime

    assert services.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert services.add_months(datetime(2026, 11, 15, tzinfo=UTC), 14) == datetime(2028, 1, 15, tzinfo=UTC)


def test_an_override_to_passing_after_completion_issues(world, graded, django_capture_on_commit_callbacks):
    a = world.a
    complete(a, django_capture_on_commit_callbacks)
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        grades.override_course_grade(
            actor=a.instructor, offering=a.offering, student_id=a.student.pk, score="70", reason="Viva"
        )
    assert Certificate.objects.filter(user=a.student).exists()


def test_a_passing_course_grade_meets_a_prerequisite(world, django_capture_on_commit_callbacks):
    """End to end: a graded quiz in the prerequisite's offering → recomputed course grade → enrollment rule."""
    a = world.a
    quiz = builders.quiz(a, title="Final quiz")
    next_course = CourseFactory(university=a.university, code="MATH201", is_published=True)
    CoursePrerequisiteFactory(
        course=next_course, prerequisite_course=a.course, prerequisite_type=PrerequisiteType.STRICT
    )
    now = timezone.now()
    next_offering = CourseOfferingFactory(
        course=next_course, starts_at=now, ends_at=now + timedelta(days=60),
        enrollment_start=now - timedelta(days=1), enrollment_end=now + timedelta(days=10),
        visibility=OfferingVisibility.PUBLIC,
    )  # fmt: skip
    passing, failing = UserFactory(), UserFactory()
    for user in (passing, failing):
        CourseEnrollment.objects.create(user=user, course_offering=a.offering, status=EnrollmentStatus.ACTIVE)
    quiz_attempt(a.offering, passing, quiz, 8)
    quiz_attempt(a.offering, failing, quiz, 3)
    grades.recompute_course_grades(a.offering)
    assert enrollment_services.request_enrollment(actor=passing, offering=next_offering).status == "active"
    with pytest.raises(ValidationError) as caught:
        enrollment_services.request_enrollment(actor=failing, offering=next_offering)
    assert "MATH101" in " ".join(caught.value.messages)


def test_removing_an_override_brings_back_the_computed_grade_audited(world, graded, django_capture_on_commit_callbacks):
    quiz, _ = graded
    a = world.a
    quiz_attempt(a.offering, a.student, quiz, 9)
    grades.recompute_course_grades(a.offering)
    grades.override_course_grade(
        actor=a.instructor, offering=a.offering, student_id=a.student.pk, score="75", reason="Oral exam passed"
    )
    for actor, student_id, reason, refusal in (
        (a.instructor, a.student.pk, "  \x00 ", ValidationError),  # no reason
        (a.instructor, world.b.student.pk, "Wrong student", ValidationError),  # not overridden here
        (a.ta, a.student.pk, "Mistake", PermissionDenied),
        (world.b.instructor, a.student.pk, "Mistake", PermissionDenied),
    ):
        with pytest.raises(refusal):
            grades.remove_course_grade_override(actor=actor, offering=a.offering, student_id=student_id, reason=reason)
    assert grade_of(a).final_score == Decimal("75.00") and GradeChange.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        grades.remove_course_grade_override(
            actor=a.university_admin, offering=a.offering, student_id=a.student.pk, reason="Entered by  mistake"
        )
    row = grade_of(a)
    assert (row.final_score, row.letter_grade, row.passed) == (Decimal("45.00"), "F", False)
    assert (row.overridden_at, row.overridden_by_id, row.override_reason) == (None, None, "")
    change = GradeChange.objects.order_by("-id").first()
    assert (change.kind, change.field, change.from_value, change.to_value, change.actor_id, change.reason) == (
        "override", "final_score", Decimal("75.00"), Decimal("45.00"), a.university_admin.pk, "Entered by mistake",
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:  # twice: nothing left to remove
        grades.remove_course_grade_override(
            actor=a.instructor, offering=a.offering, student_id=a.student.pk, reason="Again"
        )
    assert caught.value.messages == [grades.NOT_OVERRIDDEN]
    # recomputes move it again now
    quiz_attempt(a.offering, a.student, quiz, 10, number=2)
    grades.recompute_course_grades(a.offering)
    assert grade_of(a).final_score == Decimal("50.00")


def test_an_override_cannot_be_removed_once_the_grades_are_final(world, graded):
    quiz, _ = graded
    a = world.a
    quiz_attempt(a.offering, a.student, quiz, 9)
    grades.override_course_grade(
        actor=a.instructor, offering=a.offering, student_id=a.student.pk, score="75", reason="Oral exam passed"
    )
    grades.finalize_course_grades(actor=a.instructor, offering=a.offering)
    with pytest.raises(ValidationError) as caught:
        grades.remove_course_grade_override(
            actor=a.instructor, offering=a.offering, student_id=a.student.pk, reason="Mistake"
        )
    assert caught.value.messages == [grades.REMOVE_FINALIZED]
    row = grade_of(a)
    assert (row.final_score, row.override_reason) == (Decimal("75.00"), "Oral exam passed")
