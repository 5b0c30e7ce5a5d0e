"""Quiz services: every write to attempts, their answers, mastery, re-grades and accommodations.

Contract:
- :func:`start_attempt` freezes what the student sees (the questions drawn by ``rules.draw_questions``,
  their order, each question's choice order, a snapshot of each question as it is now) and the
  attempt's settings (mode, pass mark, review setting, deadline) in one transaction. It locks only the
  student's own enrollment row (``lock_learner_enrollment``), never anything course-wide, so an
  instructor editing the course cannot stall an exam start. ``attempt_number`` is max + 1 under that
  lock, and the database holds it with ``ux_quiz_attempts_attempt_number`` and
  ``ux_quiz_attempts_one_open`` (one open attempt per student and item).
- :func:`save_answers` writes answers of an open attempt before its deadline, idempotently (a row per
  question exists from the start; saving updates it). It locks the attempt row. An answer to a
  question not in the attempt, to a closed attempt or after the deadline is refused with a message.
- :func:`submit_attempt` grades every frozen question, stores score, max score and ``passed`` with the
  finish time (the deadline when it has passed: the moment a worker noticed does not count), updates
  mastery, records progress through ``learning.progress.services.record_item_progress`` and writes the
  automatic grade's audit row (``audit.record_grade_change``, kind ``auto``, as a lab's), all in one
  transaction. Submitting twice, or racing :func:`close_expired_attempt`, gives one result: both lock
  the attempt and the second sees it closed.
- Lock order everywhere: the enrollment row, then the attempt row (saving locks only the attempt).
- Instructors: :func:`regrade_attempt` / :func:`regrade_item` re-read the bank's grading fields and
  keep an audit line; :func:`allow_new_attempt`, :func:`set_accommodations` and
  :func:`delete_accommodation` write accommodations. Each re-checks ``permissions``.
- Errors are ``ValidationError`` with the message constants below; permission failures are
  ``PermissionDenied``.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from learning.assessments import grading, permissions, rules
from learning.assessments.accommodations import accommodation_for
from learning.assessments.audit import record_grade_change
from learning.assessments.models import (
    Accommodation,
    QuizAttempt,
    QuizAttemptQuestion,
    QuizMastery,
    QuizRegrade,
)
from learning.assessments.models_submissions import GradeChangeKind
from learning.progress.services import lock_learner_enrollment, record_item_progress
from learning.progress.structure import get_course_structure
from syllabus.models import ContentItem, Question

NOT_A_QUIZ = gettext_noop("This item is not a quiz of the course.")
POOL_EMPTY = gettext_noop("This quiz has no questions yet.")
QUIZ_CLOSED = gettext_noop("This quiz closed on {closed}.")
NO_ATTEMPTS_LEFT = gettext_noop("You have no attempts left for this quiz.")
ATTEMPT_OPEN = gettext_noop("You already have an attempt in progress: continue it.")
ATTEMPT_CLOSED = gettext_noop("This attempt has been submitted; answers can no longer change.")
AFTER_DEADLINE = gettext_noop("Time is up: the attempt was submitted with the answers saved before the deadline.")
QUESTION_NOT_IN_ATTEMPT = gettext_noop("That question is not part of this attempt.")
REASON_REQUIRED = gettext_noop("Say why (it is kept in the audit line).")
NO_STUDENTS = gettext_noop("Choose at least one student.")
NOT_STUDENTS = gettext_noop("Only students of this offering can have accommodations.")
NOTHING_TO_GRANT = gettext_noop("Set a time multiplier above 1, extra attempts or a later close date.")
MULTIPLIER_RANGE = gettext_noop("The time multiplier must be between 1 and 10.")
EXTRA_ATTEMPTS_RANGE = gettext_noop("Extra attempts must be between 0 and 100.")
CONCURRENT_EDIT = gettext_noop(
    "Someone changed these accommodations at the same moment; look at the list and save again."
)
ITEM_NOT_IN_OFFERING = gettext_noop("That quiz is not part of this offering's course.")

CLOSED_BY_STUDENT = "student"
CLOSED_BY_DEADLINE = "deadline"

_system_rng = random.SystemRandom()


# --- reading the quiz ----------------------------------------------------------------------------------


def quiz_item(*, offering, item_id: int) -> ContentItem:
    """The active quiz item ``item_id`` of the offering's published course tree, or ``NOT_A_QUIZ``."""
    course = offering.course
    structure = get_course_structure(course_id=course.pk, structure_version=course.structure_version)
    if structure.item_type.get(item_id) != "quiz":
        raise ValidationError(gettext(NOT_A_QUIZ), code="not_a_quiz")
    return ContentItem.objects.only("id", "title", "data_json", "course_id", "university_id", "module_id").get(
        pk=item_id
    )


