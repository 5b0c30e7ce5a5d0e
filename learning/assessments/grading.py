"""Grading of one answer against a frozen question: pure functions, no database.

An attempt freezes each drawn question as a *snapshot* (a plain dict, stored with the attempt) and
grades the student's answer against that snapshot, so a later edit of the pool changes neither an open
nor a graded attempt (a re-grade reads the question again on purpose; see ``services.regrade_attempt``).

Snapshot keys: ``type`` (the question bank's kinds: ``multiple_choice`` = one correct choice,
``multiple_select`` = several, ``true_false``, ``numeric``, ``short_text``), ``prompt``, ``choices``
(``[{"key", "text"}]`` in the order the student sees them), ``correct`` (the bank's ``correct_answer``),
``tolerance`` (numeric: a decimal string or None), ``tolerance_mode`` (``absolute`` | ``relative``),
``partial_credit`` (multiple_select), ``exact_match`` (short_text), ``points`` (a decimal string) and
``explanation``.

Answers, as stored: multiple_choice ``"b"``; multiple_select ``["a", "c"]``; true_false ``true`` /
``false``; numeric the text the student typed (``"1,000.5"``); short_text the text typed. ``None`` is
"not answered" and earns nothing.

Rules (docs/assessments.md):
- multiple_select: all-or-nothing unless ``partial_credit``; then each correct tick earns
  ``points / #correct`` and each wrong tick costs ``points / #wrong options`` (all of the points when
  every option is correct), the total never below 0.
- numeric: exact when the tolerance is 0 or missing; ``absolute``: ``|answer − correct| ≤ tolerance``;
  ``relative``: ``|answer − correct| ≤ tolerance × |correct|``. Decimal arithmetic, so 0.1 + 0.2 style
  float noise cannot fail a right answer.
- short_text: case-, width- and space-insensitive (Unicode NFKC, casefold, runs of white space
  as one, ends trimmed) unless ``exact_match``; then character for character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NUMBER_UNREADABLE = "Enter a number such as 1000.5, 1,000.5 or 1.0005e3."
CHOICE_UNKNOWN = "Choose one of the options shown."
TRUE_FALSE_UNREADABLE = "Answer true or false."
TEXT_TOO_LONG = "The answer is too long (at most {limit} characters)."

TEXT_LIMIT = 2000
_CENT = Decimal("0.01")
_ZERO = Decimal(0)

# Thousands separated by commas ("1,000.5", "12,345"), or none ("1000.5"); an optional exponent.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_PLAIN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_SPACES = re.compile(r"\s+")


class AnswerInvalid(ValueError):
    """An answer that cannot be read for the question's kind (the message is for the student)."""


@dataclass(frozen=True)
class Outcome:
    """The grade of one answer: points earned, the question's points, and whether it is fully right."""

    score: Decimal
    points: Decimal
    correct: bool


def parse_number(text) -> Decimal:
    """A number typed by a person: ``1000.5``, ``1,000.5`` (commas only as thousands separators, in
    groups of three), ``1.0005e3``, with optional sign and surrounding spaces. ``AnswerInvalid`` for
    anything else, including ``nan``, ``inf`` and a lone comma decimal (``1,5`` is ambiguous)."""
    if isinstance(text, bool) or text is None:
        raise AnswerInvalid(NUMBER_UNREADABLE)
    if isinstance(text, (int, float, Decimal)):
        text = str(text)
    if not isinstance(text, str):
        raise AnswerInvalid(NUMBER_UNREADABLE)
    cleaned = text.strip().replace("\u2212", "-")  # a typographic minus
    if _GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    elif not _PLAIN.fullmatch(cleaned):
        raise AnswerInvalid(NUMBER_UNREADABLE)
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise AnswerInvalid(NUMBER_UNREADABLE) from None
    if not number.is_finite() or abs(number.adjusted()) > 100:
        raise AnswerInvalid(NUMBER_UNREADABLE)
    return number


