"""Learning streaks count consecutive local days in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.tests.factories import UserFactory
from learning.progress import streaks


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.django_db
def test_first_activity_starts_a_streak_and_the_same_day_changes_nothing():
    user = UserFactory(time_zone="Europe/Berlin")
    assert streaks.touch_streak(user=user, now=at("2026-03-02T08:00")) == 1
    assert streaks.touch_streak(user=user, now=at("2026-03-02T20:00")) == 1
    user.refresh_from_db()
    assert (user.current_streak_days, str(user.last_activity_date)) == (1, "2026-03-02")


@pytest.mark.django_db
def test_consecutive_local_days_within_one_utc_day():
    # 07:00 UTC is 23:00 the day before in Los Angeles; 09:00 UTC is 01:00 the next local day.
    west = UserFactory(time_zone="America/Los_Angeles")
    utc = UserFactory(time_zone="UTC")
    for user in (west, utc):
        streaks.touch_streak(user=user, now=at("2026-03-02T07:00"))
        streaks.touch_streak(user=user, now=at("2026-03-02T09:00"))
    west.refresh_from_db()
    utc.refresh_from_db()
    assert west.current_streak_days == 2 and str(west.last_activity_date) == "2026-03-02"
    assert utc.current_streak_days == 1 and str(utc.last_activity_date) == "2026-03-02"


@pytest.mark.django_db
def test_east_of_utc_a_late_evening_is_already_the_next_day():
    user = UserFactory(time_zone="Pacific/Auckland")  # UTC+13 in March
    streaks.touch_streak(user=user, now=at("2026-03-01T09:00"))  # 22:00 on 1 March local
    streaks.touch_streak(user=user, now=at("2026-03-01T12:00"))  # 01:00 on 2 March local
    user.refresh_from_db()
    assert user.current_streak_days == 2


@pytest.mark.django_db
def test_a_skipped_day_resets_to_one_and_the_shown_streak_lapses():
    user = UserFactory(time_zone="Asia/Kolkata")
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        streaks.touch_streak(user=user, now=at(f"{day}T06:00"))
    assert user.current_streak_days == 3
    assert streaks.displayed_streak(user, now=at("2026-03-04T06:00")) == 3  # yesterday still counts
    assert streaks.displayed_streak(user, now=at("2026-03-05T06:00")) == 0  # 4 March was missed
    assert streaks.touch_streak(user=user, now=at("2026-03-05T06:00")) == 1
    user.refresh_from_db()
    assert user.current_streak_days == 1


@pytest.mark.django_db
def test_an_unknown_time_zone_falls_back_to_utc():
    user = UserFactory(time_zone="Mars/Olympus_Mons")
    assert streaks.touch_streak(user=user, now=at("2026-03-02T23:30")) == 1
    user.refresh_from_db()
    assert str(user.last_activity_date) == "2026-03-02"
