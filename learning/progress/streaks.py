"""Learning streaks: consecutive *local* days of activity in the user's time zone.

Contract: :func:`touch_streak` is the one writer of ``users.current_streak_days`` and
``users.last_activity_date``: the same day changes nothing, the next day adds one, a gap resets to 1.
One conditional UPDATE, so concurrent requests cannot double-count. :func:`displayed_streak` is the
read every page uses (a streak lapses once a whole local day passed without activity).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.utils import timezone


def user_zone(user) -> ZoneInfo:
    """The user's time zone (UTC when unset or unknown)."""
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(user, now: datetime) -> date:
    return now.astimezone(user_zone(user)).date()


def touch_streak(*, user, now: datetime | None = None) -> int:
    """Record activity on the user's local day; returns the streak and updates ``user`` in memory."""
    now = now or timezone.now()
    today = local_date(user, now)
    with connection.cursor() as cursor:
        # The WHERE makes a second call on the same day (or a day already counted) a no-op, so two
        # concurrent requests cannot add two days.
        cursor.execute(
            """
            UPDATE users SET
              current_streak_days = CASE WHEN last_activity_date = %(today)s::date - 1
                                         THEN current_streak_days + 1 ELSE 1 END,
              last_activity_date = %(today)s
            WHERE id = %(user)s AND (last_activity_date IS NULL OR last_activity_date < %(today)s)
            RETURNING current_streak_days
            """,
            {"today": today, "user": user.pk},
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute("SELECT current_streak_days, last_activity_date FROM users WHERE id = %s", [user.pk])
            streak, last = cursor.fetchone()
        else:
            streak, last = row[0], today
    user.current_streak_days, user.last_activity_date = streak, last
    return streak


def displayed_streak(user, now: datetime | None = None) -> int:
    """The streak to show: it lapses (0) once a whole local day has passed without activity."""
    if not user.last_activity_date:
        return 0
    today = local_date(user, now or timezone.now())
    return user.current_streak_days if user.last_activity_date >= today - timedelta(days=1) else 0
