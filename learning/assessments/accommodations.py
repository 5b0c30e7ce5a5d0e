"""Reading accommodations: the effective values for one student and one item (shared by quizzes, labs
and assignments). Re-exported by ``learning.assessments.selectors``.

Merge rule of the offering-wide row and the item's row (docs/assessments.md): the larger time
multiplier, the sum of the extra attempts, the later close date; reasons of both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Q

from learning.assessments.models import Accommodation


@dataclass(frozen=True)
class EffectiveAccommodation:
    time_multiplier: Decimal = Decimal(1)
    extra_attempts: int = 0
    extended_until: datetime | None = None
    reasons: tuple[str, ...] = field(default=())

    @property
    def any(self) -> bool:
        return self.time_multiplier != 1 or bool(self.extra_attempts) or self.extended_until is not None


NONE = EffectiveAccommodation()


def _pk(value) -> int | None:
    return value if value is None or isinstance(value, int) else value.pk


def merge(rows) -> EffectiveAccommodation:
    multiplier, extra, until, reasons = Decimal(1), 0, None, []
    for row in rows:
        multiplier = max(multiplier, row.time_multiplier)
        extra += row.extra_attempts
        if row.extended_until is not None and (until is None or row.extended_until > until):
            until = row.extended_until
        if row.reason:
            reasons.append(row.reason)
    return EffectiveAccommodation(multiplier, extra, until, tuple(reasons))


def accommodation_for(*, student, offering, item=None) -> EffectiveAccommodation:
    """The effective accommodation of ``student`` for ``item`` in ``offering`` (offering-wide row merged
    with the item's; with ``item=None`` the offering-wide row alone). One query."""
    item_id = _pk(item)
    scope = Q(content_item__isnull=True)
    if item_id is not None:
        scope |= Q(content_item_id=item_id)
    rows = Accommodation.objects.filter(scope, student_id=_pk(student), course_offering_id=_pk(offering)).only(
        "time_multiplier", "extra_attempts", "extended_until", "reason"
    )
    return merge(rows)
