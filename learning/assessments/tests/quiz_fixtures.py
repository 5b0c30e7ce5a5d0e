"""Quiz items for the assessment tests, built from the app factories on top of ``world`` (not a
conftest: test modules import what they need)."""

from __future__ import annotations

from types import SimpleNamespace

from learning.tests.test_player_fixtures import bump, clear_memos
from syllabus.models import QuestionType
from syllabus.tests.factories import (
    ContentItemFactory,
    ModuleFactory,
    QuestionFactory,
    QuestionPoolFactory,
    builtin_content_type,
    root_module_for,
)

__all__ = ["build_quiz", "clear_memos", "answer_right"]

# (type, choices, correct answer, tolerance) — one of each kind, cycled.
KINDS = [
    (
        QuestionType.MULTIPLE_CHOICE,
        [{"key": "a", "text": "3"}, {"key": "b", "text": "4"}, {"key": "c", "text": "5"}],
        "b",
        None,
    ),
    (
        QuestionType.MULTIPLE_SELECT,
        [{"key": "a", "text": "2"}, {"key": "b", "text": "9"}, {"key": "c", "text": "7"}],
        ["a", "c"],
        None,
    ),
    (QuestionType.TRUE_FALSE, [], True, None),
    (QuestionType.NUMERIC, [], 1000.5, "0.5"),
    (QuestionType.SHORT_TEXT, [], ["Gaussian elimination"], None),
]


def build_quiz(tenant, *, questions: int = 5, **data) -> SimpleNamespace:
    """A published quiz item in ``tenant``'s course with a pool of ``questions`` questions (every kind,
    cycled, 1 point each); ``data`` overrides the payload (default: practice, all questions, no limit)."""
    course = tenant.course
    module = ModuleFactory(parent_module=root_module_for(course), title="Quizzes")
    pool = QuestionPoolFactory(course=course)
    bank = []
    for n in range(questions):
        kind, choices, correct, tolerance = KINDS[n % len(KINDS)]
        bank.append(
            QuestionFactory(
                pool=pool,
                question_type=kind,
                prompt=f"Question {n + 1} ({kind})",
                choices=choices,
                correct_answer=correct,
                numeric_tolerance=tolerance,
                points=1,
                explanation=f"Explanation {n + 1}",
            )
        )
    payload = {"question_pool_id": pool.pk, "quiz_mode": "practice", "randomize_order": False, **data}
    item = ContentItemFactory(
        module=module, title="Checkpoint quiz", content_type=builtin_content_type("quiz"), data_json=payload
    )
    bump(course)
    tenant.offering.course = course
    return SimpleNamespace(item=item, pool=pool, questions=bank, module=module, offering=tenant.offering, course=course)


RIGHT = {
    QuestionType.MULTIPLE_CHOICE: "b",
    QuestionType.MULTIPLE_SELECT: ["a", "c"],
    QuestionType.TRUE_FALSE: "true",
    QuestionType.NUMERIC: "1,000.7",
    QuestionType.SHORT_TEXT: " gaussian ELIMINATION",
}
WRONG = {
    QuestionType.MULTIPLE_CHOICE: "a",
    QuestionType.MULTIPLE_SELECT: ["b"],
    QuestionType.TRUE_FALSE: "false",
    QuestionType.NUMERIC: "12",
    QuestionType.SHORT_TEXT: "LU",
}


def answer_right(rows, *, wrong_positions=()) -> dict[int, object]:
    """``{position: answer}`` answering every frozen question right, except ``wrong_positions``."""
    return {row.position: (WRONG if row.position in wrong_positions else RIGHT)[row.snapshot["type"]] for row in rows}