def _snapshot(question: Question, *, randomize: bool, rng: random.Random) -> dict:
    return {
        "type": question.question_type,
        "prompt": question.prompt,
        "choices": rules.choice_order(question.choices or [], randomize=randomize, rng=rng),
        **_grading_fields(question),
        "explanation": question.explanation or "",
    }


def _grading_fields(question: Question) -> dict:
    """What grading reads from the bank (a re-grade refreshes exactly these)."""
    return {
        "correct": question.correct_answer,
        "tolerance": None if question.numeric_tolerance is None else str(question.numeric_tolerance),
        "tolerance_mode": getattr(question, "tolerance_mode", None) or "absolute",
        "partial_credit": bool(getattr(question, "partial_credit", False)),
        "exact_match": bool(getattr(question, "exact_match", False)),
        "points": str(question.points),
    }


# --- attempts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptAllowance:
    """The service's answer to "may this student start another attempt?" (the card shows it)."""

    allowed: int | None  # None: unlimited
    used: int
    open_attempt_id: int | None
    open_deadline: datetime | None = None

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)


def attempt_allowance(
    *, user, offering, item, settings: rules.QuizSettings | None = None, extra_attempts=None
) -> AttemptAllowance:
    settings = settings or rules.quiz_settings(item.data_json)
    if extra_attempts is None:
        extra_attempts = accommodation_for(student=user, offering=offering, item=item).extra_attempts
    open_ = Q(submitted_at__isnull=True)
    row = QuizAttempt.objects.filter(
        user_id=user.pk, course_offering_id=offering.pk, content_item_id=item.pk
    ).aggregate(used=Max("attempt_number"), open=Max("id", filter=open_), deadline=Max("deadline_at", filter=open_))
    allowed = None if settings.max_attempts is None else settings.max_attempts + extra_attempts
    return AttemptAllowance(
        allowed=allowed, used=row["used"] or 0, open_attempt_id=row["open"], open_deadline=row["deadline"]
    )


