"""The pure quiz rules: grading per kind, numeric parsing, the draw, deadlines, mastery transitions."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from learning.assessments import grading, rules
from learning.assessments.grading import AnswerInvalid


def _q(kind, correct, **extra):
    base = {"type": kind, "correct": correct, "points": "2", "choices": []}
    if kind in ("multiple_choice", "multiple_select"):
        base["choices"] = [{"key": k, "text": k.upper()} for k in "abcd"]
    base.update(extra)
    return base


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("1000.5", Decimal("1000.5")),
        ("1,000.5", Decimal("1000.5")),
        ("1.0005e3", Decimal("1000.5")),
        ("  -2.5 ", Decimal("-2.5")),
        ("+3", Decimal("3")),
        ("12,345,678", Decimal("12345678")),
        (".5", Decimal("0.5")),
        ("5.", Decimal("5")),
        ("−4", Decimal("-4")),
        ("1E-3", Decimal("0.001")),
    ],
)
def test_numbers_people_type_are_read(text, value):
    assert grading.parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1,5", "1,00", "1,0000.5", "nan", "inf", "-Infinity", "1e999", "1.2.3", "1 000", "0x10", True, None],
)
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(AnswerInvalid):
        grading.parse_number(text)


def test_numeric_exact_absolute_and_relative_tolerance():
    exact = _q("numeric", 9.81, tolerance="0")
    assert grading.grade(exact, "9.81").correct
    assert not grading.grade(exact, "9.8100001").correct
    absolute = _q("numeric", 10, tolerance="0.5", tolerance_mode="absolute")
    assert grading.grade(absolute, "10.5").correct  # the edge counts
    assert grading.grade(absolute, "9.5").correct
    assert not grading.grade(absolute, "10.51").correct
    relative = _q("numeric", 1000, tolerance="0.01", tolerance_mode="relative")
    assert grading.grade(relative, "1,010").correct
    assert grading.grade(relative, "9.9e2").correct
    assert not grading.grade(relative, "1010.5").correct
    negative = _q("numeric", -200, tolerance="0.1", tolerance_mode="relative")
    assert grading.grade(negative, "-181").correct
    # Decimal arithmetic: 0.1 + 0.2 typed as 0.3 is exactly right.
    assert grading.grade(_q("numeric", 0.3, tolerance=None), "0.30").correct
    outcome = grading.grade(absolute, "10.2")
    assert outcome.score == Decimal(2) and outcome.points == Decimal(2)


def test_a_stored_numeric_answer_that_cannot_be_read_scores_zero():
    assert grading.grade(_q("numeric", 1, tolerance="0"), "garbage") == grading.Outcome(Decimal(0), Decimal(2), False)


# --- choices -------------------------------------------------------------------------------------


def test_single_choice():
    question = _q("multiple_choice", "b")
    assert grading.grade(question, "b") == grading.Outcome(Decimal(2), Decimal(2), True)
    assert grading.grade(question, "a").score == 0
    assert grading.grade(question, None).score == 0


def test_multiple_select_is_all_or_nothing_by_default():
    question = _q("multiple_select", ["a", "c"])
    assert grading.grade(question, ["a", "c"]).score == 2
    assert grading.grade(question, ["c", "a"]).correct
    assert grading.grade(question, ["a"]).score == 0
    assert grading.grade(question, ["a", "c", "d"]).score == 0


def test_multiple_select_partial_credit_with_penalties_never_below_zero():
    question = _q("multiple_select", ["a", "c"], partial_credit=True)
    assert grading.grade(question, ["a"]).score == Decimal("1.00")  # half the correct ticks
    assert grading.grade(question, ["a", "c", "d"]).score == Decimal("1.00")  # 2 − 2/2
    assert grading.grade(question, ["a", "b", "d"]).score == 0  # 1 − 2 → floored at 0
    assert grading.grade(question, ["b", "d"]).score == 0
    assert not grading.grade(question, ["a"]).correct
    every = _q("multiple_select", ["a", "b", "c", "d"], partial_credit=True)
    assert grading.grade(every, ["a", "b"]).score == Decimal("1.00")


def test_true_false():
    question = _q("true_false", False)
    assert grading.grade(question, False).correct
    assert not grading.grade(question, True).correct


def test_short_text_is_case_and_space_insensitive_unless_exact():
    question = _q("short_text", ["Gauss elimination", "Gaussian elimination"])
    assert grading.grade(question, "  gaussian   ELIMINATION ").correct
    assert grading.grade(question, "Ｇａｕｓｓ elimination").correct  # full-width letters
    assert not grading.grade(question, "gauss").correct
    exact = _q("short_text", ["Gauss elimination"], exact_match=True)
    assert grading.grade(exact, "Gauss elimination").correct
    assert not grading.grade(exact, "gauss elimination").correct


# --- reading answers -----------------------------------------------------------------------------


def test_clean_answer_per_kind():
    single = _q("multiple_choice", "b")
    assert grading.clean_answer(single, "b") == "b"
    assert grading.clean_answer(single, "") is None
    with pytest.raises(AnswerInvalid, match="Choose one"):
        grading.clean_answer(single, "z")
    multi = _q("multiple_select", ["a"])
    assert grading.clean_answer(multi, ["c", "a", "c"]) == ["a", "c"]
    with pytest.raises(AnswerInvalid):
        grading.clean_answer(multi, ["a", "x"])
    tf = _q("true_false", True)
    assert grading.clean_answer(tf, "false") is False
    assert grading.clean_answer(tf, ["true"]) is True
    with pytest.raises(AnswerInvalid):
        grading.clean_answer(tf, "maybe")
    numeric = _q("numeric", 1)
    assert grading.clean_answer(numeric, " 1,000.5 ") == "1,000.5"
    with pytest.raises(AnswerInvalid, match="Enter a number"):
        grading.clean_answer(numeric, "ten")
    text = _q("short_text", ["x"])
    assert grading.clean_answer(text, "   ") is None
    with pytest.raises(AnswerInvalid, match="too long"):
        grading.clean_answer(text, "x" * (grading.TEXT_LIMIT + 1))
    with pytest.raises(AnswerInvalid):
        grading.clean_answer(text, "a\x00b")


def test_pass_mark_and_percent():
    assert grading.passed(Decimal(5), Decimal(10), 50)
    assert not grading.passed(Decimal("4.99"), Decimal(10), 50)
    assert grading.passed(Decimal(0), Decimal(0), 50)
    assert grading.percent(Decimal(1), Decimal(3)) == Decimal("33.33")


# --- settings, draw, deadline --------------------------------------------------------------------


def test_settings_defaults_and_bad_values():
    settings = rules.quiz_settings({"question_pool_id": 3})
    assert settings.mode == rules.PRACTICE and settings.pass_mark == 50 and settings.review == rules.REVIEW_IMMEDIATELY
    assert settings.max_attempts is None and not settings.defines_mastery
    odd = rules.quiz_settings(
        {"quiz_mode": "x", "pass_mark_percent": 300, "review": "later", "num_questions_per_attempt": 0}
    )
    assert odd.mode == rules.PRACTICE and odd.pass_mark == 50 and odd.review == rules.REVIEW_IMMEDIATELY
    assert odd.num_questions is None and odd.pool_id is None


def test_draw_prefers_unseen_then_least_seen_without_repeats():
    pool = list(range(1, 11))
    seen = {1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1}
    drawn = rules.draw_questions(pool, seen=seen, count=5, randomize=False, rng=random.Random(1))
    assert sorted(drawn) == drawn and len(set(drawn)) == 5
    assert {7, 8, 9, 10} <= set(drawn)  # every unseen question
    assert len({3, 4, 5, 6} & set(drawn)) == 1  # then one of the least seen
    shuffled = rules.draw_questions(pool, seen={}, count=10, randomize=True, rng=random.Random(2))
    assert sorted(shuffled) == pool and shuffled != pool
    assert rules.draw_questions(pool, seen={}, count=50, randomize=False, rng=random.Random(3)) == pool


def test_deadline_uses_the_multiplier_and_the_close_date():
    start = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    assert rules.attempt_deadline(
        started_at=start, time_limit_seconds=3600, multiplier=Decimal("1.5"), closes_at=None
    ) == start + timedelta(minutes=90)
    end = start + timedelta(minutes=30)
    assert (
        rules.attempt_deadline(started_at=start, time_limit_seconds=3600, multiplier=Decimal(1), closes_at=end) == end
    )
    assert (
        rules.attempt_deadline(started_at=start, time_limit_seconds=None, multiplier=Decimal(2), closes_at=None) is None
    )
    assert (
        rules.attempt_deadline(started_at=start, time_limit_seconds=None, multiplier=Decimal(2), closes_at=end) == end
    )
    later = end + timedelta(days=2)
    assert rules.close_date(offering_end=end, extended_until=later) == later
    assert rules.close_date(offering_end=end, extended_until=end - timedelta(days=1)) == end
    assert rules.close_date(offering_end=None, extended_until=None) is None


# --- mastery -------------------------------------------------------------------------------------


def test_mastery_levels_from_scores():
    state = rules.MasteryState()
    state = rules.next_mastery(state, score_percent=Decimal(40), answers_correct=[True, False], threshold_in_row=3)
    assert state == rules.MasteryState(rules.ATTEMPTED, 0)
    state = rules.next_mastery(state, score_percent=Decimal(75), answers_correct=[False, True], threshold_in_row=3)
    assert state == rules.MasteryState(rules.FAMILIAR, 1)
    # A weaker attempt keeps the level but breaks the streak.
    state = rules.next_mastery(state, score_percent=Decimal(10), answers_correct=[False, False], threshold_in_row=3)
    assert state == rules.MasteryState(rules.FAMILIAR, 0)
    state = rules.next_mastery(state, score_percent=Decimal(100), answers_correct=[True, True], threshold_in_row=3)
    assert state == rules.MasteryState(rules.PROFICIENT, 2)
    # The streak continues across attempts: one more correct answer reaches the threshold.
    state = rules.next_mastery(state, score_percent=Decimal(50), answers_correct=[True, False], threshold_in_row=3)
    assert state.level == rules.MASTERED


def test_without_a_threshold_mastery_stops_at_proficient():
    state = rules.next_mastery(
        rules.MasteryState(), score_percent=Decimal(100), answers_correct=[True] * 10, threshold_in_row=None
    )
    assert state.level == rules.PROFICIENT


def test_mastery_points_per_level():
    assert rules.mastery_points(rules.FAMILIAR, 100) == 50
    assert rules.mastery_points(rules.PROFICIENT, 100) == 80
    assert rules.mastery_points(rules.MASTERED, 100) == 100
    assert rules.mastery_points(rules.ATTEMPTED, 100) == 0
    assert rules.mastery_points(rules.MASTERED, None) == 0
