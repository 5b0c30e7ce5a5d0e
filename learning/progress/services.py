"""Progress services: THE one writer of ``user_content_progress`` and, on each write, of the
``user_module_progress`` rollups of the item's ancestors.

Contract:
- :func:`record_item_progress` writes one item's row: ``first_started_at`` once, ``last_interacted_at``
  every time, ``progress_percent`` only ever increasing (``GREATEST``), ``completed_at`` once (completion
  is never undone), ``attempts_count`` += 1 when ``attempt=True``. Callers say what happened:
  :func:`mark_item_done` (explicit, text/resource and other non-video, non-assessment types),
  :func:`report_video_progress` (percent watched; the end completes), :func:`open_item` (the item was
  shown), :func:`record_resource_open`. Assessments will call :func:`record_item_progress` with
  ``complete=True`` from their own services.
- Only students with an ``active`` or ``completed`` enrollment have progress, and only on required
  items (active items of the published tree, :mod:`learning.progress.structure`); anything else raises
  ``ValidationError`` with one of the message constants below.
- Rollups: a module's percent is the share of completed required items in its subtree; it is complete
  when all of them are (a module with no required item in its subtree is never "complete" and never
  blocks its parent). A write touches the rollups of the item's ancestors only: their totals come from
  the cached structure and the completed counts from the student's own completed items (one query).
  After a structure change the whole offering is recomputed by :mod:`learning.progress.rollups`.
- Concurrency: every write of a student's progress in an offering first locks that student's
  enrollment row (:func:`lock_learner_enrollment`, ``SELECT … FOR UPDATE``), so two tabs are serialised
  and each ancestor row is recomputed from committed data.
- When the course root completes, the enrollment becomes ``completed`` with ``completed_at`` through
  ``learning.enrollment.services.record_course_completion``: progress sits above enrollment, so it
  calls enrollment's service directly (enrollment never imports progress). It is not reverted when a
  later structure change adds items.
- Every write also records the day's activity for the streak (:func:`learning.progress.streaks.touch_streak`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from learning.enrollment import services as enrollment_services
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.progress.selectors import CENT, HUNDRED, exact_percent, shown_percent
from learning.progress.streaks import touch_streak
from learning.progress.structure import CourseStructure, get_course_structure

NOT_ENROLLED = gettext_noop("You need an active enrollment in this offering to record progress.")
ITEM_NOT_AVAILABLE = gettext_noop("This item is not part of the published course.")
NOT_MARKABLE = gettext_noop("This kind of content is completed automatically, not with “mark as done”.")
PERCENT_OUT_OF_RANGE = gettext_noop("Percent must be between 0 and 100.")
PERCENT_NOT_A_NUMBER = gettext_noop("Percent must be a number between 0 and 100.")

VIDEO_TYPE = "video"
ASSESSMENT_TYPES = frozenset({"quiz", "engineering_lab", "assignment"})
# Up to this many required items the player recomputes a student's stale rollups inline on load; above

USABLE_ENROLLMENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


@dataclass(frozen=True)
class ProgressResult:
    item_id: int
    percent: Decimal
    completed: bool
    newly_completed: bool
    course_completed: bool
    streak_days: int
    # (module id, whole percent, complete) of the ancestors rewritten by this write, root first; empty
    # when the rollups did not change. The player patches its outline with them.
    modules: tuple[tuple[int, int, bool], ...] = ()


def lock_learner_enrollment(*, user_id: int, offering_id: int) -> tuple[int, str]:
    """Lock the student's usable (active or completed) enrollment row: (id, status). Raises ``NOT_ENROLLED``."""
    row = (
        CourseEnrollment.objects.select_for_update()
        .filter(user_id=user_id, course_offering_id=offering_id, status__in=USABLE_ENROLLMENT)
        .values_list("pk", "status")
        .first()
    )
    if row is None:
        raise ValidationError(NOT_ENROLLED, code="not_enrolled")
    return row


def _structure_for(offering) -> CourseStructure:
    course = offering.course
    return get_course_structure(course_id=course.pk, structure_version=course.structure_version)


