"""Item-score overrides and excusals: every change audited with its reason, refused without one or out of range,
tenants kept apart, seen by every grade reader (``offering_scores``), and safe when two instructors save at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from conftest import build_world
from learning.gradebook import overrides, reasons
from learning.gradebook.scores import offering_scores
from learning.gradebook.tests import builders
from learning.models import GradeChange, ItemScoreOverride


@pytest.fixture
def book(world):
    a = world.a
    quiz = builders.quiz(a, title="Quiz 1")
    builders.quiz_attempt(a.offering, a.student, quiz, 6, max_score=10)  # counts 60 of 100 points
    return a, quiz


def _override(a, quiz, **kwargs):
    values = {"actor": a.instructor, "offering": a.offering, "student": a.student, "item": quiz,
              "reason": "Re-marked on paper."} | kwargs  # fmt: skip
    return overrides.override_item_score(**values)


@pytest.mark.django_db
def test_an_override_replaces_the_counted_score_and_is_audited_from_the_old_value(book):
    a, quiz = book
    row = _override(a, quiz, score="85.5")
    cell = offering_scores(a.offering).score(a.student.pk, quiz.pk)
    assert (cell.earned, cell.overridden, cell.excused) == (Decimal("85.50"), True, False)
    change = GradeChange.objects.get()
    assert (change.kind, change.field, change.from_value, change.to_value) == (
        "override",
        "score",
        Decimal("60.00"),
        Decimal("85.50"),
    )
    assert (change.actor, change.reason, change.target_id, change.content_item_id) == (
        a.instructor,
        "Re-marked on paper.",
        row.pk,
        quiz.pk,
    )
    assert change.university_id == a.university.pk


@pytest.mark.django_db
def test_excusing_takes_the_item_out_and_is_audited(book):
    a, quiz = book
    _override(a, quiz, excused=True, reason="Medical certificate.")
    cell = offering_scores(a.offering).score(a.student.pk, quiz.pk)
    assert cell.excused and cell.overridden
    change = GradeChange.objects.get()
    assert (change.field, change.from_value, change.to_value, change.reason) == (
        "excused",
        Decimal("60.00"),
        None,
        "Medical certificate.",
    )


@pytest.mark.django_db
def test_changing_then_clearing_an_override_keeps_one_row_and_a_chain_of_changes(book):
    a, quiz = book
    _override(a, quiz, score=70)
    _override(a, quiz, score=75, reason="Second look.")
    assert ItemScoreOverride.objects.count() == 1
    overrides.clear_item_override(actor=a.instructor, offering=a.offering, student=a.student, item=quiz,
                                  reason="Back to the attempt.")  # fmt: skip
    assert ItemScoreOverride.objects.count() == 0
    cell = offering_scores(a.offering).score(a.student.pk, quiz.pk)
    assert (cell.earned, cell.overridden) == (Decimal("60.00"), False)
    chain = list(GradeChange.objects.order_by("id").values_list("from_value", "to_value", "reason"))
    assert chain == [
        (Decimal("60.00"), Decimal("70.00"), "Re-marked on paper."),
        (Decimal("70.00"), Decimal("75.00"), "Second look."),
        (Decimal("75.00"), Decimal("60.00"), "Back to the attempt."),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"score": 50, "reason": "  "}, overrides.REASON_REQUIRED),
        ({"score": 50, "reason": "\x00 \x00"}, overrides.REASON_REQUIRED),  # PostgreSQL refuses NUL: not a 500
        ({"score": 50, "reason": "x" * 1001}, reasons.REASON_TOO_LONG.format(max=1000)),
        ({"score": None}, overrides.SCORE_REQUIRED),
        ({"score": 50, "excused": True}, overrides.SCORE_OR_EXCUSED),
        ({"score": "abc"}, overrides.SCORE_INVALID),
        ({"score": "NaN"}, overrides.SCORE_INVALID),
        ({"score": -1}, overrides.SCORE_NEGATIVE),
        ({"score": "100.01"}, overrides.SCORE_TOO_HIGH.format(max="100")),
        ({"score": "7.125"}, overrides.SCORE_PRECISION),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(book, kwargs, message):
    a, quiz = book
    with pytest.raises(ValidationError) as refused:
        _override(a, quiz, **kwargs)
    assert refused.value.messages == [message]
    assert not ItemScoreOverride.objects.exists() and not GradeChange.objects.exists()


@pytest.mark.django_db
def test_only_the_offerings_managers_may_override(book, world):
    a, quiz = book
    for who in (a.ta, a.student, world.b.instructor, world.b.university_admin):
        with pytest.raises(PermissionDenied):
            _override(a, quiz, score=50, actor=who)
    _override(a, quiz, score=50, actor=a.university_admin)  # an admin of the offering's university may
    assert ItemScoreOverride.objects.count() == 1


@pytest.mark.django_db
def test_another_universitys_student_or_item_is_refused(book, world):
    a, quiz = book
    foreign_quiz = builders.quiz(world.b, title="B's quiz")
    with pytest.raises(ValidationError) as refused:
        _override(a, quiz, score=50, student=world.b.student)
    assert refused.value.messages == [overrides.NOT_ON_GRADEBOOK]
    with pytest.raises(ValidationError) as refused:
        _override(a, foreign_quiz, score=50)
    assert refused.value.messages == [overrides.NOT_A_GRADED_ITEM]
    assert not ItemScoreOverride.objects.exists() and not GradeChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_instructors_saving_at_once_leave_one_row_and_an_unbroken_audit_chain():
    world = build_world()
    a = world.a
    quiz = builders.quiz(a, title="Quiz 1")
    builders.quiz_attempt(a.offering, a.student, quiz, 5, max_score=10)
    count = 6
    barrier = threading.Barrier(count)
    errors = []

    def save(n):
        try:
            barrier.wait(timeout=30)
            overrides.override_item_score(actor=a.instructor, offering=a.offering, student=a.student, item=quiz,
                                          score=60 + n, reason=f"Racer {n}")  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    row = ItemScoreOverride.objects.get()
    chain = list(GradeChange.objects.order_by("id").values_list("from_value", "to_value"))
    assert len(chain) == count
    # each change starts where the previous one left the score: no lost update
    assert chain[0][0] == Decimal("50.00")
    assert all(chain[n][0] == chain[n - 1][1] for n in range(1, count))
    assert chain[-1][1] == row.score


@pytest.mark.django_db
def test_an_override_recomputes_the_students_course_grade_after_commit(book, django_capture_on_commit_callbacks):
    from learning.gradebook.models import CourseGrade

    a, quiz = book
    with django_capture_on_commit_callbacks(execute=True):
        _override(a, quiz, score=85)
    grade = CourseGrade.objects.get(user=a.student, course_offering=a.offering)
    assert (grade.final_score, grade.current_score, grade.letter_grade) == (Decimal("85.00"), Decimal("85.00"), "B")
    with django_capture_on_commit_callbacks(execute=True):
        overrides.clear_item_override(actor=a.instructor, offering=a.offering, student=a.student, item=quiz,
                                      reason="Back to the attempt.")  # fmt: skip
    grade.refresh_from_db()
    assert grade.final_score == Decimal("60.00")
