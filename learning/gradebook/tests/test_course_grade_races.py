"""Course grades under concurrency: recomputes racing each other and a finalisation make one row per student,
all final, with the policy's values; racing overrides leave one consistent row and one audit line each."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, CourseOfferingInstructorFactory
from learning.assessments.models_submissions import GradeChange
from learning.gradebook import grades
from learning.gradebook.models import CourseGrade, GradingPolicy
from learning.gradebook.tests import builders
from syllabus.models import Module, ModuleType
from syllabus.tests.factories import CourseRootModuleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(workers: list) -> list[BaseException]:
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.fixture
def offering_world():
    course = CourseFactory()
    if not Module.objects.filter(course=course, module_type=ModuleType.COURSE_ROOT).exists():
        CourseRootModuleFactory(course=course)
    offering = CourseOfferingFactory(course=course)
    tenant = type("Tenant", (), {"course": course, "offering": offering, "key": "r", "university": course.university})
    module = builders.lesson_of(tenant)
    items = [builders.quiz(tenant, module=module, title=f"Q{n}") for n in range(3)]
    users = builders.learners(tenant, 30)
    builders.bulk_scores(offering, users, items, score_of=lambda i, j: (i * 11 + j * 5) % 100)
    instructor = UserFactory()
    CourseOfferingInstructorFactory(course_offering=offering, user=instructor)
    return offering, users, instructor


def test_recomputes_racing_a_finalisation(offering_world):
    offering, users, instructor = offering_world
    work = [lambda: grades.recompute_course_grades(offering) for _ in range(4)]
    work.append(lambda: grades.finalize_course_grades(actor=instructor, offering=offering))
    assert _race(work) == []
    rows = CourseGrade.objects.filter(course_offering=offering)
    assert rows.count() == len(users)
    assert not rows.filter(finalized_at__isnull=True).exists()
    assert GradingPolicy.objects.get(course_offering=offering).grades_finalized_at is not None
    expected = {user_id: final for user_id, final, *_ in grades.compute_rows(offering)}
    assert {row.user_id: row.final_score for row in rows} == expected


def test_racing_overrides_of_one_grade(offering_world):
    offering, users, instructor = offering_world
    grades.recompute_course_grades(offering)
    scores = ["61", "72", "83", "94"]
    work = [
        (lambda score=score: grades.override_course_grade(
            actor=instructor, offering=offering, student_id=users[0].pk, score=score, reason=f"Appeal {score}"
        ))
        for score in scores
    ]  # fmt: skip
    assert _race(work) == []
    row = CourseGrade.objects.get(course_offering=offering, user=users[0])
    changes = list(GradeChange.objects.filter(target_id=row.pk).order_by("id"))
    assert len(changes) == 4
    # The row holds the last writer's value, and each audit line starts where the previous one ended.
    assert row.final_score == changes[-1].to_value and row.override_reason == changes[-1].reason
    for before, after in zip(changes, changes[1:], strict=False):
        assert after.from_value == before.to_value
    assert {c.to_value for c in changes} == {Decimal(s) for s in scores}
