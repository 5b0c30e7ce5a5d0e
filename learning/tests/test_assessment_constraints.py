"""The quiz tables' named constraints, each broken by a write the database must refuse."""

import pytest

from accounts.tests.db_helpers import rejects_update
from learning.models import Accommodation, QuizAttemptQuestion, QuizMastery
from learning.tests.factories import (
    AccommodationFactory,
    QuizAttemptQuestionFactory,
    QuizMasteryFactory,
)
from syllabus.tests.factories import QuestionFactory, QuizContentItemFactory

pytestmark = pytest.mark.django_db


def test_accommodation_constraints():
    first = AccommodationFactory()
    second = AccommodationFactory(course_offering=first.course_offering)
    rows = Accommodation.objects.filter(pk=second.pk)
    rejects_update("ux_accommodations_offering_student", rows, student_id=first.student_id)
    item = QuizContentItemFactory(module__course=first.course_offering.course)
    Accommodation.objects.filter(pk=first.pk).update(content_item=item)
    AccommodationFactory(course_offering=first.course_offering, student=first.student)  # offering-wide: allowed
    rows.update(content_item=item)
    rejects_update("ux_accommodations_offering_student_item", rows, student_id=first.student_id)
    rejects_update("ck_accommodations_multiplier_range", rows, time_multiplier=0.9)
    rejects_update("ck_accommodations_multiplier_range", rows, time_multiplier=10.5)
    rejects_update("ck_accommodations_extra_attempts_nonnegative", rows, extra_attempts=-1)


def test_attempt_question_constraints():
    first = QuizAttemptQuestionFactory(position=1, question=QuestionFactory())
    second = QuizAttemptQuestionFactory(attempt=first.attempt, position=2, question=QuestionFactory())
    rows = QuizAttemptQuestion.objects.filter(pk=second.pk)
    rejects_update("ux_quiz_attempt_questions_position", rows, position=1)
    rejects_update("ux_quiz_attempt_questions_question", rows, question_id=first.question_id)
    rejects_update("ck_quiz_attempt_questions_position_positive", rows, position=0)
    rejects_update("ck_quiz_attempt_questions_score_nonnegative", rows, score=-1)


def test_mastery_constraints():
    first = QuizMasteryFactory()
    second = QuizMasteryFactory(course_offering=first.course_offering, user=first.user)
    rows = QuizMastery.objects.filter(pk=second.pk)
    rejects_update("ux_quiz_mastery_unique", rows, content_item_id=first.content_item_id)
    rejects_update("ck_quiz_mastery_level", rows, level="expert")
    rejects_update("ck_quiz_mastery_streak_nonnegative", rows, streak=-1)
    rejects_update("ck_quiz_mastery_points_nonnegative", rows, points=-5)


def test_question_tolerance_mode_is_one_of_the_modes():
    from syllabus.models import Question

    question = QuestionFactory()
    rejects_update("ck_questions_tolerance_mode", Question.objects.filter(pk=question.pk), tolerance_mode="fuzzy")


def test_quiz_attempt_constraints():
    from datetime import timedelta

    from learning.models import QuizAttempt
    from learning.tests.factories import QuizAttemptFactory

    done = QuizAttemptFactory(attempt_number=1, submitted_at=None)
    second = QuizAttemptFactory(
        attempt_number=2,
        user=done.user,
        course_offering=done.course_offering,
        content_item=done.content_item,
        submitted_at=done.started_at,
    )
    rows = QuizAttempt.objects.filter(pk=second.pk)
    # A second open attempt of the same student on the same item.
    rejects_update("ux_quiz_attempts_one_open", rows, submitted_at=None)
    rejects_update("ck_quiz_attempts_mode", rows, mode="homework")
    rejects_update("ck_quiz_attempts_deadline_after_start", rows, deadline_at=second.started_at - timedelta(seconds=1))
