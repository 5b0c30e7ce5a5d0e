"""Late-policy arithmetic for assignments (Canvas's shape), pure and without the database.

A late submission loses ``deduction_percent`` of the assignment's points per started interval (day or hour:
one second late is one interval; exactly on the due time is on time). The deduction never takes a grade
below ``floor_percent`` of the points, and never raises one that is already below the floor. After the
cut-off (due + ``max_late_days``, or the due time when late work is refused) a student with no submission
gets ``missing_percent`` of the points, when the policy sets one. An exempt student has no penalty and no
missing score. An extension (accommodation) moves both the due time and the cut-off to its date when later.

The penalty is returned apart from the raw score; callers store both (``late_penalty`` on the submission).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

INTERVAL_SECONDS = {"day": 86_400, "hour": 3_600}
_CENT = Decimal("0.01")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class LatePolicy:
    accept_late: bool = True
    deduction_percent: Decimal = _ZERO
    interval: str = "day"
    max_late_days: int | None = None
    floor_percent: Decimal = _ZERO
    missing_percent: Decimal | None = None

    @classmethod
    def from_payload(cls, data: dict | None) -> LatePolicy:
        """The policy of an assignment payload's ``late_policy`` block (docs/schema.md)."""
        data = data or {}
        per_hour = data.get("penalty_percent_per_hour")
        missing = data.get("missing_score_percent")
        return cls(
            accept_late=bool(data.get("accept_late", True)),
            deduction_percent=Decimal(
                str(per_hour if per_hour is not None else data.get("penalty_percent_per_day", 0))
            ),
            interval="hour" if per_hour is not None else "day",
            max_late_days=data.get("max_late_days"),
            floor_percent=Decimal(str(data.get("floor_percent", 0))),
            missing_percent=None if missing is None else Decimal(str(missing)),
        )


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    cutoff_at: datetime | None  # None: late work accepted without end
    extended: bool = False  # the student's extension moved the due time (and so the cut-off)


def deadlines(*, due_at: datetime, policy: LatePolicy, extended_until: datetime | None = None) -> Deadlines:
    """The student's due time and cut-off, an extension included."""
    extended = extended_until is not None and extended_until > due_at
    if extended:
        due_at = extended_until
    if not policy.accept_late:
        cutoff = due_at
    elif policy.max_late_days is not None:
        cutoff = due_at + timedelta(days=policy.max_late_days)
    else:
        cutoff = None
    return Deadlines(due_at=due_at, cutoff_at=cutoff, extended=extended)


@dataclass(frozen=True)
class LateResult:
    seconds_late: int
    intervals: int
    penalty: Decimal  # points taken off the raw score (>= 0)
    final_score: Decimal


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def apply_late_policy(
    *,
    raw_score: Decimal,
    max_points: Decimal,
    submitted_at: datetime,
    due_at: datetime,
    policy: LatePolicy,
    exempt: bool = False,
) -> LateResult:
    """Penalty and final score of a graded submission handed in at ``submitted_at`` (due already extended)."""
    raw_score, max_points = Decimal(raw_score), Decimal(max_points)
    seconds_late = max(0, math.ceil((submitted_at - due_at).total_seconds()))
    if exempt or seconds_late == 0 or policy.deduction_percent <= 0:
        return LateResult(seconds_late, 0, _ZERO, _quantize(raw_score))
    intervals = math.ceil(seconds_late / INTERVAL_SECONDS[policy.interval])
    deduction = max_points * policy.deduction_percent * intervals / 100
    floor = max_points * policy.floor_percent / 100
    final = raw_score if raw_score <= floor else max(raw_score - deduction, floor)
    final = _quantize(max(final, _ZERO))
    return LateResult(seconds_late, intervals, _quantize(raw_score) - final, final)


def missing_score(*, max_points: Decimal, policy: LatePolicy, cutoff_at: datetime | None, now: datetime,
                  exempt: bool = False) -> Decimal | None:  # fmt: skip
    """The score of a student who handed nothing in, once the cut-off has passed; None when none applies."""
    if exempt or policy.missing_percent is None or cutoff_at is None or now <= cutoff_at:
        return None
    return _quantize(Decimal(max_points) * policy.missing_percent / 100)