def start_attempt(
    *, actor, offering, item_id: int, now: datetime | None = None, rng: random.Random | None = None
) -> QuizAttempt:
    """Start the student's next attempt (see the module contract). ``ATTEMPT_OPEN`` (code ``open``)
    when one is in progress; its id is in ``error.params["attempt_id"]``."""
    now = now or timezone.now()
    rng = rng or _system_rng
    if not permissions.is_signed_in(actor):
        raise PermissionDenied
    item = quiz_item(offering=offering, item_id=item_id)
    settings = rules.quiz_settings(item.data_json)
    questions = list(
        Question.objects.filter(pool_id=settings.pool_id, pool__course_id=offering.course_id).order_by("sequence_index")
    )
    if not questions:
        raise ValidationError(gettext(POOL_EMPTY), code="empty")
    accommodation = accommodation_for(student=actor, offering=offering, item=item)
    closes_at = rules.close_date(offering_end=offering.ends_at, extended_until=accommodation.extended_until)
    if closes_at is not None and now >= closes_at:
        raise ValidationError(gettext(QUIZ_CLOSED), code="closed", params={"closed": closes_at})
    try:
        with transaction.atomic():
            # The permission check: only a student of the offering has an enrollment row to lock.
            try:
                lock_learner_enrollment(user_id=actor.pk, offering_id=offering.pk)
            except ValidationError:
                raise PermissionDenied from None
            allowance = attempt_allowance(
                user=actor, offering=offering, item=item, settings=settings, extra_attempts=accommodation.extra_attempts
            )
            if (
                allowance.open_attempt_id is not None
                and allowance.open_deadline is not None
                and allowance.open_deadline <= now
            ):
                # Next touch: a forgotten attempt past its deadline closes first (same lock order).
                _finish(attempt_id=allowance.open_attempt_id, now=now, closed_by=CLOSED_BY_DEADLINE)
                allowance = attempt_allowance(
                    user=actor,
                    offering=offering,
                    item=item,
                    settings=settings,
                    extra_attempts=accommodation.extra_attempts,
                )
            if allowance.open_attempt_id is not None:
                raise ValidationError(
                    gettext(ATTEMPT_OPEN), code="open", params={"attempt_id": allowance.open_attempt_id}
                )
            if allowance.left == 0:
                raise ValidationError(gettext(NO_ATTEMPTS_LEFT), code="no_attempts")
            seen = (
                {}
                if not allowance.used
                else dict(
                    QuizAttemptQuestion.objects.filter(
                        attempt__user_id=actor.pk,
                        attempt__course_offering_id=offering.pk,
                        attempt__content_item_id=item.pk,
                    )
                    .values_list("question_id")
                    .annotate(times=Count("id"))
                )
            )
            by_id = {question.pk: question for question in questions}
            drawn = rules.draw_questions(
                list(by_id), seen=seen, count=settings.num_questions, randomize=settings.randomize, rng=rng
            )
            deadline = rules.attempt_deadline(
                started_at=now,
                time_limit_seconds=settings.time_limit_seconds,
                multiplier=accommodation.time_multiplier,
                closes_at=closes_at,
            )
            attempt = QuizAttempt.objects.create(
                user_id=actor.pk,
                course_offering_id=offering.pk,
                content_item_id=item.pk,
                attempt_number=allowance.used + 1,
                started_at=now,
                deadline_at=deadline,
                mode=settings.mode,
                raw_response_json={
                    "pass_mark_percent": str(settings.pass_mark),
                    "review": settings.review,
                    "time_limit_seconds": settings.time_limit_seconds,
                    "time_multiplier": str(accommodation.time_multiplier),
                    "closes_at": closes_at.isoformat() if closes_at else None,
                },
            )
            QuizAttemptQuestion.objects.bulk_create(
                QuizAttemptQuestion(
                    attempt=attempt,
                    university_id=offering.university_id,
                    question_id=qid,
                    position=position,
                    snapshot=_snapshot(by_id[qid], randomize=settings.randomize, rng=rng),
                )
                for position, qid in enumerate(drawn, start=1)
            )
    except IntegrityError:
        # A start on another server won the race past the lock (or the lock was skipped): one attempt.
        open_id = _open_attempt_id(user=actor, offering=offering, item=item)
        raise ValidationError(gettext(ATTEMPT_OPEN), code="open", params={"attempt_id": open_id}) from None
    if deadline is not None:
        transaction.on_commit(lambda: _schedule_close(attempt.pk, deadline))
    return attempt


