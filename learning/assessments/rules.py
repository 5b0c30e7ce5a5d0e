"""The quiz rules that need no database: the payload's settings with their defaults, the draw, the
deadline and the mastery levels. Pure functions; the services feed them rows and store the answers.

- **Draw** (Moodle's rule since MDL-6340): ``num_questions_per_attempt`` questions, those this student
  has seen least often in earlier attempts of the item first (unseen = seen 0 times), ties broken at
  random; never a question twice in one attempt. Shown in a random order when ``randomize_order``, else
  in the pool's order; choices are shuffled too when ``randomize_order``.
- **Deadline** = min(start + time limit × the student's time multiplier, the close date), where the
  close date is the accommodation's later close date when there is one, else the offering's end. No
  time limit and no close date: no deadline.
- **Mastery** (Khan Academy's levels): see ``next_mastery``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext_noop

PRACTICE = "practice"
EXAM = "exam"
REVIEW_IMMEDIATELY = "immediately"
REVIEW_AFTER_DUE = "after_due"
REVIEW_NEVER = "never"
DEFAULT_PASS_MARK = Decimal(50)

NOT_STARTED = "not_started"
ATTEMPTED = "attempted"
FAMILIAR = "familiar"
PROFICIENT = "proficient"
MASTERED = "mastered"
LEVELS = (NOT_STARTED, ATTEMPTED, FAMILIAR, PROFICIENT, MASTERED)
# English; shown through gettext (the German catalog has them).
LEVEL_LABELS = {
    NOT_STARTED: gettext_noop("Not started"),
    ATTEMPTED: gettext_noop("Attempted"),
    FAMILIAR: gettext_noop("Familiar"),
    PROFICIENT: gettext_noop("Proficient"),
    MASTERED: gettext_noop("Mastered"),
}
# Share of the quiz's ``mastery.points`` a level earns (Khan Academy's 0 / 50 / 80 / 100 per skill).
LEVEL_POINT_SHARE = {
    NOT_STARTED: Decimal(0),
    ATTEMPTED: Decimal(0),
    FAMILIAR: Decimal("0.5"),
    PROFICIENT: Decimal("0.8"),
    MASTERED: Decimal(1),
}
FAMILIAR_FROM = Decimal(70)


@dataclass(frozen=True)
class QuizSettings:
    """A quiz payload's settings with their defaults."""

    pool_id: int | None
    mode: str
    num_questions: int | None
    randomize: bool
    time_limit_seconds: int | None
    max_attempts: int | None
    mastery_points: int | None
    threshold_in_row: int | None
    pass_mark: Decimal
    review: str

    @property
    def is_exam(self) -> bool:
        return self.mode == EXAM

    @property
    def defines_mastery(self) -> bool:
        return bool(self.threshold_in_row)


def quiz_settings(data: dict | None) -> QuizSettings:
    data = data if isinstance(data, dict) else {}
    mastery = data.get("mastery") if isinstance(data.get("mastery"), dict) else {}
    pool_id = data.get("question_pool_id")
    pass_mark = data.get("pass_mark_percent")
    mode = data.get("quiz_mode") if data.get("quiz_mode") in (PRACTICE, EXAM) else PRACTICE
    review = data.get("review")
    if review not in (REVIEW_IMMEDIATELY, REVIEW_AFTER_DUE, REVIEW_NEVER):
        review = REVIEW_IMMEDIATELY
    return QuizSettings(
        pool_id=pool_id if isinstance(pool_id, int) and not isinstance(pool_id, bool) else None,
        mode=mode,
        num_questions=_positive(data.get("num_questions_per_attempt")),
        randomize=bool(data.get("randomize_order")),
        time_limit_seconds=_positive(data.get("time_limit_seconds")),
        max_attempts=_positive(mastery.get("max_attempts")),
        mastery_points=mastery.get("points") if isinstance(mastery.get("points"), int) else None,
        threshold_in_row=_positive(mastery.get("threshold_correct_in_row")),
        pass_mark=Decimal(str(pass_mark))
        if isinstance(pass_mark, (int, float)) and 0 <= pass_mark <= 100
        else DEFAULT_PASS_MARK,
        review=review,
    )


def _positive(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def draw_questions(
    question_ids: list[int], *, seen: dict[int, int], count: int | None, randomize: bool, rng: random.Random
) -> list[int]:
    """The questions of a new attempt, in the order shown. ``question_ids`` in the pool's order;
    ``seen``: how often this student has been shown each one before."""
    count = len(question_ids) if count is None else min(count, len(question_ids))
    keyed = [(seen.get(qid, 0), rng.random(), qid) for qid in question_ids]
    chosen = {qid for _, _, qid in sorted(keyed)[:count]}
    ordered = [qid for qid in question_ids if qid in chosen]
    if randomize:
        rng.shuffle(ordered)
    return ordered


def choice_order(choices: list[dict], *, randomize: bool, rng: random.Random) -> list[dict]:
    shown = [dict(choice) for choice in choices]
    if randomize:
        rng.shuffle(shown)
    return shown


def close_date(*, offering_end: datetime | None, extended_until: datetime | None) -> datetime | None:
    """The student's close date: the accommodation's later date, else the offering's end."""
    if extended_until is not None and (offering_end is None or extended_until > offering_end):
        return extended_until
    return offering_end


def attempt_deadline(
    *, started_at: datetime, time_limit_seconds: int | None, multiplier: Decimal, closes_at: datetime | None
) -> datetime | None:
    """min(start + limit × multiplier, close date); None when neither bounds the attempt."""
    candidates = []
    if time_limit_seconds:
        seconds = (Decimal(time_limit_seconds) * Decimal(multiplier)).to_integral_value()
        candidates.append(started_at + timedelta(seconds=int(seconds)))
    if closes_at is not None:
        candidates.append(closes_at)
    return min(candidates) if candidates else None


@dataclass(frozen=True)
class MasteryState:
    level: str = NOT_STARTED
    streak: int = 0  # correct answers in a row, across attempts, up to the latest


def level_for_percent(score_percent: Decimal) -> str:
    if score_percent >= 100:
        return PROFICIENT
    if score_percent >= FAMILIAR_FROM:
        return FAMILIAR
    return ATTEMPTED


def next_mastery(
    state: MasteryState, *, score_percent: Decimal, answers_correct: list[bool], threshold_in_row: int | None
) -> MasteryState:
    """The level after one more submitted attempt.

    - The attempt earns attempted (< 70 %), familiar (70–99.99 %) or proficient (100 %).
    - The level is the best earned so far: a weaker later attempt does not take a level away.
    - The streak counts correct answers in a row across attempts, in the order shown; a wrong or
      unanswered question resets it to 0.
    - Mastered: the level is (or becomes) proficient and the streak reaches
      ``mastery.threshold_correct_in_row`` at some point of this attempt. A quiz without that threshold stops at proficient.
    """
    streak = state.streak
    longest = streak
    for right in answers_correct:
        streak = streak + 1 if right else 0
        longest = max(longest, streak)
    earned = level_for_percent(score_percent)
    level = max(state.level, earned, key=LEVELS.index)
    if threshold_in_row and LEVELS.index(level) >= LEVELS.index(PROFICIENT) and longest >= threshold_in_row:
        level = MASTERED
    return MasteryState(level=level, streak=streak)


def mastery_points(level: str, points: int | None) -> int:
    if not points:
        return 0
    return int((LEVEL_POINT_SHARE[level] * points).to_integral_value())