def parse_percent(value) -> Decimal:
    """A percent from user input (a string or a number) as a ``Decimal`` in [0, 100] with two places.

    ``ValidationError`` (never an arithmetic exception) for anything else: text, ``nan``, ``inf``, a
    value outside the range. ``Decimal`` accepts "NaN", "Infinity" and "1e999", so finiteness is checked
    explicitly before any comparison (comparing a NaN raises ``InvalidOperation``)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(PERCENT_NOT_A_NUMBER, code="percent") from None
    if not number.is_finite():
        raise ValidationError(PERCENT_NOT_A_NUMBER, code="percent")
    if not (0 <= number <= 100):
        raise ValidationError(PERCENT_OUT_OF_RANGE, code="percent")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def record_item_progress(
    *,
    user,
    offering,
    item_id: int,
    percent: float | Decimal | str | None = None,
    complete: bool = False,
    attempt: bool = False,
    now: datetime | None = None,
    structure: CourseStructure | None = None,
) -> ProgressResult:
    """The single writer of a student's progress on one item (see the module contract)."""
    now = now or timezone.now()
    structure = structure or _structure_for(offering)
    if item_id not in structure.item_pos:
        raise ValidationError(ITEM_NOT_AVAILABLE, code="not_available")
    if percent is not None:
        percent = parse_percent(percent)
    if complete:
        percent = HUNDRED
    with transaction.atomic():
        enrollment_id, enrollment_status = lock_learner_enrollment(user_id=user.pk, offering_id=offering.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO user_content_progress AS p
                  (user_id, course_offering_id, content_item_id, first_started_at, last_interacted_at,
                   completed_at, progress_percent, attempts_count)
                VALUES (%(user)s, %(offering)s, %(item)s, %(now)s, %(now)s, %(completed)s, %(percent)s, %(attempts)s)
                ON CONFLICT (user_id, course_offering_id, content_item_id) DO UPDATE SET
                  first_started_at = COALESCE(p.first_started_at, EXCLUDED.first_started_at),
                  last_interacted_at = EXCLUDED.last_interacted_at,
                  completed_at = COALESCE(p.completed_at, EXCLUDED.completed_at),
                  progress_percent = GREATEST(p.progress_percent, EXCLUDED.progress_percent),
                  attempts_count = p.attempts_count + EXCLUDED.attempts_count
                RETURNING first_started_at, completed_at, progress_percent
                """,
                {
                    "user": user.pk,
                    "offering": offering.pk,
                    "item": item_id,
                    "now": now,
                    "completed": now if complete else None,
                    "percent": percent or 0,
                    "attempts": 1 if attempt else 0,
                },
            )
            started_at, completed_at, stored_percent = cursor.fetchone()
        newly_started = started_at == now
        newly_completed = completed_at is not None and completed_at == now
        course_completed = False
        modules: tuple[tuple[int, int, bool], ...] = ()
        if newly_started or newly_completed:
            modules = _update_ancestor_rollups(
                user_id=user.pk,
                offering_id=offering.pk,
                structure=structure,
                module_id=structure.item_module[item_id],
                now=now,
            )
            root_done = bool(modules) and modules[0][0] == structure.root_id and modules[0][2]
            if root_done and enrollment_status == EnrollmentStatus.ACTIVE:
                course_completed = enrollment_services.record_course_completion(enrollment_id=enrollment_id, now=now)
        streak = touch_streak(user=user, now=now)
    return ProgressResult(
        item_id=item_id,
        percent=stored_percent,
        completed=completed_at is not None,
        newly_completed=newly_completed,
        course_completed=course_completed,
        streak_days=streak,
        modules=modules,
    )


def _update_ancestor_rollups(
    *, user_id: int, offering_id: int, structure: CourseStructure, module_id: int, now: datetime
) -> tuple[tuple[int, int, bool], ...]:
    """Recompute the rollups of ``module_id`` and its ancestors only; answers (module id, whole percent,
    complete) of each, root first (the root's ``complete`` says whether the course is complete now).

    The caller holds the enrollment lock. Totals come from the structure; completed counts from the
    student's completed item ids (one query), counted per module and then carried up the chain."""
    chain = structure.ancestors(module_id)
    wanted = set(chain)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content_item_id FROM user_content_progress "
            "WHERE user_id = %s AND course_offering_id = %s AND completed_at IS NOT NULL",
            [user_id, offering_id],
        )
        per_module = Counter(structure.item_module[iid] for (iid,) in cursor.fetchall() if iid in structure.item_module)
        done = dict.fromkeys(chain, 0)
        for mid, count in per_module.items():
            current: int | None = mid
            while current is not None:
                if current in wanted:
                    done[current] += count
                current = structure.module_parent[current]
        values, params = [], []
        for mid in chain:  # root first: a consistent order
            total = structure.subtree_total[mid]
            complete = total > 0 and done[mid] == total
            values.append("(%s, %s, %s, %s, %s, %s)")
            params += [user_id, offering_id, mid, now, now if complete else None, exact_percent(done[mid], total)]
        cursor.execute(
            f"""
            INSERT INTO user_module_progress AS r
              (user_id, course_offering_id, module_id, started_at, completed_at, progress_percent)
            VALUES {", ".join(values)}
            ON CONFLICT (user_id, course_offering_id, module_id) DO UPDATE SET
              started_at = COALESCE(r.started_at, EXCLUDED.started_at),
              completed_at = CASE WHEN EXCLUDED.completed_at IS NULL THEN NULL
                                  ELSE COALESCE(r.completed_at, EXCLUDED.completed_at) END,
              progress_percent = EXCLUDED.progress_percent
            RETURNING module_id, completed_at, progress_percent
            """,  # noqa: S608 - only placeholders are interpolated
            params,
        )
        rows = {mid: (completed_at is not None, pct) for mid, completed_at, pct in cursor.fetchall()}
    return tuple((mid, shown_percent(rows[mid][1], complete=rows[mid][0]), rows[mid][0]) for mid in chain)


def open_item(*, user, offering, item_id: int, structure: CourseStructure | None = None) -> ProgressResult:
    """The item was shown: first start / last interaction; a view session counts as an attempt for
    content that is not an assessment (assessments count their own attempts)."""
    structure = structure or _structure_for(offering)
    kind = structure.item_type.get(item_id)
    return record_item_progress(
        user=user, offering=offering, item_id=item_id, attempt=kind not in ASSESSMENT_TYPES, structure=structure
    )


def mark_item_done(*, user, offering, item_id: int, structure: CourseStructure | None = None) -> ProgressResult:
    """The explicit "mark as done" of text, resources and other content that has no automatic end."""
    structure = structure or _structure_for(offering)
    kind = structure.item_type.get(item_id)
    if kind == VIDEO_TYPE or kind in ASSESSMENT_TYPES:
        raise ValidationError(NOT_MARKABLE, code="not_markable")
    return record_item_progress(user=user, offering=offering, item_id=item_id, complete=True, structure=structure)


def report_video_progress(
    *,
    user,
    offering,
    item_id: int,
    percent: float | Decimal | str,
    ended: bool = False,
    structure: CourseStructure | None = None,
) -> ProgressResult:
    """Percent watched, reported periodically by the player; reaching the end completes the video."""
    structure = structure or _structure_for(offering)
    if structure.item_type.get(item_id) != VIDEO_TYPE:
        raise ValidationError(ITEM_NOT_AVAILABLE, code="not_video")
    complete = ended or parse_percent(percent) >= HUNDRED
    return record_item_progress(
        user=user, offering=offering, item_id=item_id, percent=percent, complete=complete, structure=structure
    )


def record_resource_open(*, user, offering, item_id: int, structure: CourseStructure | None = None) -> ProgressResult:
    """A link of a resource list was opened: an interaction, not a completion."""
    return record_item_progress(user=user, offering=offering, item_id=item_id, structure=structure)
