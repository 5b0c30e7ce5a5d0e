"""Builders of gradebook data for tests: graded items of each kind in a tenant's course, learners, and their
attempts/submissions written in bulk (real rows, no mocks). Shared with the gradebook grid's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from learning.assessments.models import LabSubmission, LabSubmissionStatus, QuizAttempt
from learning.assessments.models_submissions import AssignmentStatus, AssignmentSubmission
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from syllabus.models import Module, ModuleType
from syllabus.tests.factories import (
    ContentItemFactory,
    LabContentItemFactory,
    ModuleFactory,
    QuizContentItemFactory,
    builtin_content_type,
)

PAST = datetime(2020, 1, 10, 12, 0, tzinfo=UTC)
FUTURE = datetime(2099, 1, 10, 12, 0, tzinfo=UTC)


def lesson_of(tenant, title: str = "Graded work"):
    root = Module.objects.get(course=tenant.course, module_type=ModuleType.COURSE_ROOT)
    return ModuleFactory(parent_module=root, title=title)


def quiz(tenant, *, module=None, title="Quiz"):
    return QuizContentItemFactory(module=module or lesson_of(tenant), title=title)


def lab(tenant, *, module=None, title="Lab", max_points=100, score_policy="best", grading="unit_tests"):
    item = LabContentItemFactory(module=module or lesson_of(tenant), title=title)
    item.data_json = {
        **item.data_json,
        "grading": {"type": grading, "max_points": max_points},
        "score_policy": score_policy,
    }
    item.save(update_fields=["data_json"])
    return item


def assignment(tenant, *, module=None, title="Assignment", max_points=50, due_at=FUTURE):
    return ContentItemFactory(
        module=module or lesson_of(tenant),
        title=title,
        content_type=builtin_content_type("assignment"),
        data_json={
            "instructions": [{"type": "paragraph", "text": "Solve it."}],
            "due_at": due_at.isoformat().replace("+00:00", "Z"),
            "max_points": max_points,
            "submission_types": ["text_entry"],
        },
    )


def learners(tenant, count: int, *, prefix: str = "learner") -> list[User]:
    users = User.objects.bulk_create(
        [
            User(email=f"{prefix}{n}@{tenant.key}.example.edu", full_name=f"{prefix.title()} {n:04d}", password="!")
            for n in range(count)
        ]
    )
    CourseEnrollment.objects.bulk_create(
        [CourseEnrollment(user=user, course_offering=tenant.offering, status=EnrollmentStatus.ACTIVE) for user in users]
    )
    return users


def quiz_attempt(offering, user, item, score, max_score=10, number=1, submitted=True):
    return QuizAttempt.objects.create(
        user=user,
        course_offering=offering,
        content_item=item,
        attempt_number=number,
        score_obtained=None if score is None else Decimal(str(score)),
        max_score=Decimal(str(max_score)),
        submitted_at=timezone.now() if submitted else None,
    )


def lab_submission(offering, user, item, score, number=1, max_score=100):
    return LabSubmission.objects.create(
        user=user,
        course_offering=offering,
        content_item=item,
        attempt_number=number,
        status=LabSubmissionStatus.GRADED if score is not None else LabSubmissionStatus.QUEUED,
        score_obtained=None if score is None else Decimal(str(score)),
        max_score=Decimal(str(max_score)),
    )


def assignment_submission(
    offering, user, item, score, *, max_score=50, posted=True, seconds_late=0, submitted=True, missing=False
):
    now = timezone.now()
    return AssignmentSubmission.objects.create(
        university_id=offering.university_id,
        user=user,
        course_offering=offering,
        content_item=item,
        status=AssignmentStatus.SUBMITTED if submitted else AssignmentStatus.DRAFT,
        submitted_at=now if submitted else None,
        score=None if score is None else Decimal(str(score)),
        raw_score=None if score is None or missing else Decimal(str(score)),
        max_score=Decimal(str(max_score)),
        seconds_late=seconds_late,
        is_missing=missing,
        posted_at=now if posted and score is not None else None,
        graded_at=now if score is not None else None,
    )


def bulk_scores(offering, users, items, *, score_of) -> None:
    """One counted row per (user, item) in bulk: ``score_of(i, j)`` gives the percent (None: nothing)."""
    now = timezone.now()
    quizzes, labs, assignments = [], [], []
    for i, user in enumerate(users):
        for j, item in enumerate(items):
            percent = score_of(i, j)
            if percent is None:
                continue
            kind = item.content_type.name
            if kind == "quiz":
                quizzes.append(
                    QuizAttempt(
                        user=user,
                        course_offering=offering,
                        content_item=item,
                        attempt_number=1,
                        score_obtained=Decimal(percent) / 10,
                        max_score=Decimal(10),
                        submitted_at=now,
                    )  # fmt: skip
                )
            elif kind == "engineering_lab":
                labs.append(
                    LabSubmission(
                        user=user,
                        course_offering=offering,
                        content_item=item,
                        attempt_number=1,
                        status=LabSubmissionStatus.GRADED,
                        score_obtained=Decimal(percent),
                        max_score=Decimal(100),
                    )  # fmt: skip
                )
            else:
                assignments.append(
                    AssignmentSubmission(
                        university_id=offering.university_id,
                        user=user,
                        course_offering=offering,
                        content_item=item,
                        status=AssignmentStatus.SUBMITTED,
                        submitted_at=now,
                        score=Decimal(percent) / 2,
                        raw_score=Decimal(percent) / 2,
                        max_score=Decimal(50),
                        posted_at=now,
                        graded_at=now,
                    )  # fmt: skip
                )
    QuizAttempt.objects.bulk_create(quizzes, batch_size=2000)
    LabSubmission.objects.bulk_create(labs, batch_size=2000)
    AssignmentSubmission.objects.bulk_create(assignments, batch_size=2000)