def _open_attempt_id(*, user, offering, item) -> int | None:
    return (
        QuizAttempt.objects.filter(
            user_id=user.pk, course_offering_id=offering.pk, content_item_id=item.pk, submitted_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )


def _schedule_close(attempt_id: int, deadline: datetime) -> None:
    """The deadline task (not on a backend that cannot defer: the next touch and the scheduler's sweep close
    the attempt then)."""
    from learning.assessments.tasks import close_expired_attempt_task, enqueue_at

    enqueue_at(close_expired_attempt_task, deadline, attempt_id)


def _locked_attempt(attempt_id: int) -> QuizAttempt:
    return QuizAttempt.objects.select_for_update(of=("self",)).select_related("course_offering").get(pk=attempt_id)


def _locked_attempt_state(attempt_id: int) -> dict:
    """Lock the attempt row; its state (what saving an answer needs)."""
    return (
        QuizAttempt.objects.select_for_update()
        .filter(pk=attempt_id)
        .values("pk", "submitted_at", "deadline_at", "mode")
        .get()
    )


@dataclass(frozen=True)
class Feedback:
    """Practice mode: whether a saved answer is right, and the explanation."""

    position: int
    correct: bool
    score: Decimal
    explanation: str


def save_answers(
    *, actor, attempt: QuizAttempt, answers: dict[int, object], now: datetime | None = None
) -> list[Feedback]:
    """Save answers by question position (1..n). All or nothing: an unreadable answer raises a
    ``ValidationError`` keyed ``q<position>`` and nothing is written. Returns practice feedback (empty
    for an exam)."""
    now = now or timezone.now()
    if attempt.user_id != getattr(actor, "pk", None):
        raise PermissionDenied
    expired = False
    positions = [position for position in answers if isinstance(position, int) and 0 < position < 10_000]
    if len(positions) != len(answers):
        raise ValidationError(gettext(QUESTION_NOT_IN_ATTEMPT), code="foreign_question")
    with transaction.atomic():
        locked = _locked_attempt_state(attempt.pk)
        if locked["submitted_at"] is not None:
            raise ValidationError(gettext(ATTEMPT_CLOSED), code="closed")
        if locked["deadline_at"] is not None and now > locked["deadline_at"]:
            expired = True
        else:
            rows = {
                row.position: row
                for row in QuizAttemptQuestion.objects.filter(attempt_id=attempt.pk, position__in=positions).only(
                    "id", "position", "snapshot", "answer", "answered_at"
                )
            }
            errors: dict[str, list[str]] = {}
            cleaned: dict[int, object] = {}
            for position, raw in answers.items():
                row = rows.get(position)
                if row is None:
                    raise ValidationError(gettext(QUESTION_NOT_IN_ATTEMPT), code="foreign_question")
                try:
                    cleaned[position] = grading.clean_answer(row.snapshot, raw)
                except grading.AnswerInvalid as exc:
                    errors[f"q{position}"] = [str(exc)]
            if errors:
                raise ValidationError(errors, code="answer")
            changed = []
            feedback = []
            for position, answer in cleaned.items():
                row = rows[position]
                if row.answer != answer or row.answered_at is None:
                    row.answer, row.answered_at = answer, now
                    changed.append(row)
                if locked["mode"] == rules.PRACTICE and answer is not None:
                    outcome = grading.grade(row.snapshot, answer)
                    feedback.append(
                        Feedback(position, outcome.correct, outcome.score, row.snapshot.get("explanation", ""))
                    )
            if changed:
                QuizAttemptQuestion.objects.bulk_update(changed, ["answer", "answered_at"])
    if expired:
        close_expired_attempt(attempt_id=attempt.pk, now=now)
        raise ValidationError(gettext(AFTER_DEADLINE), code="after_deadline")
    return feedback


def submit_attempt(*, actor, attempt: QuizAttempt, now: datetime | None = None) -> QuizAttempt:
    """Submit (idempotent: an attempt already closed is returned as it is)."""
    if attempt.user_id != getattr(actor, "pk", None):
        raise PermissionDenied
    return _finish(attempt_id=attempt.pk, now=now or timezone.now(), closed_by=CLOSED_BY_STUDENT)[0]


def close_expired_attempt(*, attempt_id: int, now: datetime | None = None) -> QuizAttempt | None:
    """Close an open attempt whose deadline has passed (the task and every "next touch"); None (a
    no-op) for an attempt already closed — also by a run that won a race — or still running."""
    now = now or timezone.now()
    row = QuizAttempt.objects.filter(pk=attempt_id).values("submitted_at", "deadline_at").first()
    if row is None or row["submitted_at"] is not None or row["deadline_at"] is None or row["deadline_at"] > now:
        return None
    attempt, closed_now = _finish(attempt_id=attempt_id, now=now, closed_by=CLOSED_BY_DEADLINE)
    return attempt if closed_now else None


def close_expired_attempts(*, now: datetime | None = None, limit: int = 1000) -> int:
    """The sweep (management command ``close_expired_quiz_attempts``): close up to ``limit`` expired attempts."""
    now = now or timezone.now()
    ids = list(
        QuizAttempt.objects.filter(submitted_at__isnull=True, deadline_at__lte=now)
        .order_by("deadline_at")
        .values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for attempt_id in ids:
        if close_expired_attempt(attempt_id=attempt_id, now=now) is not None:
            closed += 1
    return closed


def queue_expired_attempts(*, now: datetime | None = None) -> int:
    """The scheduler's job (``manage.py run_scheduler``): when an open attempt is past its deadline, queue one
    sweep (``tasks.close_expired_attempts_task``) for the worker; 0 or 1 task. The safety net for attempts
    whose deadline task was lost or never deferred (a backend that cannot defer)."""
    from learning.assessments.tasks import close_expired_attempts_task

    now = now or timezone.now()
    if not QuizAttempt.objects.filter(submitted_at__isnull=True, deadline_at__lte=now).exists():
        return 0
    close_expired_attempts_task.enqueue()
    return 1


def _grade_rows(rows: list[QuizAttemptQuestion]) -> tuple[Decimal, Decimal]:
    score = max_score = Decimal(0)
    for row in rows:
        outcome = grading.grade(row.snapshot, row.answer)
        row.score, row.is_correct = outcome.score, outcome.correct
        score += outcome.score
        max_score += outcome.points
    return score, max_score


def _finish(*, attempt_id: int, now: datetime, closed_by: str) -> tuple[QuizAttempt, bool]:
    """Grade and close the attempt; (attempt, whether this call closed it)."""
    with transaction.atomic():
        head = QuizAttempt.objects.filter(pk=attempt_id).values("user_id", "course_offering_id").get()
        with contextlib.suppress(ValidationError):  # a dropped student's attempt still closes; no progress then
            lock_learner_enrollment(user_id=head["user_id"], offering_id=head["course_offering_id"])
        attempt = _locked_attempt(attempt_id)
        if attempt.submitted_at is not None:
            return attempt, False
        finish = now if attempt.deadline_at is None else min(now, attempt.deadline_at)
        if closed_by == CLOSED_BY_STUDENT and attempt.deadline_at is not None and now > attempt.deadline_at:
            closed_by = CLOSED_BY_DEADLINE
        rows = list(QuizAttemptQuestion.objects.filter(attempt_id=attempt.pk).order_by("position"))
        score, max_score = _grade_rows(rows)
        QuizAttemptQuestion.objects.bulk_update(rows, ["score", "is_correct"])
        attempt.score_obtained, attempt.max_score = score, max_score
        attempt.passed = grading.passed(score, max_score, _pass_mark(attempt))
        attempt.submitted_at = finish
        attempt.raw_response_json = {**(attempt.raw_response_json or {}), "closed_by": closed_by}
        attempt.save(update_fields=["score_obtained", "max_score", "passed", "submitted_at", "raw_response_json"])
        correct = sum(1 for row in rows if row.is_correct)
        record_grade_change(  # the automatic grade in the one audit trail, as a lab's first run writes it
            actor=None,
            target=attempt,
            student_id=attempt.user_id,
            offering=attempt.course_offering,
            item_id=attempt.content_item_id,
            kind=GradeChangeKind.AUTO,
            from_value=None,
            to_value=score,
            reason=f"{correct} of {len(rows)} questions correct; closed by the {closed_by}",
        )
        _after_grading(attempt=attempt, now=now)
    return attempt, True


def _pass_mark(attempt: QuizAttempt) -> Decimal:
    return Decimal(str((attempt.raw_response_json or {}).get("pass_mark_percent", rules.DEFAULT_PASS_MARK)))


def _after_grading(*, attempt: QuizAttempt, now: datetime) -> None:
    """Mastery and progress after an attempt's grade changed (inside the caller's transaction). The layers
    above hear of the change from the caller's ``record_grade_change`` (``signals.grades_changed``)."""
    offering = attempt.course_offering
    item = ContentItem.objects.only("id", "data_json").get(pk=attempt.content_item_id)
    settings = rules.quiz_settings(item.data_json)
    mastery = refresh_mastery(user_id=attempt.user_id, offering=offering, item=item, settings=settings, now=now)
    complete = mastery.level == rules.MASTERED if settings.defines_mastery else bool(attempt.passed)
    best = grading.percent(attempt.score_obtained, attempt.max_score)
    user = attempt.user
    # Not enrolled any more, or the quiz left the published tree: the grade stands, progress does not move.
    with contextlib.suppress(ValidationError):
        record_item_progress(
            user=user,
            offering=offering,
            item_id=item.pk,
            percent=min(best, Decimal(100)),
            complete=complete,
            attempt=True,
            now=now,
        )


def refresh_mastery(*, user_id: int, offering, item, settings: rules.QuizSettings, now: datetime) -> QuizMastery:
    """Replay every submitted attempt of the student on the item (``rules.next_mastery``) and store the
    level, streak, points and best percent. A replay, not an increment, so a re-grade lands right too."""
    state = rules.MasteryState()
    best = Decimal(0)
    rows = (
        QuizAttemptQuestion.objects.filter(
            attempt__user_id=user_id,
            attempt__course_offering_id=offering.pk,
            attempt__content_item_id=item.pk,
            attempt__submitted_at__isnull=False,
        )
        .order_by("attempt__submitted_at", "attempt__attempt_number", "position")
        .values_list("attempt_id", "attempt__score_obtained", "attempt__max_score", "is_correct")
    )
    current, answers, percent = None, [], Decimal(0)
    for attempt_id, score, max_score, correct in [*rows, (None, None, None, None)]:
        if attempt_id != current:
            if current is not None:
                state = rules.next_mastery(
                    state, score_percent=percent, answers_correct=answers, threshold_in_row=settings.threshold_in_row
                )
                best = max(best, percent)
            current, answers = attempt_id, []
            percent = grading.percent(score or 0, max_score or 0) if attempt_id is not None else Decimal(0)
        if attempt_id is not None:
            answers.append(bool(correct))
    mastery, _ = QuizMastery.objects.update_or_create(
        user_id=user_id,
        course_offering_id=offering.pk,
        content_item_id=item.pk,
        defaults={
            "university_id": offering.university_id,
            "level": state.level,
            "streak": state.streak,
            "points": rules.mastery_points(state.level, settings.mastery_points),
            "best_percent": min(best, Decimal(100)),
            "updated_at": now,
        },
    )
    return mastery


# --- instructors -------------------------------------------------------------------------------------


def regrade_attempt(*, actor, attempt: QuizAttempt, reason: str, now: datetime | None = None) -> QuizRegrade | None:
    """Re-grade a submitted attempt with the bank's current answers (choice order and prompts stay as
    the student saw them). Writes an audit line; returns it, or None when nothing changed."""
    now = now or timezone.now()
    if not permissions.can_grade_quiz(actor, attempt.course_offering):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [gettext(REASON_REQUIRED)]}, code="reason")
    with transaction.atomic():
        with contextlib.suppress(ValidationError):
            lock_learner_enrollment(user_id=attempt.user_id, offering_id=attempt.course_offering_id)
        locked = _locked_attempt(attempt.pk)
        if locked.submitted_at is None:
            raise ValidationError(gettext(ATTEMPT_OPEN), code="open")
        rows = list(QuizAttemptQuestion.objects.filter(attempt_id=locked.pk).order_by("position"))
        bank = Question.objects.in_bulk([row.question_id for row in rows if row.question_id])
        for row in rows:
            question = bank.get(row.question_id)
            if question is not None and question.question_type == row.snapshot.get("type"):
                row.snapshot = {**row.snapshot, **_grading_fields(question)}
        score, max_score = _grade_rows(rows)
        passed = grading.passed(score, max_score, _pass_mark(locked))
        if score == locked.score_obtained and max_score == locked.max_score and passed == locked.passed:
            QuizAttemptQuestion.objects.bulk_update(rows, ["snapshot", "score", "is_correct"])
            return None
        audit = QuizRegrade.objects.create(
            attempt=locked,
            university_id=locked.course_offering.university_id,
            actor=actor,
            old_score=locked.score_obtained,
            new_score=score,
            old_passed=locked.passed,
            new_passed=passed,
            reason=reason,
        )
        _audit_regrade(actor=actor, attempt=locked, score=score, max_score=max_score, passed=passed, reason=reason)
        QuizAttemptQuestion.objects.bulk_update(rows, ["snapshot", "score", "is_correct"])
        locked.score_obtained, locked.max_score, locked.passed = score, max_score, passed
        locked.save(update_fields=["score_obtained", "max_score", "passed"])
        _after_grading(attempt=locked, now=now)
    return audit


