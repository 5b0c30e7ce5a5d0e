"""Course grades: the one service that computes them, finalisation, and the course-grade override.

Contract:
- ``recompute_course_grades(offering, *, user_ids=None)`` computes, for every learner of the offering (or the
  ``user_ids`` among them), the policy's grades from ``scores.offering_scores`` and writes them into
  ``course_grades`` with ONE ``INSERT … ON CONFLICT DO UPDATE`` (set-based; no query per student):
  ``final_score`` = the **final** grade (missing work as zero: what the student ends with), which decides
  ``letter_grade`` and ``passed`` (against the policy's scale and pass mark); ``current_score`` = the
  **current** grade (graded work only; NULL when nothing is graded). ``graded_at`` moves when a value moves.
  An overridden row keeps its final score, letter and passed (only ``current_score`` moves); a finalised
  offering is not recomputed at all. An offering with no graded items has no computed course grades.
  Students whose grade turned passing are handed to the certificate rule after commit (a late grade can
  earn the certificate of an already completed enrollment).
- Runs: after commit whenever grades change (``assessments.signals.grades_changed``, receivers.py) — inline
  for a few students, through the task queue (``tasks.recompute_course_grades_task``) for a whole offering of
  more than ``INLINE_LIMIT`` learners —, when the policy is saved, and once when the offering ends (the
  scheduler's job ``queue_ended_offerings`` enqueues ``tasks.recompute_ended_course_grades_task``; also
  ``manage.py recompute_ended_course_grades``).
  Concurrent recomputes of one offering are serialised by a lock on the offering row.
- ``finalize_course_grades(actor=, offering=)``: the offering's managers; recomputes, then stamps the policy
  and every row ``finalized_at``. Twice refuses.
- ``override_course_grade(actor=, offering=, student_id=, score=, reason=)``: sets the final score (letter and
  passed follow the scale), with a required reason, recorded by ``record_grade_change`` (kind ``override``,
  field ``final_score``) in the same transaction; overridden rows are never recomputed.
- ``remove_course_grade_override(actor=, offering=, student_id=, reason=)``: the managers undo an override with a
  required reason (audited the same way); the computed final score, letter and pass come back. Refused once
  the grades are final. A certificate already issued stays (revoking it is a separate decision).
"""

from __future__ import annotations

import threading
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import CourseOffering
from learning.assessments.audit import record_grade_change
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.gradebook import policy as arithmetic
from learning.gradebook.models import CourseGrade, GradingPolicy
from learning.gradebook.permissions import can_manage_grading
from learning.gradebook.reasons import clean_reason
from learning.gradebook.scores import LEARNER_STATUSES, offering_policy, offering_scores

INLINE_LIMIT = 200  # a whole-offering recompute above this many learners goes to the task queue
NOT_ALLOWED = "Only the offering's instructors and admins can change its course grades."
ALREADY_FINALIZED = "The course grades of this offering are already final."
NO_GRADED_ITEMS = "This offering has no graded items, so there are no course grades to finalise."
NOT_A_LEARNER = "This student is not enrolled in the offering."
REASON_REQUIRED = "Say why the course grade is overridden."
REMOVE_REASON_REQUIRED = "Say why the override is removed."
NOT_OVERRIDDEN = "This course grade is not overridden."
REMOVE_FINALIZED = (
    "The course grades are final, so the override cannot be removed; override the grade to the value it should have."
)
SCORE_INVALID = "Enter the course grade as a percentage between 0 and 200."
MAX_SCORE = Decimal(200)  # extra credit can take a grade past 100 %

