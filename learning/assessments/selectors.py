"""Quiz selectors: every read of attempts, mastery and accommodations for pages and other sub-areas.

Contract:
- Student reads are scoped to the student (``get_own_attempt`` answers 404 for anyone else's attempt).
- Instructor reads take an offering already checked with ``permissions.can_view_attempts`` (views fetch
  it through ``get_offering_for_staff``, 404 for a stranger) and stay inside it.
- List pages run a fixed number of queries: the attempts list is one page query plus a count; item
  analysis is one query for the whole page.
- For the AI tutor (``tutoring``): ``open_exam_attempt`` and ``exam_answer_keys`` (its exam guard), and
  ``open_practice_questions`` (what a student sees in an open practice attempt, never a key). The tutor
  reads assessment state only through these.
- ``accommodation_for`` (shared with labs and assignments) lives in ``accommodations`` and is
  re-exported here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import CourseOffering
from learning.assessments import grading, permissions, rules
from learning.assessments.accommodations import EffectiveAccommodation, accommodation_for
from learning.assessments.models import Accommodation, QuizAttempt, QuizAttemptQuestion, QuizMastery
from learning.enrollment.models import CourseEnrollment
from learning.enrollment.permissions import LEARNER_STATUSES
from syllabus.models import ContentItem

__all__ = [
    "AnswerKey",
    "EffectiveAccommodation",
    "accommodation_for",
    "PracticeQuestions",
    "exam_answer_keys",
    "open_exam_attempt",
    "open_practice_questions",
]


# --- the tutor's exam guard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerKey:
    """What would give one question of an open exam away. ``kind``: the question bank's kinds
    (``multiple_choice`` = one correct choice, ``multiple_select``, ``true_false``, ``numeric``,
    ``short_text``)."""

    kind: str
    correct_texts: tuple[str, ...]
    numeric_value: float | None = None
    abs_tolerance: float | None = None
    rel_tolerance: float | None = None


def open_exam_attempt(*, user, item=None, offering=None) -> QuizAttempt | None:
    """The student's open exam attempt (on ``item`` / in ``offering`` when given), or None. An attempt
    past its deadline is not open, even before the task has closed it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    now = timezone.now()
    attempts = QuizAttempt.objects.filter(user_id=user.pk, submitted_at__isnull=True, mode=rules.EXAM).filter(
        Q(deadline_at__isnull=True) | Q(deadline_at__gt=now)
    )
    if item is not None:
        attempts = attempts.filter(content_item_id=getattr(item, "pk", item))
    if offering is not None:
        attempts = attempts.filter(course_offering_id=getattr(offering, "pk", offering))
    return attempts.order_by("-started_at").first()


def _answer_key(snapshot: dict) -> AnswerKey:
    kind = snapshot.get("type", "")
    correct = snapshot.get("correct")
    texts = {choice.get("key"): choice.get("text", "") for choice in snapshot.get("choices") or []}
    if kind == "multiple_choice":
        return AnswerKey(kind, (texts.get(correct, ""),))
    if kind == "multiple_select":
        return AnswerKey(kind, tuple(texts.get(key, "") for key in correct or []))
    if kind == "true_false":
        return AnswerKey(kind, ("true" if correct else "false",))
    if kind == "numeric":
        tolerance = float(snapshot["tolerance"]) if snapshot.get("tolerance") not in (None, "") else 0.0
        relative = snapshot.get("tolerance_mode") == "relative"
        return AnswerKey(
            kind,
            (),
            numeric_value=float(correct),
            abs_tolerance=None if relative else tolerance,
            rel_tolerance=tolerance if relative else None,
        )
    return AnswerKey(kind, tuple(text for text in correct or [] if isinstance(text, str)))


def exam_answer_keys(*, attempt: QuizAttempt) -> list[AnswerKey]:
    """The answer keys of every question of the attempt, in the order shown."""
    snapshots = (
        QuizAttemptQuestion.objects.filter(attempt_id=attempt.pk)
        .order_by("position")
        .values_list("snapshot", flat=True)
    )
    return [_answer_key(snapshot) for snapshot in snapshots]