def normalise_text(text: str) -> str:
    """Case- and space-insensitive form of a short answer."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def clean_answer(snapshot: dict, raw):
    """The stored form of a raw answer (form input or JSON) for the snapshot's kind, or ``None`` when
    nothing was given. ``AnswerInvalid`` when it cannot be read."""
    kind = snapshot["type"]
    keys = [choice["key"] for choice in snapshot.get("choices") or []]
    if raw is None or raw == "" or raw == []:
        return None
    if kind == "multiple_choice":
        if isinstance(raw, list):
            raw = raw[0] if len(raw) == 1 else object()
        if raw not in keys:
            raise AnswerInvalid(CHOICE_UNKNOWN)
        return raw
    if kind == "multiple_select":
        picked = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(key, str) and key in keys for key in picked):
            raise AnswerInvalid(CHOICE_UNKNOWN)
        return [key for key in keys if key in picked]  # the shown order, no duplicates
    if kind == "true_false":
        if isinstance(raw, list):
            raw = raw[0] if len(raw) == 1 else None
        if raw is True or raw is False:
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise AnswerInvalid(TRUE_FALSE_UNREADABLE)
    if isinstance(raw, list):
        raw = raw[0] if len(raw) == 1 else ""
    if not isinstance(raw, str):
        raw = str(raw)
    if len(raw) > TEXT_LIMIT:
        raise AnswerInvalid(TEXT_TOO_LONG.format(limit=TEXT_LIMIT))
    if "\x00" in raw:
        raise AnswerInvalid(NUMBER_UNREADABLE if kind == "numeric" else TEXT_TOO_LONG.format(limit=TEXT_LIMIT))
    if not raw.strip():
        return None
    if kind == "numeric":
        parse_number(raw)  # refuse what cannot be read now; the typed text is what is stored
    return raw.strip()


def _points(snapshot: dict) -> Decimal:
    return Decimal(str(snapshot.get("points", 1)))


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def grade_numeric(answer: str, correct, tolerance=None, mode: str = "absolute") -> bool:
    value = parse_number(answer)
    target = Decimal(str(correct))
    allowed = Decimal(str(tolerance)) if tolerance not in (None, "") else _ZERO
    if mode == "relative":
        allowed = allowed * abs(target)
    return abs(value - target) <= allowed


def grade_multiple_select(picked, correct, keys, *, partial: bool, points: Decimal) -> Decimal:
    picked, correct = set(picked or []), set(correct)
    if not partial:
        return points if picked == correct else _ZERO
    wrong_options = len(set(keys) - correct)
    right_ticks = len(picked & correct)
    wrong_ticks = len(picked - correct)
    earned = points * right_ticks / len(correct)
    if wrong_ticks:
        earned -= points * wrong_ticks / wrong_options if wrong_options else points
    return max(_ZERO, _quantize(earned))


def grade(snapshot: dict, answer) -> Outcome:
    """The grade of a stored answer (``clean_answer``'s output) against a frozen question."""
    points = _points(snapshot)
    kind = snapshot["type"]
    correct = snapshot["correct"]
    if answer is None:
        return Outcome(_ZERO, points, False)
    if kind == "multiple_choice":
        right = answer == correct
        return Outcome(points if right else _ZERO, points, right)
    if kind == "multiple_select":
        keys = [choice["key"] for choice in snapshot.get("choices") or []]
        score = grade_multiple_select(
            answer, correct, keys, partial=bool(snapshot.get("partial_credit")), points=points
        )
        return Outcome(score, points, set(answer) == set(correct))
    if kind == "true_false":
        right = answer is correct or answer == correct
        return Outcome(points if right else _ZERO, points, right)
    if kind == "numeric":
        try:
            right = grade_numeric(
                answer, correct, snapshot.get("tolerance"), snapshot.get("tolerance_mode") or "absolute"
            )
        except AnswerInvalid:
            right = False
        return Outcome(points if right else _ZERO, points, right)
    if kind == "short_text":
        accepted = [text for text in correct if isinstance(text, str)]
        if snapshot.get("exact_match"):
            right = answer in accepted
        else:
            right = normalise_text(answer) in {normalise_text(text) for text in accepted}
        return Outcome(points if right else _ZERO, points, right)
    raise ValueError(f"unknown question kind {kind!r}")


def percent(score: Decimal, max_score: Decimal) -> Decimal:
    """The score as a percent with two places (0 when there is nothing to score)."""
    if not max_score:
        return _ZERO
    return _quantize(Decimal(score) * 100 / Decimal(max_score))


def passed(score: Decimal, max_score: Decimal, pass_mark_percent) -> bool:
    """Passed when the percent reaches the pass mark (a quiz worth 0 points passes)."""
    if not max_score:
        return True
    return Decimal(score) * 100 >= Decimal(str(pass_mark_percent)) * Decimal(max_score)