_UPSERT_SQL = """
WITH input AS (
    SELECT * FROM unnest(%(users)s::bigint[], %(final)s::numeric[], %(letter)s::text[], %(passed)s::boolean[],
                         %(current)s::numeric[]) AS t(user_id, final_score, letter_grade, passed, current_score)
),
before AS (
    SELECT g.user_id, g.passed FROM course_grades g
    WHERE g.course_offering_id = %(offering)s AND g.user_id = ANY(%(users)s)
),
written AS (
    INSERT INTO course_grades AS g (user_id, course_offering_id, final_score, letter_grade, passed, graded_at,
                                    current_score, override_reason)
    SELECT user_id, %(offering)s, final_score, letter_grade, passed, now(), current_score, '' FROM input
    ON CONFLICT (user_id, course_offering_id) DO UPDATE SET
        final_score = CASE WHEN g.overridden_at IS NULL THEN EXCLUDED.final_score ELSE g.final_score END,
        letter_grade = CASE WHEN g.overridden_at IS NULL THEN EXCLUDED.letter_grade ELSE g.letter_grade END,
        passed = CASE WHEN g.overridden_at IS NULL THEN EXCLUDED.passed ELSE g.passed END,
        current_score = EXCLUDED.current_score,
        graded_at = now()
    WHERE g.finalized_at IS NULL AND (
        g.current_score IS DISTINCT FROM EXCLUDED.current_score
        OR (g.overridden_at IS NULL AND (g.final_score, g.letter_grade, g.passed)
            IS DISTINCT FROM (EXCLUDED.final_score, EXCLUDED.letter_grade, EXCLUDED.passed))
    )
    RETURNING g.user_id, g.passed
)
SELECT w.user_id, (w.passed AND b.passed IS NOT TRUE) AS newly_passed
FROM written w LEFT JOIN before b ON b.user_id = w.user_id
"""


def compute_rows(offering, *, user_ids=None) -> list[tuple[int, Decimal, str | None, bool | None, Decimal | None]]:
    """(user id, final, letter, passed, current) of each learner, from the scores and the policy. No writes."""
    policy = offering_policy(offering)
    if not policy.has_graded_items:
        return []
    data = offering_scores(offering, user_ids=user_ids)
    rows = []
    for student in data.students:
        result = policy.grade(data.policy_scores(student.id))
        final = arithmetic.cent(result.final)
        rows.append((student.id, final, policy.letter(final), policy.passed(final), arithmetic.cent(result.current)))
    return rows