@dataclass(frozen=True)
class PracticeQuestions:
    """The questions of a student's open practice attempt as the student sees them: ``questions`` is
    ``[{"text": prompt, "choices": [choice text, …]}]`` in the attempt's order (choices in the order shown).
    Built from an allow-list of the frozen snapshot's fields: no correct answer, tolerance, explanation,
    choice key or points ever leaves this function."""

    attempt_id: int
    questions: tuple[dict, ...]


def open_practice_questions(*, user, offering, item) -> PracticeQuestions | None:
    """The student's open practice attempt on ``item`` in ``offering`` (one query), or None: no attempt
    open, an exam attempt (the tutor's exam guard handles those), or past its deadline."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    now = timezone.now()
    rows = list(
        QuizAttemptQuestion.objects.filter(
            attempt__user_id=user.pk,
            attempt__course_offering_id=getattr(offering, "pk", offering),
            attempt__content_item_id=getattr(item, "pk", item),
            attempt__submitted_at__isnull=True,
            attempt__mode=rules.PRACTICE,
        )
        .filter(Q(attempt__deadline_at__isnull=True) | Q(attempt__deadline_at__gt=now))
        .order_by("position")
        .values_list("attempt_id", "snapshot")
    )
    if not rows:
        return None
    questions = tuple(
        {
            "text": str((snapshot or {}).get("prompt") or ""),
            "choices": [
                str(choice.get("text") or "")
                for choice in (snapshot or {}).get("choices") or []
                if isinstance(choice, dict)
            ],
        }
        for _, snapshot in rows
    )
    return PracticeQuestions(attempt_id=rows[0][0], questions=questions)


# --- students ------------------------------------------------------------------------------------------


def get_own_attempt(*, user, attempt_id: int) -> QuizAttempt:
    """The user's own attempt, else 404 (another student's attempt looks like a missing one)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    attempt = (
        QuizAttempt.objects.select_related("course_offering__course", "content_item")
        .filter(pk=attempt_id, user_id=user.pk)
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def attempt_questions(*, attempt: QuizAttempt) -> list[QuizAttemptQuestion]:
    return list(QuizAttemptQuestion.objects.filter(attempt_id=attempt.pk).order_by("position"))


def review_allowed(*, attempt: QuizAttempt, now: datetime | None = None, latest_close: datetime | None = None) -> bool:
    """May the student see right answers and explanations of a submitted attempt? Practice: yes. Exam:
    per the review setting frozen at the start — immediately, after the due date (the latest close date
    of anyone in the offering, so a classmate with an extension cannot be told the answers), or never."""
    if attempt.submitted_at is None:
        return False
    if attempt.mode == rules.PRACTICE:
        return True
    review = (attempt.raw_response_json or {}).get("review", rules.REVIEW_IMMEDIATELY)
    if review == rules.REVIEW_IMMEDIATELY:
        return True
    if review == rules.REVIEW_NEVER:
        return False
    return latest_close is not None and (now or timezone.now()) >= latest_close


def latest_close_date(*, offering: CourseOffering, item_id: int) -> datetime | None:
    """The offering's end or the latest extended close date of any student for the item (None: no end)."""
    if offering.ends_at is None:
        return None
    extended = Accommodation.objects.filter(
        Q(content_item__isnull=True) | Q(content_item_id=item_id), course_offering_id=offering.pk
    ).aggregate(latest=Max("extended_until"))["latest"]
    return max(offering.ends_at, extended) if extended else offering.ends_at


@dataclass(frozen=True)
class QuizCard:
    """The student's side of a quiz item: what the card and the result page show."""

    settings: rules.QuizSettings
    accommodation: EffectiveAccommodation
    allowed: int | None
    used: int
    open_attempt: QuizAttempt | None
    best: QuizAttempt | None
    latest: QuizAttempt | None
    mastery_level: str
    mastery_points: int
    closes_at: datetime | None

    @property
    def attempts_left(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def mastery_label(self) -> str:
        return gettext(rules.LEVEL_LABELS[self.mastery_level])

    @property
    def closed(self) -> bool:
        return self.closes_at is not None and timezone.now() >= self.closes_at

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and self.attempts_left != 0 and not self.closed


def _percent(attempt: QuizAttempt | None) -> Decimal | None:
    if attempt is None or attempt.score_obtained is None:
        return None
    return grading.percent(attempt.score_obtained, attempt.max_score)


def quiz_card(*, user, offering: CourseOffering, item) -> QuizCard:
    """Three queries: the student's attempts on the item, the accommodation rows, the mastery row."""
    settings = rules.quiz_settings(item.data_json)
    accommodation = accommodation_for(student=user, offering=offering, item=item)
    attempts = list(
        QuizAttempt.objects.filter(user_id=user.pk, course_offering_id=offering.pk, content_item_id=item.pk)
        .only(
            "id",
            "attempt_number",
            "started_at",
            "submitted_at",
            "deadline_at",
            "score_obtained",
            "max_score",
            "passed",
            "mode",
        )
        .order_by("attempt_number")
    )
    submitted = [attempt for attempt in attempts if attempt.submitted_at is not None]
    open_attempt = next((attempt for attempt in attempts if attempt.submitted_at is None), None)
    best = max(submitted, key=lambda attempt: (_percent(attempt) or 0, -attempt.attempt_number), default=None)
    mastery = (
        QuizMastery.objects.filter(user_id=user.pk, course_offering_id=offering.pk, content_item_id=item.pk)
        .values_list("level", "points")
        .first()
    )
    return QuizCard(
        settings=settings,
        accommodation=accommodation,
        allowed=None if settings.max_attempts is None else settings.max_attempts + accommodation.extra_attempts,
        used=max((attempt.attempt_number for attempt in attempts), default=0),
        open_attempt=open_attempt,
        best=best,
        latest=submitted[-1] if submitted else None,
        mastery_level=mastery[0] if mastery else rules.NOT_STARTED,
        mastery_points=mastery[1] if mastery else 0,
        closes_at=rules.close_date(offering_end=offering.ends_at, extended_until=accommodation.extended_until),
    )


def attempt_percent(attempt: QuizAttempt | None) -> Decimal | None:
    return _percent(attempt)


def mastery_levels(*, user, offering_id: int) -> dict[int, str]:
    """``{item id: level}`` of the student's quizzes in the offering (the outline's badges). One query."""
    return dict(
        QuizMastery.objects.filter(user_id=user.pk, course_offering_id=offering_id).values_list(
            "content_item_id", "level"
        )
    )


def mastery_summary(*, user, offering_ids) -> dict[int, dict[str, int]]:
    """``{offering id: {level: count}}`` for My learning ("5 mastered, 3 proficient…"). One query."""
    summary: dict[int, dict[str, int]] = {}
    rows = (
        QuizMastery.objects.filter(user_id=user.pk, course_offering_id__in=list(offering_ids))
        .exclude(level=rules.NOT_STARTED)
        .values_list("course_offering_id", "level")
        .annotate(count=Count("id"))
    )
    for offering_id, level, count in rows:
        summary.setdefault(offering_id, {})[level] = count
    return summary


# --- instructors ---------------------------------------------------------------------------------------


def get_offering_for_staff(*, user, offering_id: int) -> CourseOffering:
    """The offering if ``user`` may see its attempts, else 404."""
    offering = (
        permissions.quiz_offerings_visible_to(user)
        .select_related("course", "university")
        .filter(pk=offering_id)
        .first()
    )
    if offering is None:
        raise Http404
    return offering


def get_quiz_item_for_staff(*, offering: CourseOffering, item_id: int):
    item = (
        ContentItem.objects.filter(pk=item_id, course_id=offering.course_id, content_type__name="quiz")
        .only("id", "title", "data_json", "course_id")
        .first()
    )
    if item is None:
        raise Http404
    return item


def get_attempt_for_staff(*, offering: CourseOffering, item, attempt_id: int) -> QuizAttempt:
    attempt = (
        QuizAttempt.objects.select_related("user", "course_offering")
        .filter(pk=attempt_id, course_offering_id=offering.pk, content_item_id=item.pk)
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


ATTEMPT_STATUSES = {"open": "In progress", "passed": "Passed", "failed": "Not passed"}


def attempts_for_item(
    *, offering: CourseOffering, item, student: str = "", status: str = "", number: int | None = None
) -> QuerySet[QuizAttempt]:
    """Every attempt of the quiz in the offering, newest first, filtered (the view paginates it)."""
    attempts = (
        QuizAttempt.objects.filter(course_offering_id=offering.pk, content_item_id=item.pk)
        .select_related("user")
        .only(
            "id",
            "attempt_number",
            "started_at",
            "submitted_at",
            "deadline_at",
            "score_obtained",
            "max_score",
            "passed",
            "mode",
            "user__id",
            "user__email",
            "user__full_name",
        )
        .order_by("-started_at", "-id")
    )
    if student:
        attempts = attempts.filter(Q(user__email__icontains=student) | Q(user__full_name__icontains=student))
    if status == "open":
        attempts = attempts.filter(submitted_at__isnull=True)
    elif status == "passed":
        attempts = attempts.filter(passed=True)
    elif status == "failed":
        attempts = attempts.filter(passed=False)
    if number is not None:
        attempts = attempts.filter(attempt_number=number)
    return attempts


@dataclass(frozen=True)
class QuestionStats:
    question_id: int | None
    prompt: str
    kind: str
    drawn: int
    answered: int
    correct_percent: Decimal | None
    average_score: Decimal | None
    points: Decimal | None
    options: tuple[tuple[str, str, int], ...]  # (key, text, times chosen)


_ITEM_ANALYSIS_SQL = """
WITH rows AS (
    SELECT q.question_id, q.snapshot, q.answer, q.score, q.is_correct, a.submitted_at
    FROM quiz_attempt_questions q
    JOIN quiz_attempts a ON a.id = q.attempt_id
    WHERE a.course_offering_id = %(offering)s AND a.content_item_id = %(item)s
),
per_question AS (
    SELECT question_id,
           count(*) AS drawn,
           count(*) FILTER (WHERE answer IS NOT NULL) AS answered,
           count(*) FILTER (WHERE submitted_at IS NOT NULL) AS graded,
           count(*) FILTER (WHERE is_correct AND submitted_at IS NOT NULL) AS correct,
           avg(score) FILTER (WHERE submitted_at IS NOT NULL) AS average_score,
           (array_agg(snapshot ORDER BY submitted_at DESC NULLS LAST))[1] AS snapshot
    FROM rows GROUP BY question_id
),
picks AS (
    SELECT question_id, pick, count(*) AS times
    FROM rows,
         LATERAL (
             SELECT jsonb_array_elements_text(answer) AS pick WHERE jsonb_typeof(answer) = 'array'
             UNION ALL
             SELECT answer #>> '{}' WHERE jsonb_typeof(answer) IN ('string', 'boolean')
                                       AND snapshot->>'type' IN ('multiple_choice', 'true_false')
         ) p
    GROUP BY question_id, pick
)
SELECT pq.question_id, pq.drawn, pq.answered, pq.graded, pq.correct, pq.average_score, pq.snapshot,
       COALESCE((SELECT jsonb_object_agg(pick, times) FROM picks WHERE picks.question_id IS NOT DISTINCT FROM pq.question_id), '{}')
FROM per_question pq
ORDER BY pq.drawn DESC, pq.question_id
"""


def item_analysis(*, offering: CourseOffering, item) -> list[QuestionStats]:
    """Per question of the quiz in the offering: times drawn, answered, % correct and average score of
    graded attempts, and how often each option was chosen. One query for the whole page."""
    with connection.cursor() as cursor:
        cursor.execute(_ITEM_ANALYSIS_SQL, {"offering": offering.pk, "item": item.pk})
        rows = cursor.fetchall()
    stats = []
    for question_id, drawn, answered, graded, correct, average, snapshot, picks in rows:
        snapshot = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
        picks = json.loads(picks) if isinstance(picks, str) else picks
        kind = snapshot.get("type", "")
        if kind == "true_false":
            options = (("true", "True", picks.get("true", 0)), ("false", "False", picks.get("false", 0)))
        else:
            choices = sorted(snapshot.get("choices") or [], key=lambda choice: str(choice.get("key")))
            options = tuple((choice["key"], choice.get("text", ""), picks.get(choice["key"], 0)) for choice in choices)
        stats.append(
            QuestionStats(
                question_id=question_id,
                prompt=snapshot.get("prompt", ""),
                kind=kind,
                drawn=drawn,
                answered=answered,
                correct_percent=(Decimal(correct) * 100 / graded).quantize(Decimal("0.1")) if graded else None,
                average_score=Decimal(average).quantize(Decimal("0.01")) if average is not None else None,
                points=Decimal(snapshot.get("points", "1")),
                options=options,
            )
        )
    return stats


CSV_HEADER = (
    "attempt_id",
    "email",
    "full_name",
    "attempt_number",
    "mode",
    "started_at",
    "deadline_at",
    "submitted_at",
    "score",
    "max_score",
    "percent",
    "passed",
)


def attempts_csv_rows(*, offering: CourseOffering, item):
    """Rows of the CSV export, streamed from the database in chunks (no list of every attempt)."""
    rows = (
        QuizAttempt.objects.filter(course_offering_id=offering.pk, content_item_id=item.pk)
        .order_by("user__email", "attempt_number")
        .values_list(
            "pk",
            "user__email",
            "user__full_name",
            "attempt_number",
            "mode",
            "started_at",
            "deadline_at",
            "submitted_at",
            "score_obtained",
            "max_score",
            "passed",
        )
    )
    for pk, email, name, number, mode, started, deadline, submitted, score, max_score, passed in rows.iterator(2000):
        shown = grading.percent(score, max_score) if score is not None and max_score else None
        yield (pk, email, name, number, mode, started, deadline, submitted, score, max_score, shown, passed)


def accommodations_for_offering(*, offering: CourseOffering) -> list[Accommodation]:
    return list(
        Accommodation.objects.filter(course_offering_id=offering.pk)
        .select_related("student", "content_item")
        .order_by("student__full_name", "student__email", "content_item_id")
    )


def get_accommodation(*, offering: CourseOffering, accommodation_id: int) -> Accommodation:
    row = Accommodation.objects.filter(pk=accommodation_id, course_offering_id=offering.pk).first()
    if row is None:
        raise Http404
    return row


def offering_students(*, offering: CourseOffering) -> list:
    """The offering's students (active or completed enrollments), by name: the accommodation form's choices."""
    return [
        enrollment.user
        for enrollment in CourseEnrollment.objects.filter(course_offering_id=offering.pk, status__in=LEARNER_STATUSES)
        .select_related("user")
        .only("user__id", "user__email", "user__full_name")
        .order_by("user__full_name", "user__email")
    ]


ASSESSMENT_TYPES = ("quiz", "engineering_lab", "assignment")


def assessment_items(*, offering: CourseOffering) -> list[ContentItem]:
    """Quizzes, labs and assignments of the offering's course (what an accommodation can be for)."""
    return list(
        ContentItem.objects.filter(
            course_id=offering.course_id, content_type__name__in=ASSESSMENT_TYPES, is_active=True
        )
        .only("id", "title")
        .order_by("module_id", "sequence_index")
    )


def quizzes_of_offering(*, offering: CourseOffering) -> list[dict]:
    """The course's quiz items with their attempt counts in the offering. One query."""
    items = (
        ContentItem.objects.filter(course_id=offering.course_id, content_type__name="quiz")
        .annotate(
            attempts=Count("quiz_attempts", filter=Q(quiz_attempts__course_offering_id=offering.pk)),
            open_attempts=Count(
                "quiz_attempts",
                filter=Q(quiz_attempts__course_offering_id=offering.pk, quiz_attempts__submitted_at__isnull=True),
            ),
        )
        .only("id", "title", "data_json", "is_active")
        .order_by("module_id", "sequence_index")
    )
    return [{"item": item, "settings": rules.quiz_settings(item.data_json)} for item in items]
