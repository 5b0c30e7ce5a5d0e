"""Fixtures of the gradebook tests. ``gb``: a small gradebook in university A (and a learner with work in B's offering, who must never show), for the
grid, override, export and import tests."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.gradebook import overrides
from learning.gradebook.tests import builders

PAST_DUE = datetime(2020, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def gb(world):
    """Learners of A's offering (by name): Learner 0000, 0001, 0002, and Student A.

    ==============  ===========  ==========  =====================================
    learner         quiz (100)   lab (100)   assignment (50, due in the past)
    ==============  ===========  ==========  =====================================
    Learner 0000    80           50          40, handed in late
    Learner 0001    –            –           – (missing)
    Learner 0002    30 → 95 (O)  –           excused (O); enrollment completed
    Student A       100          –           – (missing)
    ==============  ===========  ==========  =====================================
    """
    a, b = world.a, world.b
    module = builders.lesson_of(a)
    quiz = builders.quiz(a, module=module, title="Quiz 1")
    lab = builders.lab(a, module=module, title="Lab 1")
    task = builders.assignment(a, module=module, title="Essay 1", max_points=50, due_at=PAST_DUE)
    learners = builders.learners(a, 3)
    l0, l1, l2 = learners
    builders.quiz_attempt(a.offering, l0, quiz, 8)
    builders.lab_submission(a.offering, l0, lab, 50)
    late = builders.assignment_submission(a.offering, l0, task, 40, seconds_late=3600)
    builders.quiz_attempt(a.offering, l2, quiz, 3)
    builders.quiz_attempt(a.offering, a.student, quiz, 10)
    overrides.override_item_score(actor=a.instructor, offering=a.offering, student=l2, item=quiz, score=95,
                                  reason="Re-marked on paper.")  # fmt: skip
    overrides.override_item_score(actor=a.instructor, offering=a.offering, student=l2, item=task, excused=True,
                                  reason="Medical certificate.")  # fmt: skip
    CourseEnrollment.objects.filter(user=l2, course_offering=a.offering).update(status=EnrollmentStatus.COMPLETED)
    # B's learner, with work in B's offering: never on A's gradebook
    b_quiz = builders.quiz(b, title="B quiz")
    (b_learner,) = builders.learners(b, 1, prefix="beta")
    builders.quiz_attempt(b.offering, b_learner, b_quiz, 9)
    return SimpleNamespace(
        a=a, b=b, quiz=quiz, lab=lab, task=task, l0=l0, l1=l1, l2=l2, late=late, b_quiz=b_quiz, b_learner=b_learner
    )