def recompute_course_grades(offering, *, user_ids=None) -> int:
    """Write the course grades of the offering's learners (see the contract); the number of rows changed."""
    with transaction.atomic():
        CourseOffering.objects.select_for_update(no_key=True).filter(pk=offering.pk).values_list("pk").first()
        if GradingPolicy.objects.filter(course_offering_id=offering.pk, grades_finalized_at__isnull=False).exists():
            return 0
        rows = compute_rows(offering, user_ids=user_ids)
        if not rows:
            return 0
        users, finals, letters, passes, currents = (list(column) for column in zip(*rows, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                _UPSERT_SQL,
                {
                    "offering": offering.pk,
                    "users": users,
                    "final": finals,
                    "letter": letters,
                    "passed": passes,
                    "current": currents,
                },
            )
            written = cursor.fetchall()
        newly_passed = [user_id for user_id, turned in written if turned]
        if newly_passed:
            transaction.on_commit(partial(_certify_newly_passed, offering.pk, newly_passed), robust=True)
    return len(written)


def _certify_newly_passed(offering_id: int, user_ids: list[int]) -> None:
    from learning.gradebook.services import issue_for_enrollments

    enrollment_ids = CourseEnrollment.objects.filter(
        course_offering_id=offering_id, user_id__in=user_ids, status=EnrollmentStatus.COMPLETED
    ).values_list("pk", flat=True)
    issue_for_enrollments(list(enrollment_ids), recompute=False)


def learner_count(offering_id: int) -> int:
    return CourseEnrollment.objects.filter(course_offering_id=offering_id, status__in=LEARNER_STATUSES).count()


def run_or_enqueue_recompute(offering_id: int, user_ids: list[int] | None = None) -> None:
    """Recompute now when few students are concerned, else enqueue the task (outside any transaction)."""
    from learning.gradebook.tasks import recompute_course_grades_task

    few = user_ids is not None and len(user_ids) <= INLINE_LIMIT
    if few or learner_count(offering_id) <= INLINE_LIMIT:
        offering = CourseOffering.objects.filter(pk=offering_id).first()
        if offering is not None:
            recompute_course_grades(offering, user_ids=user_ids)
        return
    recompute_course_grades_task.enqueue(offering_id, user_ids)


_pending = threading.local()


def schedule_recompute(offering_id: int, user_ids=None) -> None:
    """Recompute after the current transaction commits. Requests of one transaction are merged (a re-grade
    of 500 attempts recomputes once): the first callback to run does all pending work, the others find none.
    Work left pending by a rolled-back transaction runs at the thread's next commit (a harmless recompute)."""
    pending = _pending.__dict__.setdefault("work", {})
    if user_ids is None or pending.get(offering_id, set()) is None:
        pending[offering_id] = None
    else:
        pending.setdefault(offering_id, set()).update(int(pk) for pk in user_ids)
    transaction.on_commit(_run_pending, robust=True)


def _run_pending() -> None:
    work = _pending.__dict__.pop("work", {})
    for offering_id, ids in work.items():
        run_or_enqueue_recompute(offering_id, None if ids is None else sorted(ids))


def ended_offerings_due(*, now=None):
    """Offerings that have ended, are not finalised, and whose end-of-offering recompute has not run since
    they ended (no policy row, or ``ended_recomputed_at`` before ``ends_at``)."""
    now = now or timezone.now()
    return (
        CourseOffering.objects.filter(ends_at__lte=now)
        .exclude(grading_policy__grades_finalized_at__isnull=False)
        .exclude(grading_policy__ended_recomputed_at__gte=F("ends_at"))
    )


def recompute_ended_offerings(*, now=None) -> int:
    """The end-of-offering run: recompute each due offering once (``ended_offerings_due``) and stamp it.
    Idempotent; two runs at once recompute twice, which writes the same rows."""
    now = now or timezone.now()
    done = 0
    for offering in ended_offerings_due(now=now).only("id", "course_id", "university_id", "starts_at", "ends_at"):
        recompute_course_grades(offering)
        GradingPolicy.objects.update_or_create(
            course_offering_id=offering.pk,
            defaults={"ended_recomputed_at": now},
            create_defaults={"university_id": offering.university_id, "ended_recomputed_at": now},
        )
        done += 1
    return done


def queue_ended_offerings() -> int:
    """The scheduler's job: enqueue the end-of-offering run when an offering is due (0 or 1 task)."""
    from learning.gradebook.tasks import recompute_ended_course_grades_task

    if not ended_offerings_due().exists():
        return 0
    recompute_ended_course_grades_task.enqueue()
    return 1


def _require_manager(actor, offering) -> None:
    if not can_manage_grading(actor, offering):
        raise PermissionDenied(NOT_ALLOWED)


def finalize_course_grades(*, actor, offering) -> int:
    """Recompute, then freeze the offering's course grades. The number of rows finalised."""
    _require_manager(actor, offering)
    with transaction.atomic():
        CourseOffering.objects.select_for_update().filter(pk=offering.pk).values_list("pk").first()
        row, _ = GradingPolicy.objects.get_or_create(
            course_offering_id=offering.pk, defaults={"university_id": offering.university_id}
        )
        if row.grades_finalized_at is not None:
            raise ValidationError(ALREADY_FINALIZED, code="finalized")
        if not offering_policy(offering).has_graded_items:
            raise ValidationError(NO_GRADED_ITEMS, code="no_items")
        recompute_course_grades(offering)
        now = timezone.now()
        row.grades_finalized_at, row.grades_finalized_by = now, actor
        row.save(update_fields=["grades_finalized_at", "grades_finalized_by"])
        return CourseGrade.objects.filter(course_offering_id=offering.pk, finalized_at__isnull=True).update(
            finalized_at=now
        )


def parse_score(value) -> Decimal:
    try:
        score = Decimal(str(value).strip().rstrip("%").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(SCORE_INVALID, code="score") from None
    if not score.is_finite() or score < 0 or score > MAX_SCORE:
        raise ValidationError(SCORE_INVALID, code="score")
    return score.quantize(Decimal("0.01"))


def override_course_grade(*, actor, offering, student_id: int, score, reason: str) -> CourseGrade:
    """Set a student's final course grade by hand, with a reason (audited). Works before and after
    finalisation; the letter and pass follow the offering's scale and pass mark."""
    score = parse_score(score)
    reason = clean_reason(reason, required=REASON_REQUIRED)
    _require_manager(actor, offering)
    with transaction.atomic():
        if not CourseEnrollment.objects.filter(
            course_offering_id=offering.pk, user_id=student_id, status__in=LEARNER_STATUSES
        ).exists():
            raise ValidationError(NOT_A_LEARNER, code="not_a_learner")
        grade, _ = CourseGrade.objects.get_or_create(user_id=student_id, course_offering_id=offering.pk)
        grade = CourseGrade.objects.select_for_update().get(pk=grade.pk)
        policy = offering_policy(offering)
        before = grade.final_score
        now = timezone.now()
        grade.final_score = score
        grade.letter_grade = policy.letter(score)
        grade.passed = policy.passed(score)
        grade.graded_at = now
        grade.override_reason, grade.overridden_by, grade.overridden_at = reason, actor, now
        _save_overridden_grade(actor=actor, offering=offering, grade=grade, before=before, reason=reason)
    return grade


def remove_course_grade_override(*, actor, offering, student_id: int, reason: str) -> CourseGrade:
    """Undo ``override_course_grade`` before finalisation: the computed final score, letter and pass come back,
    audited with a reason (kind ``override``, field ``final_score``, from the override to the computed score).
    After finalisation it refuses (the computed grade may have moved since; override to the right value)."""
    reason = clean_reason(reason, required=REMOVE_REASON_REQUIRED)
    _require_manager(actor, offering)
    with transaction.atomic():
        CourseOffering.objects.select_for_update(no_key=True).filter(pk=offering.pk).values_list("pk").first()
        if GradingPolicy.objects.filter(course_offering_id=offering.pk, grades_finalized_at__isnull=False).exists():
            raise ValidationError(REMOVE_FINALIZED, code="finalized")
        grade = (
            CourseGrade.objects.select_for_update()
            .filter(course_offering_id=offering.pk, user_id=student_id, overridden_at__isnull=False)
            .first()
        )
        if grade is None:
            raise ValidationError(NOT_OVERRIDDEN, code="not_overridden")
        before = grade.final_score
        computed = compute_rows(offering, user_ids=[student_id])
        if computed:
            _, grade.final_score, grade.letter_grade, grade.passed, grade.current_score = computed[0]
        else:  # no graded items (or no longer a learner): no computed grade to go back to
            grade.final_score = grade.letter_grade = grade.passed = None
        grade.graded_at = timezone.now()
        grade.override_reason, grade.overridden_by, grade.overridden_at = "", None, None
        _save_overridden_grade(actor=actor, offering=offering, grade=grade, before=before, reason=reason)
    return grade


def _save_overridden_grade(*, actor, offering, grade: CourseGrade, before, reason: str) -> None:
    """Save a course grade set or un-set by hand (inside the caller's transaction): the audit row (kind
    ``override``, field ``final_score``) and, when it passes now, the certificate after commit."""
    grade.save()
    record_grade_change(
        actor=actor,
        target=grade,
        student_id=grade.user_id,
        offering=offering,
        item_id=None,
        kind="override",
        from_value=before,
        to_value=grade.final_score,
        reason=reason,
        field="final_score",
    )
    if grade.passed:
        transaction.on_commit(partial(_certify_newly_passed, offering.pk, [grade.user_id]), robust=True)
