"""The exam guard and the practice-mode hint rule: which mode a reply is made in, and the check each
reply passes before anyone sees it.

- **exam**: the student has an open exam attempt in the offering. The system prompt forbids helping with
  it, the reply is buffered, and a reply that contains the correct answer of any question of the attempt
  (``tutoring.reveal.reply_contains_key``) is replaced by ``EXAM_NUDGE`` and flagged; the withheld text is
  kept in ``meta`` for the instructor.
- **practice_hints**: a practice quiz in a course whose setting does not allow outright answers (the
  default). The reply is buffered and checked with the general reveal check; a revealing reply is replaced
  by ``PRACTICE_NUDGE`` and flagged.
- **practice** (answers allowed) and **study** (every other item): streamed as written.

``open_exam_keys(user=..., offering=...)`` answers the open attempt's answer keys, or None when no exam
attempt is open.
"""

from __future__ import annotations

from dataclasses import dataclass

from learning.assessments.selectors import exam_answer_keys, open_exam_attempt
from tutoring.reveal import reply_contains_key, reveals_answer

EXAM_NUDGE = (
    "You have an exam open, so I can't help with its questions. Trust your own reasoning: "
    "what does the question ask for, and which idea from the course fits it? Once you have submitted, "
    "I'm glad to go through the material with you."
)
PRACTICE_NUDGE = (
    "Let's not jump to the answer. What have you tried so far, and which step are you unsure about? "
    "Look again at the part of the item that explains this idea and tell me what you notice."
)


@dataclass(frozen=True)
class GuardMode:
    mode: str  # "exam" | "practice_hints" | "practice" | "study"
    keys: tuple = ()

    @property
    def buffered(self) -> bool:
        return self.mode in ("exam", "practice_hints")


def open_exam_keys(*, user, offering) -> list | None:
    """The answer keys of the student's open exam attempt in ``offering`` (learning's assessment
    selectors); None when none is open."""
    attempt = open_exam_attempt(user=user, offering=offering)
    return None if attempt is None else exam_answer_keys(attempt=attempt)


def mode_for(*, user, offering, item, practice_answers_allowed: bool) -> GuardMode:
    keys = open_exam_keys(user=user, offering=offering)
    if keys is not None:
        return GuardMode("exam", tuple(keys))
    data = item.data_json if isinstance(item.data_json, dict) else {}
    if item.content_type.name == "quiz" and (data.get("quiz_mode") or "practice") == "practice":
        return GuardMode("practice" if practice_answers_allowed else "practice_hints")
    return GuardMode("study")


def check_reply(text: str, mode: GuardMode) -> tuple[str, str]:
    """(text to show, flag reason or "")."""
    if mode.mode == "exam" and mode.keys and reply_contains_key(text, mode.keys):
        return EXAM_NUDGE, "exam guard: the reply contained an answer of the open exam"
    if mode.mode == "practice_hints":
        verdict = reveals_answer(text)
        if verdict:
            return PRACTICE_NUDGE, "hint rule: the reply gave an answer away (" + "; ".join(verdict.reasons[:3]) + ")"
    return text, ""
