"""The reveal check and its evaluation command, on the MRBench V2 half shipped in the repository
(tutoring/data/mrbench, CC BY-SA 4.0): the tests never read ../shared."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tutoring.management.commands.evaluate_reveal_guard import evaluate, load_dialogues
from tutoring.reveal import arithmetic_value, reveals_answer

DATA = Path(__file__).resolve().parents[1] / "data" / "mrbench"


def test_the_evaluation_meets_the_target_on_the_shipped_half():
    result = evaluate(load_dialogues(DATA))
    assert result["tp"] + result["fp"] + result["fn"] + result["tn"] == 825
    assert result["recall"] >= 0.90
    assert result["precision"] >= 0.70


def test_the_command_prints_precision_recall_and_f1(capsys):
    call_command("evaluate_reveal_guard", str(DATA / "mrbench_v2_half_a.json"))
    out = capsys.readouterr().out
    assert "precision 0.7" in out and "recall 0.9" in out and "F1 0." in out
    # The naive baseline beside it, the figure docs/tutor.md and the README quote.
    assert "naive final-number check: precision 0.544  recall 0.321  F1 0.404" in out


def test_the_command_refuses_a_missing_or_foreign_file(tmp_path):
    with pytest.raises(CommandError, match="No MRBench file"):
        call_command("evaluate_reveal_guard", str(tmp_path / "nope.json"))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"not": "mrbench"}))
    with pytest.raises(CommandError, match="is not MRBench V2 JSON"):
        call_command("evaluate_reveal_guard", str(other))


@pytest.mark.parametrize(
    ("reply", "solution", "history", "expected"),
    [
        ("So the total is 195 + 10 = 205 mph.", "195+10=205\n 205", "Tutor: How fast?", True),
        ("What do you get if you add 10 to 195?", "195+10=205\n 205", "Tutor: How fast?", False),
        ("Good try! 15 - 6 is actually 9.", None, "Tutor: What is 15 - 6?\nStudent: 11", True),
        ("Let's count back from 15 together. How many steps?", None, "Tutor: What is 15 - 6?\nStudent: 11", False),
        (
            "A five-sided polygon is actually called a pentagon.",
            None,
            "Tutor: What is the name of a 5 sided polygon?",
            True,
        ),
        ("Can you tell me how you got 4000?", "... 2000", "Tutor: Hi\nStudent: 4000", False),
    ],
)
def test_reveal_cues(reply, solution, history, expected):
    assert bool(reveals_answer(reply, solution=solution, history=history)) is expected


def test_arithmetic_is_evaluated_safely():
    assert arithmetic_value("85 - 77") == 8
    assert arithmetic_value("12 x 3") == 36
    assert arithmetic_value("60 divided by 2") == 30
    assert arithmetic_value("__import__('os')") is None
    assert arithmetic_value("1/0") is None
    assert arithmetic_value("9" * 300) is None
