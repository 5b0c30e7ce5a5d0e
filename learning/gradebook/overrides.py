"""Writes of item-score overrides and excusals (the gradebook's manual grade path).

Contract:
- ``override_item_score(*, actor, offering, student, item, score=None, excused=False, reason)``: the score
  that counts for ``student`` on ``item`` becomes ``score`` (or the item is excused for them), whatever the
  item's own grading (quiz attempts, lab or assignment submissions) says; those stay as they are. A reason is
  required. ``clear_item_override(...)`` removes an override (the item's own grading counts again), also with
  a reason. ``apply_item_scores(...)`` sets many students' scores on one item at once (the CSV import), all
  or nothing.
- Allowed to ``learning.gradebook.permissions.can_override_grades`` (the offering's instructors and the admins
  in scope; not TAs), re-checked here. The student must be on the offering's gradebook (an enrollment that is
  active, completed or dropped) and the item a graded item of the offering's course; anything else is a
  ``ValidationError`` with one of this module's messages, and nothing is written.
- Every change is written to the audit trail through ``learning.assessments.audit.record_grade_change`` in the
  same transaction (kind ``override``; field ``score``, or ``excused`` when the item is excused: from the
  score that counted before to none), with the actor and the reason.
- After commit the students' course grades are recomputed (``grades.schedule_recompute``: inline for a few
  students, through the task queue for many), so ``course_grades`` follows every override.
- Concurrency: the student's enrollment row is locked (``select_for_update``; for many students, all their rows
  in id order) before the override is read and written, and ``ux_item_score_overrides_student_item`` keeps one
  row per student, item and offering whatever path writes; so two instructors saving at once leave one row and
  an audit chain in which each change starts from the value the previous one left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalog.models import CourseOffering
from learning.assessments.audit import record_grade_change
from learning.enrollment.models import CourseEnrollment
from learning.gradebook.grades import schedule_recompute
from learning.gradebook.models_overrides import ItemScoreOverride
from learning.gradebook.permissions import can_override_grades
from learning.gradebook.reasons import clean_reason
from learning.gradebook.scores import LEARNER_STATUSES, GradebookItem, graded_items, offering_scores
from lms.numbers import plain_number

NOT_ALLOWED = "You are not allowed to change grades in this offering."
REASON_REQUIRED = "Say why the score is overridden."
SCORE_OR_EXCUSED = "Give a score, or excuse the item, not both."
SCORE_REQUIRED = "Give a score, or excuse the item."
SCORE_INVALID = "The score must be a number, like 7 or 7.5."
SCORE_NEGATIVE = "The score cannot be negative."
SCORE_TOO_HIGH = "The score cannot be more than the item's {max} points."
SCORE_PRECISION = "The score has at most two decimals."
NOT_ON_GRADEBOOK = "This student is not on the offering's gradebook."
NOT_A_GRADED_ITEM = "This is not a graded item of the offering."
NO_OVERRIDE = "This score is not overridden."

_CENT = Decimal("0.01")
_MAX_SCORE = Decimal("99999.99")  # the column's range


@dataclass(frozen=True)
class Excused:
    """The value of an excused item (a score of none that does not count)."""


EXCUSED = Excused()


def parse_score(value: str | Decimal | float | int, *, points_possible: Decimal | None) -> Decimal:
    """A score typed by a person: a non-negative number with at most two decimals, within the item's points
    (when known). ``ValidationError`` with one of the messages above otherwise."""
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(SCORE_INVALID, code="invalid") from None
    if not score.is_finite():
        raise ValidationError(SCORE_INVALID, code="invalid")
    if score < 0:
        raise ValidationError(SCORE_NEGATIVE, code="negative")
    if score != score.quantize(_CENT):
        raise ValidationError(SCORE_PRECISION, code="precision")
    limit = points_possible if points_possible is not None else _MAX_SCORE
    if score > limit:
        raise ValidationError(SCORE_TOO_HIGH.format(max=plain_number(limit)), code="too_high")
    return score.quantize(_CENT)


def check_reason(reason: str) -> str:
    return clean_reason(reason, required=REASON_REQUIRED)


def graded_item(offering: CourseOffering, item_id: int) -> GradebookItem:
    """The graded item ``item_id`` of the offering (a column of its gradebook: ``scores.graded_items``), or
    ``ValidationError``. One query."""
    item = next((item for item in graded_items(offering) if item.id == item_id), None)
    if item is None:
        raise ValidationError(NOT_A_GRADED_ITEM, code="not_graded_item")
    return item


def _lock_students(offering: CourseOffering, student_ids: Iterable[int]) -> set[int]:
    """Lock the students' enrollments in the offering (id order: no deadlock between two bulk writers);
    answer the ids of those on the gradebook."""
    return set(
        CourseEnrollment.objects.select_for_update()
        .filter(course_offering_id=offering.pk, user_id__in=list(student_ids), status__in=LEARNER_STATUSES)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )


def counting_values(offering: CourseOffering, item_id: int, student_ids: list[int]) -> dict[int, object]:
    """The value that counts now for each student on the item (``scores.offering_scores``, overrides applied):
    a Decimal, ``EXCUSED`` or None (no score)."""
    book = offering_scores(offering, user_ids=student_ids)
    values = {}
    for student in book.students:
        cell = book.scores.get((student.id, item_id))
        if cell is not None:
            values[student.id] = EXCUSED if cell.excused else cell.earned
    return values


def _audit(*, actor, offering, item, row: ItemScoreOverride, before, after, reason: str) -> None:
    excusing = after is EXCUSED and before is not EXCUSED
    record_grade_change(
        actor=actor,
        target=row,
        student_id=row.student_id,
        offering=offering,
        item_id=item.id,
        kind="override",
        field="excused" if excusing or (before is EXCUSED and after is not EXCUSED) else "score",
        from_value=None if before is EXCUSED else before,
        to_value=None if after is EXCUSED else after,
        reason=reason,
    )


def _write(
    *, actor, offering, item, student_id: int, value, reason: str, existing: ItemScoreOverride | None, before
) -> ItemScoreOverride:
    excused = value is EXCUSED
    score = None if excused else value
    if existing is None:
        row = ItemScoreOverride.objects.create(
            university_id=offering.university_id,
            course_offering_id=offering.pk,
            student_id=student_id,
            content_item_id=item.id,
            score=score,
            excused=excused,
            reason=reason,
            created_by=actor,
            updated_by=actor,
        )
    else:
        row = existing
        row.score, row.excused, row.reason, row.updated_by = score, excused, reason, actor
        row.save(update_fields=["score", "excused", "reason", "updated_by"])
    _audit(actor=actor, offering=offering, item=item, row=row, before=before, after=value, reason=reason)
    return row


def _check(actor, offering: CourseOffering) -> None:
    if not can_override_grades(actor, offering):
        raise PermissionDenied(NOT_ALLOWED)


def _value(score, excused: bool, *, points: Decimal | None):
    if excused and score not in (None, ""):
        raise ValidationError(SCORE_OR_EXCUSED, code="score_or_excused")
    if excused:
        return EXCUSED
    if score in (None, ""):
        raise ValidationError(SCORE_REQUIRED, code="score_required")
    return parse_score(score, points_possible=points)


def override_item_score(
    *,
    actor,
    offering: CourseOffering,
    student,
    item,
    score: Decimal | str | None = None,
    excused: bool = False,
    reason: str,
) -> ItemScoreOverride:
    """``item``: a ``ContentItem`` or a ``scores.GradebookItem``."""
    _check(actor, offering)
    reason = check_reason(reason)
    item = graded_item(offering, item.id)
    value = _value(score, excused, points=item.points_possible)
    with transaction.atomic():
        if student.pk not in _lock_students(offering, [student.pk]):
            raise ValidationError(NOT_ON_GRADEBOOK, code="not_on_gradebook")
        existing = ItemScoreOverride.objects.filter(
            course_offering_id=offering.pk, student_id=student.pk, content_item_id=item.id
        ).first()
        before = counting_values(offering, item.id, [student.pk]).get(student.pk)
        row = _write(
            actor=actor,
            offering=offering,
            item=item,
            student_id=student.pk,
            value=value,
            reason=reason,
            existing=existing,
            before=before,
        )
        schedule_recompute(offering.pk, [student.pk])
    return row


def clear_item_override(*, actor, offering: CourseOffering, student, item, reason: str) -> None:
    """Remove the override: the item's own grading counts again (audited, from the override to that score)."""
    _check(actor, offering)
    reason = check_reason(reason)
    with transaction.atomic():
        _lock_students(offering, [student.pk])
        row = ItemScoreOverride.objects.filter(
            course_offering_id=offering.pk, student_id=student.pk, content_item_id=item.id
        ).first()
        if row is None:
            raise ValidationError(NO_OVERRIDE, code="no_override")
        before = EXCUSED if row.excused else row.score
        pk = row.pk
        row.delete()
        row.pk = pk  # the audit row names the override that was removed
        after = counting_values(offering, item.id, [student.pk]).get(student.pk)
        _audit(actor=actor, offering=offering, item=item, row=row, before=before, after=after, reason=reason)
        schedule_recompute(offering.pk, [student.pk])