def _audit_regrade(*, actor, attempt: QuizAttempt, score, max_score, passed, reason: str) -> None:
    """The re-grade in the one audit trail (``grade_changes``, kind ``regrade``): a row per value that changed —
    ``score``, ``max_score`` and ``passed`` (1 = passed, 0 = not). ``quiz_regrades`` keeps its line too: the
    staff attempt page reads it, with both pass/fail values on one row."""
    common = {
        "actor": actor,
        "target": attempt,
        "student_id": attempt.user_id,
        "offering": attempt.course_offering,
        "item_id": attempt.content_item_id,
        "kind": GradeChangeKind.REGRADE,
        "reason": reason,
    }
    record_grade_change(**common, field="score", from_value=attempt.score_obtained, to_value=score)
    record_grade_change(**common, field="max_score", from_value=attempt.max_score, to_value=max_score)
    if attempt.passed is not passed:
        as_number = {True: 1, False: 0, None: None}
        record_grade_change(**common, field="passed", from_value=as_number[attempt.passed], to_value=as_number[passed])


def regrade_item(*, actor, offering, item_id: int, reason: str) -> int:
    """Re-grade every submitted attempt of a quiz in the offering; the number of attempts whose grade changed."""
    if not permissions.can_grade_quiz(actor, offering):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": [gettext(REASON_REQUIRED)]}, code="reason")
    changed = 0
    attempts = QuizAttempt.objects.filter(
        course_offering_id=offering.pk, content_item_id=item_id, submitted_at__isnull=False
    ).select_related("course_offering")
    for attempt in attempts.order_by("pk").iterator():
        if regrade_attempt(actor=actor, attempt=attempt, reason=reason) is not None:
            changed += 1
    return changed


