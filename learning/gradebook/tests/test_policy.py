"""Grading-policy arithmetic: weights, drops by effect, never-drop, extra credit, excused, current vs final,
and the scale at every cut-off."""

from __future__ import annotations

import pytest

from learning.gradebook.policy import (
    CANVAS_DEFAULT_SCALE,
    Category,
    GradedItem,
    Score,
    compute_grade,
    letter_for,
    passed,
    validate_weights,
)

QUIZZES = Category("quizzes", 30)
LABS = Category("labs", 40)
ASSIGNMENTS = Category("assignments", 30)


def test_weights_must_total_100():
    validate_weights([QUIZZES, LABS, ASSIGNMENTS])
    with pytest.raises(ValueError, match="total 100"):
        validate_weights([QUIZZES, LABS])
    with pytest.raises(ValueError, match="negative"):
        validate_weights([Category("a", 110), Category("b", -10)])


def test_one_graded_item_is_not_a_100_percent_final_grade():
    items = [GradedItem("q1", "quizzes", 10), GradedItem("l1", "labs", 10), GradedItem("a1", "assignments", 10)]
    result = compute_grade([QUIZZES, LABS, ASSIGNMENTS], items, {"q1": Score(10)})
    assert result.current == pytest.approx(100.0)  # graded work only, other categories reweighted away
    assert result.final == pytest.approx(30.0)  # missing labs and assignments count as zero
    assert result.final_categories["labs"].percent == 0.0
    assert result.current_categories["labs"].percent is None


def test_nothing_graded_has_no_current_grade_and_a_zero_final():
    result = compute_grade([QUIZZES, LABS, ASSIGNMENTS], [GradedItem("q1", "quizzes", 10)], {})
    assert result.current is None
    assert result.final == 0.0


def test_weighted_average_of_categories():
    items = [GradedItem("q1", "quizzes", 10), GradedItem("l1", "labs", 20), GradedItem("a1", "assignments", 50)]
    scores = {"q1": Score(5), "l1": Score(20), "a1": Score(40)}
    result = compute_grade([QUIZZES, LABS, ASSIGNMENTS], items, scores)
    assert result.final == pytest.approx(0.3 * 50 + 0.4 * 100 + 0.3 * 80)
    assert result.current == pytest.approx(result.final)


def test_drop_lowest_by_effect_on_the_total_not_by_lowest_percentage():
    # Dropping b (5 %, the lowest percentage) leaves (95+30)/200 = 62.5 %; dropping c leaves 96/120 = 80 %.
    category = Category("quizzes", 100, drop_lowest=1)
    items = [GradedItem("a", "quizzes", 100), GradedItem("b", "quizzes", 20), GradedItem("c", "quizzes", 100)]
    result = compute_grade([category], items, {"a": Score(95), "b": Score(1), "c": Score(30)})
    assert result.current_categories["quizzes"].dropped == ("c",)
    assert result.current == pytest.approx(80.0)


def test_never_drop_items_are_kept_and_the_drop_is_chosen_together_with_them():
    # Alone, x (100 %) beats y (75 %); beside a 0/100 midterm that is never dropped, keeping y gives
    # 30/140 = 21.4 % and keeping x only 10/110 = 9.1 %: x is the drop.
    category = Category("quizzes", 100, drop_lowest=1)
    items = [
        GradedItem("midterm", "quizzes", 100, never_drop=True),
        GradedItem("x", "quizzes", 10),
        GradedItem("y", "quizzes", 40),
    ]
    result = compute_grade([category], items, {"midterm": Score(0), "x": Score(10), "y": Score(30)})
    assert result.current_categories["quizzes"].dropped == ("x",)
    assert result.current == pytest.approx(100 * 30 / 140)


def test_final_grade_may_drop_a_missing_item():
    category = Category("quizzes", 100, drop_lowest=1)
    items = [GradedItem(f"q{i}", "quizzes", 10) for i in range(3)]
    result = compute_grade([category], items, {"q0": Score(8), "q1": Score(6)})
    assert result.final_categories["quizzes"].dropped == ("q2",)
    assert result.final == pytest.approx(70.0)
    assert result.current_categories["quizzes"].dropped == ("q1",)  # only two graded: drop the weaker
    assert result.current == pytest.approx(80.0)


def test_extra_credit_adds_points_but_no_possible_points():
    category = Category("labs", 100)
    items = [GradedItem("l1", "labs", 20), GradedItem("bonus", "labs", 5, extra_credit=True)]
    assert compute_grade([category], items, {"l1": Score(18), "bonus": Score(4)}).final == pytest.approx(110.0)
    assert compute_grade([category], items, {"l1": Score(18)}).final == pytest.approx(90.0)
    # Extra credit alone does not make an ungraded category count in the current grade.
    assert compute_grade([category], items, {"bonus": Score(4)}).current is None


def test_excused_items_count_in_neither_grade():
    category = Category("labs", 100)
    items = [GradedItem("l1", "labs", 10), GradedItem("l2", "labs", 10)]
    result = compute_grade([category], items, {"l1": Score(7), "l2": Score(excused=True)})
    assert result.current == pytest.approx(70.0)
    assert result.final == pytest.approx(70.0)


@pytest.mark.parametrize(("index", "row"), list(enumerate(CANVAS_DEFAULT_SCALE)))
def test_default_scale_at_every_cut_off(index, row):
    letter, lower = row
    assert letter_for(lower) == letter
    assert letter_for(lower + 0.004) == letter
    if index + 1 < len(CANVAS_DEFAULT_SCALE):
        assert letter_for(lower - 0.01) == CANVAS_DEFAULT_SCALE[index + 1][0]


def test_rounding_to_two_decimals_before_the_scale():
    assert letter_for(89.995) == "A-"  # shown as 90.00 %
    assert letter_for(89.994) == "B+"
    assert letter_for(None) is None


def test_custom_scale_and_pass_mark():
    thr = (("1.0", 95), ("1.3", 90), ("1.7", 85), ("2.0", 80), ("2.3", 75), ("2.7", 70), ("3.0", 65),
           ("3.3", 60), ("3.7", 55), ("4.0", 50), ("5.0", 0))  # fmt: skip
    assert letter_for(96, thr) == "1.0"
    assert letter_for(50, thr) == "4.0"
    assert letter_for(49.99, thr) == "5.0"
    assert passed(50.0) is True
    assert passed(49.994) is False
    assert passed(60, pass_mark=60) is True
    assert passed(None) is None
