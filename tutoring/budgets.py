"""Per-user tutor budgets: messages and tokens per day, messages per minute (``system_settings``).

| setting                          | default |
|----------------------------------|---------|
| ``tutor.budget.daily_messages``  | 100     |
| ``tutor.budget.daily_tokens``    | 100000  |
| ``tutor.budget.per_minute``      | 6       |

A value of 0 turns that limit off. Staff (``is_staff``) are exempt. The day is the site's calendar
day (``TIME_ZONE``). ``check_budget`` must run inside the transaction that stores the student's message,
after ``lock_user_budget``: the advisory lock serialises one user's concurrent sends, so two tabs
cannot both take the last message of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, IntegerField, Max, Min, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop

from lms.models import SystemSetting
from tutoring.models import ChatMessage, MessageRole

DEFAULTS = {"daily_messages": 100, "daily_tokens": 100_000, "per_minute": 6}
# Advisory-lock namespace of the tutor's per-user budget (an arbitrary constant of this app).
BUDGET_LOCK_NAMESPACE = 20_020
DAILY_MESSAGES_SPENT = gettext_noop("You have used today's {limit} tutor messages. Your budget resets at {reset}.")
DAILY_TOKENS_SPENT = gettext_noop("You have used today's tutor allowance. Your budget resets at {reset}.")
TOO_FAST = gettext_noop(
    "You are sending messages faster than the tutor allows ({limit} a minute). You can send again at {reset}."
)


class BudgetExceeded(Exception):
    def __init__(self, message: str, *, resets_at: datetime):
        super().__init__(message)
        self.message = message
        self.resets_at = resets_at


@dataclass(frozen=True)
class Limits:
    daily_messages: int
    daily_tokens: int
    per_minute: int


def limits() -> Limits:
    rows = dict(
        SystemSetting.objects.filter(setting_key__startswith="tutor.budget.").values_list(
            "setting_key", "setting_value"
        )
    )
    values = {}
    for name, default in DEFAULTS.items():
        try:
            values[name] = max(0, int(rows.get(f"tutor.budget.{name}", default)))
        except (TypeError, ValueError):
            values[name] = default
    return Limits(**values)


def lock_user_budget(user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BUDGET_LOCK_NAMESPACE, int(user_id) % 2**31])


def _clock(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "H:i")


def check_budget(*, user, now: datetime | None = None) -> None:
    """Raise ``BudgetExceeded`` (a friendly message saying when it resets) when the user may not send now."""
    if user.is_staff:
        return
    now = now or timezone.now()
    current = limits()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = day_start + timedelta(days=1)
    minute_ago = now - timedelta(seconds=60)
    tokens = Coalesce(Cast(KT("meta__tokens_in"), IntegerField()), 0) + Coalesce(
        Cast(KT("meta__tokens_out"), IntegerField()), 0
    )
    usage = ChatMessage.objects.filter(session__user=user, created_at__gte=day_start).aggregate(
        messages=Count("id", filter=Q(role=MessageRole.USER)),
        tokens=Coalesce(Sum(tokens, filter=Q(role=MessageRole.ASSISTANT)), 0),
        last_minute=Count("id", filter=Q(role=MessageRole.USER, created_at__gt=minute_ago)),
        first_in_minute=Min("created_at", filter=Q(role=MessageRole.USER, created_at__gt=minute_ago)),
        latest=Max("created_at"),
    )
    if current.daily_messages and usage["messages"] >= current.daily_messages:
        raise BudgetExceeded(
            gettext(DAILY_MESSAGES_SPENT).format(limit=current.daily_messages, reset=_clock(tomorrow)),
            resets_at=tomorrow,
        )
    if current.daily_tokens and usage["tokens"] >= current.daily_tokens:
        raise BudgetExceeded(gettext(DAILY_TOKENS_SPENT).format(reset=_clock(tomorrow)), resets_at=tomorrow)
    if current.per_minute and usage["last_minute"] >= current.per_minute:
        resets = usage["first_in_minute"] + timedelta(seconds=60)
        raise BudgetExceeded(
            gettext(TOO_FAST).format(
                limit=current.per_minute, reset=formats.date_format(timezone.localtime(resets), "H:i:s")
            ),
            resets_at=resets,
        )
