"""The one audited path for grade changes: every service that changes a grade calls
``record_grade_change`` in the same transaction (docs/labs.md). Reads: ``grade_changes_for``."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from learning.assessments.models_submissions import GradeChange
from learning.assessments.signals import send_grades_changed


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def record_grade_change(
    *,
    actor,
    target,
    student_id: int,
    offering,
    item_id: int | None,
    kind: str,
    from_value,
    to_value,
    reason: str = "",
    field: str = "score",
) -> GradeChange | None:
    """Write one audit row when the value really changes (``None`` otherwise). ``actor`` None = the system.
    A change tells the layers above (``signals.grades_changed``: the course grade is recomputed after commit)."""
    before, after = _decimal(from_value), _decimal(to_value)
    if before == after and kind != "override":
        return None
    send_grades_changed(offering_id=offering.pk, user_ids=[student_id])
    return GradeChange.objects.create(
        university_id=offering.university_id,
        course_offering_id=offering.pk,
        student_id=student_id,
        content_item_id=item_id,
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=target.pk,
        kind=kind,
        field=field,
        from_value=before,
        to_value=after,
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def grade_changes_for(target) -> QuerySet[GradeChange]:
    """The audit trail of one graded object, oldest first, with the actor joined."""
    return (
        GradeChange.objects.filter(target_type=ContentType.objects.get_for_model(type(target)), target_id=target.pk)
        .select_related("actor")
        .order_by("created_at", "id")
    )