def apply_item_scores(*, actor, offering: CourseOffering, item, values: dict[int, object], reason: str) -> int:
    """Set each student's value (a score or ``EXCUSED``) on ``item`` as an override, in one transaction: all or
    nothing. ``values`` are already parsed (``parse_score``); a student not on the gradebook refuses the whole
    call. Answers the number of students whose value changed (an unchanged value writes nothing)."""
    _check(actor, offering)
    reason = check_reason(reason)
    item = graded_item(offering, item.id)
    changed = 0
    with transaction.atomic():
        on_book = _lock_students(offering, values)
        if set(values) - on_book:
            raise ValidationError(NOT_ON_GRADEBOOK, code="not_on_gradebook")
        ids = list(values)
        existing = {
            row.student_id: row
            for row in ItemScoreOverride.objects.filter(
                course_offering_id=offering.pk, content_item_id=item.id, student_id__in=ids
            )
        }
        before = counting_values(offering, item.id, ids)
        for student_id, value in values.items():
            if before.get(student_id) == value:
                continue
            _write(
                actor=actor,
                offering=offering,
                item=item,
                student_id=student_id,
                value=value,
                reason=reason,
                existing=existing.get(student_id),
                before=before.get(student_id),
            )
            changed += 1
        if changed:
            schedule_recompute(offering.pk, list(values))
    return changed
