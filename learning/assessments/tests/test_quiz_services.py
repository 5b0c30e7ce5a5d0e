"""Quiz services: the frozen draw, every refusal, answers, deadlines, grading, progress, mastery,
re-grades, accommodations, and the tutor's exam-guard selectors."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from learning.assessments import rules, selectors, services
from learning.assessments.audit import grade_changes_for
from learning.assessments.models_submissions import GradeChange
from learning.assessments.tests.quiz_fixtures import answer_right, build_quiz
from learning.models import (
    Accommodation,
    QuizAttempt,
    QuizAttemptQuestion,
    QuizMastery,
    QuizRegrade,
    UserContentProgress,
)
from learning.tests.factories import CourseEnrollmentFactory
from syllabus.models import Question
from syllabus.tests.factories import ContentItemFactory

pytestmark = pytest.mark.django_db


def _start(world, quiz, **kwargs):
    return services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk, **kwargs)


def _rows(attempt):
    return selectors.attempt_questions(attempt=attempt)


def _refused(message, call):
    with pytest.raises(ValidationError) as caught:
        call()
    assert message.split("{")[0] in " ".join(caught.value.messages)
    return caught.value


# --- starting ----------------------------------------------------------------------------------------


def test_start_freezes_the_draw_its_order_and_the_questions(world):
    quiz = build_quiz(world.a, questions=10, num_questions_per_attempt=4, randomize_order=True)
    attempt = _start(world, quiz)
    rows = _rows(attempt)
    assert attempt.attempt_number == 1 and attempt.mode == rules.PRACTICE
    assert [row.position for row in rows] == [1, 2, 3, 4]
    assert len({row.question_id for row in rows}) == 4
    # Reloading shows the same questions in the same order, choices included.
    assert [(r.question_id, r.snapshot["choices"]) for r in _rows(attempt)] == [
        (r.question_id, r.snapshot["choices"]) for r in rows
    ]
    # A later edit of the pool changes neither the text nor the grading of the open attempt.
    Question.objects.filter(pk__in=[row.question_id for row in rows]).update(prompt="Edited", correct_answer="c")
    assert all(row.snapshot["prompt"].startswith("Question") for row in _rows(attempt))
    assert _rows(attempt)[0].snapshot == rows[0].snapshot


def test_a_new_attempt_draws_unseen_questions_first(world):
    quiz = build_quiz(world.a, questions=10, num_questions_per_attempt=5)
    first = _start(world, quiz)
    services.submit_attempt(actor=world.a.student, attempt=first)
    second = _start(world, quiz)
    assert second.attempt_number == 2
    assert not {r.question_id for r in _rows(first)} & {r.question_id for r in _rows(second)}


def test_one_open_attempt_per_student_and_item(world):
    quiz = build_quiz(world.a)
    attempt = _start(world, quiz)
    error = _refused(services.ATTEMPT_OPEN, lambda: _start(world, quiz))
    assert error.code == "open" and error.params["attempt_id"] == attempt.pk
    assert QuizAttempt.objects.count() == 1


def test_max_attempts_and_extra_attempts(world):
    quiz = build_quiz(world.a, mastery={"max_attempts": 1})
    services.submit_attempt(actor=world.a.student, attempt=_start(world, quiz))
    _refused(services.NO_ATTEMPTS_LEFT, lambda: _start(world, quiz))
    card = selectors.quiz_card(user=world.a.student, offering=quiz.offering, item=quiz.item)
    assert card.attempts_left == 0 and not card.can_start
    services.allow_new_attempt(
        actor=world.a.instructor, offering=quiz.offering, item_id=quiz.item.pk, student_id=world.a.student.pk
    )
    assert selectors.quiz_card(user=world.a.student, offering=quiz.offering, item=quiz.item).attempts_left == 1
    assert _start(world, quiz).attempt_number == 2


def test_refusals_closed_empty_not_a_quiz_not_enrolled(world):
    quiz = build_quiz(world.a)
    later = timezone.now() + timedelta(days=200)
    _refused(services.QUIZ_CLOSED, lambda: _start(world, quiz, now=later))
    empty = build_quiz(world.a, questions=0)
    _refused(services.POOL_EMPTY, lambda: _start(world, empty))
    text = ContentItemFactory(module=quiz.module)
    with pytest.raises(ValidationError, match="not a quiz"):
        services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=text.pk)
    with pytest.raises(PermissionDenied):
        services.start_attempt(actor=world.b.student, offering=quiz.offering, item_id=quiz.item.pk)
    with pytest.raises(PermissionDenied):
        services.start_attempt(actor=world.a.instructor, offering=quiz.offering, item_id=quiz.item.pk)
    assert QuizAttempt.objects.count() == 0


# --- answers and deadlines ---------------------------------------------------------------------------


def test_saving_is_idempotent_and_refuses_foreign_questions_and_bad_answers(world):
    quiz = build_quiz(world.a, questions=5)
    attempt = _start(world, quiz)
    answers = answer_right(_rows(attempt))
    services.save_answers(actor=world.a.student, attempt=attempt, answers=answers)
    services.save_answers(actor=world.a.student, attempt=attempt, answers=answers)
    assert QuizAttemptQuestion.objects.filter(attempt=attempt).count() == 5
    assert QuizAttemptQuestion.objects.filter(attempt=attempt, answer__isnull=False).count() == 5
    _refused(
        services.QUESTION_NOT_IN_ATTEMPT,
        lambda: services.save_answers(actor=world.a.student, attempt=attempt, answers={99: "a"}),
    )
    numeric = next(row for row in _rows(attempt) if row.snapshot["type"] == "numeric")
    with pytest.raises(ValidationError) as caught:
        services.save_answers(actor=world.a.student, attempt=attempt, answers={1: "c", numeric.position: "ten"})
    assert "Enter a number" in str(caught.value.message_dict[f"q{numeric.position}"])
    assert QuizAttemptQuestion.objects.get(attempt=attempt, position=1).answer == "b"  # nothing written
    with pytest.raises(PermissionDenied):
        services.save_answers(actor=world.b.student, attempt=attempt, answers={1: "a"})


def test_practice_feedback_after_each_answer_exam_none(world):
    practice = build_quiz(world.a, questions=1)
    attempt = _start(world, practice)
    feedback = services.save_answers(actor=world.a.student, attempt=attempt, answers={1: "b"})
    assert feedback[0].correct and feedback[0].explanation == "Explanation 1"
    exam = build_quiz(world.a, questions=1, quiz_mode="exam")
    attempt = _start(world, exam)
    assert services.save_answers(actor=world.a.student, attempt=attempt, answers={1: "b"}) == []


def test_closed_attempt_refuses_answers(world):
    quiz = build_quiz(world.a)
    attempt = _start(world, quiz)
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    _refused(
        services.ATTEMPT_CLOSED, lambda: services.save_answers(actor=world.a.student, attempt=attempt, answers={1: "a"})
    )


def test_time_multiplier_and_the_offering_end_set_the_deadline(world):
    quiz = build_quiz(world.a, time_limit_seconds=600)
    now = timezone.now()
    Accommodation.objects.create(
        university=world.a.university,
        course_offering=world.a.offering,
        student=world.a.student,
        time_multiplier=Decimal("1.5"),
    )
    attempt = _start(world, quiz, now=now)
    assert attempt.deadline_at == now + timedelta(seconds=900)
    card = selectors.quiz_card(user=world.a.student, offering=quiz.offering, item=quiz.item)
    assert card.accommodation.time_multiplier == Decimal("1.5")
    # Near the offering's end, the end wins.
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    near_end = world.a.offering.ends_at - timedelta(seconds=60)
    second = _start(world, quiz, now=near_end)
    assert second.deadline_at == world.a.offering.ends_at


def test_answers_after_the_deadline_are_refused_and_the_attempt_closes_at_the_deadline(world):
    quiz = build_quiz(world.a, questions=2, time_limit_seconds=60)
    start = timezone.now() - timedelta(seconds=30)
    attempt = _start(world, quiz, now=start)
    rows = _rows(attempt)
    services.save_answers(actor=world.a.student, attempt=attempt, answers=answer_right(rows))
    late = start + timedelta(seconds=75)
    _refused(
        services.AFTER_DEADLINE,
        lambda: services.save_answers(actor=world.a.student, attempt=attempt, answers={1: "x"}, now=late),
    )
    attempt.refresh_from_db()
    assert attempt.submitted_at == start + timedelta(seconds=60)
    assert attempt.score_obtained == 2 and attempt.passed
    assert attempt.raw_response_json["closed_by"] == services.CLOSED_BY_DEADLINE


def test_the_first_grade_is_in_the_audit_trail_once_by_the_system(world):
    quiz = build_quiz(world.a, questions=2)
    attempt = _start(world, quiz)
    services.save_answers(
        actor=world.a.student, attempt=attempt, answers=answer_right(_rows(attempt), wrong_positions=(2,))
    )
    attempt = services.submit_attempt(actor=world.a.student, attempt=attempt)
    services.submit_attempt(actor=world.a.student, attempt=attempt)  # a second submit changes nothing
    trail = [(c.kind, c.field, c.from_value, c.to_value, c.actor_id) for c in grade_changes_for(attempt)]
    assert trail == [("auto", "score", None, attempt.score_obtained, None)]
    change = grade_changes_for(attempt).get()
    assert change.reason == "1 of 2 questions correct; closed by the student"
    assert (change.student_id, change.course_offering_id, change.content_item_id, change.university_id) == (
        world.a.student.pk, quiz.offering.pk, quiz.item.pk, world.a.university.pk
    )  # fmt: skip


def test_an_attempt_closed_at_its_deadline_is_audited_as_closed_by_the_deadline(world):
    quiz = build_quiz(world.a, questions=1, time_limit_seconds=60)
    attempt = _start(world, quiz, now=timezone.now() - timedelta(minutes=10))
    services.close_expired_attempt(attempt_id=attempt.pk)
    assert [(c.kind, c.to_value, c.reason) for c in grade_changes_for(attempt)] == [
        ("auto", 0, "0 of 1 questions correct; closed by the deadline")
    ]


def test_the_sweep_and_next_touch_close_expired_attempts_at_their_deadline(world):
    quiz = build_quiz(world.a, questions=1, time_limit_seconds=60)
    start = timezone.now() - timedelta(minutes=10)
    attempt = _start(world, quiz, now=start)
    assert services.close_expired_attempts() == 1
    attempt.refresh_from_db()
    assert attempt.submitted_at == start + timedelta(seconds=60) and attempt.score_obtained == 0
    assert services.close_expired_attempts() == 0
    # Next touch: starting again closes a forgotten attempt first.
    second = _start(world, quiz, now=timezone.now() - timedelta(minutes=5))
    third = _start(world, quiz)
    second.refresh_from_db()
    assert second.submitted_at == second.deadline_at and third.attempt_number == 3


# --- grading, progress, mastery ------------------------------------------------------------------------


def test_submit_grades_every_kind_and_completes_a_passed_quiz(world):
    quiz = build_quiz(world.a, questions=5)
    attempt = _start(world, quiz)
    services.save_answers(
        actor=world.a.student, attempt=attempt, answers=answer_right(_rows(attempt), wrong_positions=(5,))
    )
    attempt = services.submit_attempt(actor=world.a.student, attempt=attempt)
    assert (attempt.score_obtained, attempt.max_score, attempt.passed) == (Decimal(4), Decimal(5), True)
    assert [row.is_correct for row in _rows(attempt)] == [True, True, True, True, False]
    progress = UserContentProgress.objects.get(user=world.a.student, content_item=quiz.item)
    assert progress.completed_at is not None and progress.progress_percent == 100
    # Submitting again changes nothing.
    again = services.submit_attempt(actor=world.a.student, attempt=attempt)
    assert again.submitted_at == attempt.submitted_at and QuizAttempt.objects.count() == 1


def test_a_failed_attempt_records_its_percent_and_does_not_complete(world):
    quiz = build_quiz(world.a, questions=5, pass_mark_percent=80)
    attempt = _start(world, quiz)
    services.save_answers(
        actor=world.a.student, attempt=attempt, answers=answer_right(_rows(attempt), wrong_positions=(4, 5))
    )
    attempt = services.submit_attempt(actor=world.a.student, attempt=attempt)
    assert attempt.passed is False
    progress = UserContentProgress.objects.get(user=world.a.student, content_item=quiz.item)
    assert progress.completed_at is None and progress.progress_percent == 60


def test_mastery_moves_through_the_levels_and_completes_a_mastery_quiz(world):
    quiz = build_quiz(world.a, questions=5, mastery={"threshold_correct_in_row": 7, "points": 100})

    def take(wrong):
        attempt = _start(world, quiz)
        services.save_answers(
            actor=world.a.student, attempt=attempt, answers=answer_right(_rows(attempt), wrong_positions=wrong)
        )
        services.submit_attempt(actor=world.a.student, attempt=attempt)
        return QuizMastery.objects.get(user=world.a.student, content_item=quiz.item)

    assert take((1, 2, 3)).level == rules.ATTEMPTED
    assert take((5,)).level == rules.FAMILIAR
    mastery = take(())
    assert (mastery.level, mastery.points) == (rules.PROFICIENT, 80)
    # Passed (100 %) but a mastery quiz completes only at mastered.
    assert UserContentProgress.objects.get(user=world.a.student, content_item=quiz.item).completed_at is None
    mastery = take(())
    assert (mastery.level, mastery.points) == (rules.MASTERED, 100)
    assert UserContentProgress.objects.get(user=world.a.student, content_item=quiz.item).completed_at is not None
    assert selectors.mastery_levels(user=world.a.student, offering_id=quiz.offering.pk) == {
        quiz.item.pk: rules.MASTERED
    }
    assert selectors.mastery_summary(user=world.a.student, offering_ids=[quiz.offering.pk]) == {
        quiz.offering.pk: {rules.MASTERED: 1}
    }


def test_regrade_uses_the_corrected_answer_and_keeps_an_audit_line(world):
    quiz = build_quiz(world.a, questions=1)
    attempt = _start(world, quiz)
    services.save_answers(actor=world.a.student, attempt=attempt, answers={1: "c"})
    attempt = services.submit_attempt(actor=world.a.student, attempt=attempt)
    assert attempt.score_obtained == 0 and not attempt.passed
    with pytest.raises(ValidationError):
        services.regrade_attempt(actor=world.a.instructor, attempt=attempt, reason="  ")
    with pytest.raises(PermissionDenied):
        services.regrade_attempt(actor=world.b.instructor, attempt=attempt, reason="fix")
    Question.objects.filter(pk=quiz.questions[0].pk).update(correct_answer="c")
    audit = services.regrade_attempt(actor=world.a.instructor, attempt=attempt, reason="Answer key corrected")
    attempt.refresh_from_db()
    assert attempt.score_obtained == 1 and attempt.passed
    assert (audit.old_score, audit.new_score, audit.old_passed, audit.new_passed) == (0, 1, False, True)
    assert QuizRegrade.objects.get().actor == world.a.instructor
    # the one audit trail of every grade change has the re-grade too: score and pass/fail, who and why
    trail = [(c.kind, c.field, c.from_value, c.to_value, c.actor, c.reason) for c in grade_changes_for(attempt)]
    assert trail == [
        ("auto", "score", None, 0, None, "0 of 1 questions correct; closed by the student"),
        ("regrade", "score", 0, 1, world.a.instructor, "Answer key corrected"),
        ("regrade", "passed", 0, 1, world.a.instructor, "Answer key corrected"),
    ]
    change = GradeChange.objects.get(kind="regrade", field="score")
    assert (change.student_id, change.course_offering_id, change.content_item_id, change.university_id) == (
        world.a.student.pk,
        quiz.offering.pk,
        quiz.item.pk,
        world.a.university.pk,
    )
    assert UserContentProgress.objects.get(user=world.a.student, content_item=quiz.item).completed_at is not None
    assert services.regrade_attempt(actor=world.a.instructor, attempt=attempt, reason="again") is None
    assert services.regrade_item(actor=world.a.ta, offering=quiz.offering, item_id=quiz.item.pk, reason="again") == 0
    assert GradeChange.objects.count() == 3  # nothing changed: no new audit rows (1 automatic + 2 re-grade)


# --- accommodations ----------------------------------------------------------------------------------


def test_one_accommodation_for_many_students_at_once(world):
    quiz = build_quiz(world.a)
    other = CourseEnrollmentFactory(course_offering=world.a.offering).user
    later = world.a.offering.ends_at + timedelta(days=7)
    count = services.set_accommodations(
        actor=world.a.instructor,
        offering=world.a.offering,
        student_ids=[world.a.student.pk, other.pk],
        item_id=quiz.item.pk,
        time_multiplier=Decimal("2"),
        extra_attempts=1,
        extended_until=later,
        reason="Exam board decision",
    )
    assert count == 2 and Accommodation.objects.filter(content_item=quiz.item).count() == 2
    effective = selectors.accommodation_for(student=other, offering=world.a.offering, item=quiz.item)
    assert (effective.time_multiplier, effective.extra_attempts, effective.extended_until) == (Decimal(2), 1, later)
    # Setting again replaces, it does not add a row.
    services.set_accommodations(
        actor=world.a.instructor,
        offering=world.a.offering,
        student_ids=[other.pk],
        item_id=quiz.item.pk,
        extra_attempts=3,
    )
    assert Accommodation.objects.get(student=other).extra_attempts == 3


@pytest.mark.parametrize(
    "values, field",
    [
        ({"student_ids": []}, "students"),
        ({"time_multiplier": Decimal("0.5")}, "time_multiplier"),
        ({"extra_attempts": -1}, "extra_attempts"),
        ({"time_multiplier": Decimal(1), "extra_attempts": 0}, "__all__"),
    ],
)
def test_accommodation_bad_input_writes_nothing(world, values, field):
    arguments = {"student_ids": [world.a.student.pk], "time_multiplier": Decimal("1.5"), **values}
    with pytest.raises(ValidationError) as caught:
        services.set_accommodations(actor=world.a.instructor, offering=world.a.offering, **arguments)
    assert field in caught.value.message_dict
    assert not Accommodation.objects.exists()


def test_accommodations_only_for_the_offerings_students_and_by_its_instructors(world):
    with pytest.raises(ValidationError, match="Only students"):
        services.set_accommodations(
            actor=world.a.instructor, offering=world.a.offering, student_ids=[world.b.student.pk], extra_attempts=1
        )
    for actor in (world.a.ta, world.a.student, world.b.instructor):
        with pytest.raises(PermissionDenied):
            services.set_accommodations(
                actor=actor, offering=world.a.offering, student_ids=[world.a.student.pk], extra_attempts=1
            )
    assert not Accommodation.objects.exists()


# --- the tutor's exam guard ------------------------------------------------------------------------


def test_open_exam_attempt_and_its_answer_keys(world):
    quiz = build_quiz(world.a, questions=5, quiz_mode="exam")
    assert selectors.open_exam_attempt(user=world.a.student) is None
    attempt = _start(world, quiz)
    assert selectors.open_exam_attempt(user=world.a.student, item=quiz.item) == attempt
    assert selectors.open_exam_attempt(user=world.a.student, offering=world.a.offering) == attempt
    assert selectors.open_exam_attempt(user=world.b.student) is None
    keys = {key.kind: key for key in selectors.exam_answer_keys(attempt=attempt)}
    assert keys["multiple_choice"].correct_texts == ("4",)
    assert keys["multiple_select"].correct_texts == ("2", "7")
    assert keys["true_false"].correct_texts == ("true",)
    assert (keys["numeric"].numeric_value, keys["numeric"].abs_tolerance, keys["numeric"].rel_tolerance) == (
        1000.5,
        0.5,
        None,
    )
    assert keys["short_text"].correct_texts == ("Gaussian elimination",)
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    assert selectors.open_exam_attempt(user=world.a.student) is None
    practice = build_quiz(world.a)
    _start(world, practice)
    assert selectors.open_exam_attempt(user=world.a.student) is None


def test_the_banks_grading_options_reach_the_frozen_question(world):
    quiz = build_quiz(world.a, questions=5)
    Question.objects.filter(question_type="multiple_select").update(partial_credit=True)
    Question.objects.filter(question_type="numeric").update(
        tolerance_mode="relative", numeric_tolerance=Decimal("0.001")
    )
    Question.objects.filter(question_type="short_text").update(exact_match=True)
    attempt = _start(world, quiz)
    by_kind = {row.snapshot["type"]: row.position for row in _rows(attempt)}
    services.save_answers(
        actor=world.a.student,
        attempt=attempt,
        answers={
            by_kind["multiple_select"]: ["a"],
            by_kind["numeric"]: "1.0009e3",
            by_kind["short_text"]: "gaussian elimination",
        },
    )
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    scores = {row.snapshot["type"]: row.score for row in _rows(attempt)}
    assert scores["multiple_select"] == Decimal("0.50")  # one of two correct ticks
    assert scores["numeric"] == 1  # within 0.1 % of 1000.5
    assert scores["short_text"] == 0  # exact match: the case differs


@pytest.mark.django_db(transaction=True)
def test_a_timed_start_enqueues_the_deadline_task_at_the_deadline(world, settings):
    from django_tasks_db.models import DBTaskResult

    # The database queue (as in production; the test settings run tasks immediately, which cannot defer).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    quiz = build_quiz(world.a, questions=1, time_limit_seconds=120)
    attempt = _start(world, quiz)
    job = DBTaskResult.objects.get()
    assert job.run_after == attempt.deadline_at
    assert job.args_kwargs["args"] == [attempt.pk]
    untimed = build_quiz(world.a, questions=1)
    world.a.offering.ends_at = None
    services.start_attempt(actor=world.a.student, offering=world.a.offering, item_id=untimed.item.pk)
    assert DBTaskResult.objects.count() == 1  # no deadline, no task


def test_the_scheduler_closes_expired_attempts_at_their_deadline(world):
    """Issue 17: an attempt left open is closed by a background task (whose deadline task was never deferred:
    the immediate backend of the tests cannot defer) — the scheduler's ``expired quiz attempts`` job."""
    from learning.management.commands import run_scheduler

    quiz = build_quiz(world.a, questions=1, time_limit_seconds=60)
    start = timezone.now() - timedelta(minutes=10)
    expired = _start(world, quiz, now=start)
    other = build_quiz(world.a, questions=1, time_limit_seconds=3600)
    running = _start(world, other)
    assert run_scheduler.run_jobs()["expired quiz attempts"] == 1
    expired.refresh_from_db()
    assert expired.submitted_at == start + timedelta(seconds=60) and expired.score_obtained == 0
    assert expired.raw_response_json["closed_by"] == services.CLOSED_BY_DEADLINE
    running.refresh_from_db()
    assert running.submitted_at is None  # still within its time
    assert run_scheduler.run_jobs()["expired quiz attempts"] == 0  # nothing left to close: no task queued


def test_a_timed_start_defers_the_deadline_task_on_a_queue_that_can(
    world, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the production queue
    quiz = build_quiz(world.a, questions=1, time_limit_seconds=60)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _start(world, quiz)
    task = DBTaskResult.objects.get(task_path__endswith="close_expired_attempt_task")
    assert (task.run_after, task.args_kwargs["args"]) == (attempt.deadline_at, [attempt.pk])
