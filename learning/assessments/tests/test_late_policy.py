"""Late-policy arithmetic at the edges (learning.assessments.late_policy)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from learning.assessments.late_policy import LatePolicy, apply_late_policy, deadlines, missing_score

DUE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
TEN_PER_DAY = LatePolicy(deduction_percent=Decimal(10), interval="day", max_late_days=3)


def late(seconds: float, raw="40", policy=TEN_PER_DAY, **kwargs):
    return apply_late_policy(
        raw_score=Decimal(raw), max_points=Decimal(50), submitted_at=DUE + timedelta(seconds=seconds),
        due_at=DUE, policy=policy, **kwargs,
    )  # fmt: skip


def test_exactly_on_time_has_no_penalty():
    result = late(0)
    assert (result.seconds_late, result.intervals, result.penalty, result.final_score) == (0, 0, 0, Decimal("40.00"))


def test_early_has_no_penalty():
    assert late(-3600).penalty == 0


def test_one_second_late_is_a_whole_day():
    result = late(1)
    assert (result.intervals, result.penalty, result.final_score) == (1, Decimal("5.00"), Decimal("35.00"))


def test_a_fraction_of_a_second_late_counts_too():
    assert late(0.2).intervals == 1


def test_across_days_partial_intervals_round_up():
    assert late(86_400).intervals == 1
    assert late(86_401).intervals == 2
    assert late(2 * 86_400 + 5).final_score == Decimal("25.00")  # 3 days × 10 % of 50


def test_per_hour():
    policy = LatePolicy(deduction_percent=Decimal(2), interval="hour")
    result = late(3 * 3600 + 1, policy=policy)
    assert (result.intervals, result.penalty) == (4, Decimal("4.00"))


def test_the_floor_stops_the_deduction_and_never_raises_a_low_grade():
    policy = LatePolicy(deduction_percent=Decimal(25), floor_percent=Decimal(60))
    assert late(10 * 86_400, raw="45", policy=policy).final_score == Decimal("30.00")  # floor: 60 % of 50
    assert late(10 * 86_400, raw="20", policy=policy).final_score == Decimal("20.00")  # already below the floor
    assert late(10 * 86_400, raw="20", policy=policy).penalty == 0


def test_never_below_zero():
    policy = LatePolicy(deduction_percent=Decimal(100))
    assert late(5 * 86_400, policy=policy).final_score == Decimal("0.00")


def test_an_exemption_removes_the_penalty():
    result = late(5 * 86_400, exempt=True)
    assert (result.penalty, result.final_score) == (0, Decimal("40.00"))


def test_an_extension_moves_due_and_cutoff():
    extended = DUE + timedelta(days=2)
    times = deadlines(due_at=DUE, policy=TEN_PER_DAY, extended_until=extended)
    assert times.due_at == extended and times.cutoff_at == extended + timedelta(days=3)
    on_time = apply_late_policy(raw_score=Decimal(40), max_points=Decimal(50), submitted_at=extended,
                                due_at=times.due_at, policy=TEN_PER_DAY)  # fmt: skip
    assert on_time.penalty == 0
    # an "extension" earlier than the due date changes nothing
    assert deadlines(due_at=DUE, policy=TEN_PER_DAY, extended_until=DUE - timedelta(days=1)).due_at == DUE


def test_refused_late_work_has_the_due_time_as_cutoff():
    times = deadlines(due_at=DUE, policy=LatePolicy(accept_late=False))
    assert times.cutoff_at == DUE
    assert deadlines(due_at=DUE, policy=LatePolicy()).cutoff_at is None


def test_missing_score_only_after_the_cutoff_and_not_for_exempt_students():
    policy = LatePolicy(missing_percent=Decimal(0), max_late_days=1)
    cutoff = DUE + timedelta(days=1)
    assert missing_score(max_points=Decimal(50), policy=policy, cutoff_at=cutoff, now=cutoff) is None
    assert (
        missing_score(max_points=Decimal(50), policy=policy, cutoff_at=cutoff, now=cutoff + timedelta(seconds=1)) == 0
    )
    assert missing_score(max_points=Decimal(50), policy=policy, cutoff_at=cutoff, now=cutoff + timedelta(days=9),
                         exempt=True) is None  # fmt: skip
    half = LatePolicy(missing_percent=Decimal(50), accept_late=False)
    assert missing_score(max_points=Decimal(50), policy=half, cutoff_at=DUE, now=DUE + timedelta(hours=1)) == 25


def test_policy_from_the_payload():
    policy = LatePolicy.from_payload({"accept_late": True, "penalty_percent_per_day": 10, "max_late_days": 3})
    assert (policy.deduction_percent, policy.interval, policy.max_late_days) == (10, "day", 3)
    hourly = LatePolicy.from_payload({"accept_late": True, "penalty_percent_per_hour": 1.5, "floor_percent": 40,
                                      "missing_score_percent": 0})  # fmt: skip
    assert (hourly.deduction_percent, hourly.interval, hourly.floor_percent, hourly.missing_percent) == (
        Decimal("1.5"), "hour", 40, 0)  # fmt: skip