def _offering_students(offering, student_ids) -> list[int]:
    from learning.enrollment.models import CourseEnrollment, EnrollmentStatus

    found = set(
        CourseEnrollment.objects.filter(
            course_offering_id=offering.pk,
            user_id__in=student_ids,
            status__in=(EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED),
        ).values_list("user_id", flat=True)
    )
    if found != set(student_ids):
        raise ValidationError({"students": [gettext(NOT_STUDENTS)]}, code="students")
    return sorted(found)


def _check_item(offering, item_id: int | None) -> None:
    if item_id is not None and not ContentItem.objects.filter(pk=item_id, course_id=offering.course_id).exists():
        raise ValidationError({"content_item": [gettext(ITEM_NOT_IN_OFFERING)]}, code="item")


def set_accommodations(
    *,
    actor,
    offering,
    student_ids: list[int],
    item_id: int | None = None,
    time_multiplier: Decimal = Decimal(1),
    extra_attempts: int = 0,
    extended_until: datetime | None = None,
    reason: str = "",
) -> int:
    """Set (create or replace) one accommodation for many students at once; the number of rows written."""
    if not permissions.can_manage_accommodations(actor, offering):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not student_ids:
        errors["students"] = [gettext(NO_STUDENTS)]
    if time_multiplier is None or not (Decimal(1) <= Decimal(time_multiplier) <= Decimal(10)):
        errors["time_multiplier"] = [gettext(MULTIPLIER_RANGE)]
    if extra_attempts is None or not (0 <= extra_attempts <= 100):
        errors["extra_attempts"] = [gettext(EXTRA_ATTEMPTS_RANGE)]
    if not errors and Decimal(time_multiplier) == 1 and not extra_attempts and extended_until is None:
        errors["__all__"] = [gettext(NOTHING_TO_GRANT)]
    if errors:
        raise ValidationError(errors, code="accommodation")
    _check_item(offering, item_id)
    students = _offering_students(offering, student_ids)
    try:
        _write_accommodations(
            actor, offering, students, item_id, time_multiplier, extra_attempts, extended_until, reason
        )
    except IntegrityError:  # another instructor saved one of these rows at the same moment
        raise ValidationError(gettext(CONCURRENT_EDIT), code="concurrent") from None
    return len(students)


