"""Races with real threads, each on its own database connection: two tabs starting, two saves, a submit
racing the deadline task, and a start while an instructor holds the course's rows."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from learning.assessments import selectors, services
from learning.assessments.tests.quiz_fixtures import build_quiz
from learning.models import QuizAttempt, QuizAttemptQuestion

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*calls, timeout=60):
    """Run the calls at once (a barrier), each in its own thread and connection; (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait(timeout=30)
            results.append(call())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors


def test_two_tabs_starting_at_once_make_one_attempt(world):
    quiz = build_quiz(world.a, questions=5)
    start = lambda: services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)  # noqa: E731
    results, errors = _race(*[start] * 4)
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, ValidationError) and e.code == "open" for e in errors)
    assert QuizAttempt.objects.count() == 1
    assert QuizAttemptQuestion.objects.count() == 5


def test_two_saves_at_once_leave_one_answer(world):
    quiz = build_quiz(world.a, questions=1)
    attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
    save = lambda answer: lambda: services.save_answers(actor=world.a.student, attempt=attempt, answers={1: answer})  # noqa: E731
    results, errors = _race(save("a"), save("b"))
    assert errors == [] and len(results) == 2
    rows = list(QuizAttemptQuestion.objects.filter(attempt=attempt))
    assert len(rows) == 1 and rows[0].answer in ("a", "b")


def test_submit_racing_the_deadline_task_gives_one_result_finished_at_the_deadline(world):
    quiz = build_quiz(world.a, questions=2, time_limit_seconds=60)
    start = timezone.now() - timedelta(seconds=61)
    attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk, now=start)
    services.save_answers(actor=world.a.student, attempt=attempt, answers={1: "b"}, now=start + timedelta(seconds=10))
    submit = lambda: services.submit_attempt(actor=world.a.student, attempt=attempt)  # noqa: E731
    task = lambda: services.close_expired_attempt(attempt_id=attempt.pk)  # noqa: E731
    results, errors = _race(submit, task, submit, task)
    assert errors == []
    attempt.refresh_from_db()
    assert attempt.submitted_at == start + timedelta(seconds=60)
    assert attempt.score_obtained == 1
    # Exactly one run graded it: progress was recorded once (each grading records one attempt).
    assert QuizAttempt.objects.filter(submitted_at__isnull=False).count() == 1
    from learning.models import UserContentProgress

    assert UserContentProgress.objects.get(content_item=quiz.item).attempts_count == 1


def test_an_instructor_editing_the_course_does_not_stall_a_start(world):
    quiz = build_quiz(world.a, questions=3)
    holding = threading.Event()
    release = threading.Event()

    def instructor():
        try:
            # What the syllabus services do while an instructor edits: lock the modules and the question
            # pool (SELECT … FOR UPDATE), bump the structure version, update items, the offering.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT id FROM modules WHERE course_id = %s FOR UPDATE", [quiz.course.pk])
                cursor.execute("SELECT id FROM question_pools WHERE course_id = %s FOR UPDATE", [quiz.course.pk])
                cursor.execute(
                    "UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [quiz.course.pk]
                )
                cursor.execute("UPDATE content_items SET description = 'edited' WHERE course_id = %s", [quiz.course.pk])
                cursor.execute("UPDATE questions SET explanation = 'edited' WHERE pool_id = %s", [quiz.pool.pk])
                cursor.execute("UPDATE course_offerings SET term_name = 'edited' WHERE id = %s", [quiz.offering.pk])
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=instructor)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
        assert len(selectors.attempt_questions(attempt=attempt)) == 3
    finally:
        release.set()
        thread.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