def _write_accommodations(actor, offering, students, item_id, time_multiplier, extra_attempts, extended_until, reason):
    with transaction.atomic():
        for student_id in students:
            Accommodation.objects.update_or_create(
                course_offering_id=offering.pk,
                student_id=student_id,
                content_item_id=item_id,
                defaults={
                    "university_id": offering.university_id,
                    "time_multiplier": time_multiplier,
                    "extra_attempts": extra_attempts,
                    "extended_until": extended_until,
                    "reason": (reason or "").strip(),
                    "created_by": actor,
                },
            )


def delete_accommodation(*, actor, accommodation: Accommodation) -> None:
    if not permissions.can_manage_accommodations(actor, accommodation.course_offering):
        raise PermissionDenied
    accommodation.delete()


def allow_new_attempt(*, actor, offering, item_id: int, student_id: int, reason: str = "") -> Accommodation:
    """One more attempt for one student on one quiz: the item's accommodation gains an extra attempt."""
    if not permissions.can_grade_quiz(actor, offering):
        raise PermissionDenied
    _check_item(offering, item_id)
    _offering_students(offering, [student_id])
    reason = (reason or "").strip() or "New attempt allowed"
    with transaction.atomic():
        lock_learner_enrollment(user_id=student_id, offering_id=offering.pk)
        row, created = Accommodation.objects.select_for_update().get_or_create(
            course_offering_id=offering.pk,
            student_id=student_id,
            content_item_id=item_id,
            defaults={
                "university_id": offering.university_id,
                "extra_attempts": 1,
                "reason": reason,
                "created_by": actor,
            },
        )
        if not created:
            row.extra_attempts += 1
            row.reason = reason
            row.save(update_fields=["extra_attempts", "reason"])
    return row
