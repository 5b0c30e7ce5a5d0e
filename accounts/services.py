"""Writes to accounts. Every function is keyword-only; callers never save ``User`` rows themselves."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.db import transaction

from accounts.models import User

UNKNOWN_TIME_ZONE = "Choose a time zone from the list."


@cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_time_zones())]


@transaction.atomic
def register_user(*, email: str, full_name: str, password: str | None) -> User:
    """Create an account. It holds no university role: membership comes from staff or invitations."""
    return User.objects.create_user(email=email, full_name=full_name.strip(), password=password)


def update_profile(*, actor: User, full_name: str, locale: str, time_zone: str) -> User:
    if time_zone not in available_time_zones():
        raise ValueError(UNKNOWN_TIME_ZONE)
    actor.full_name = full_name.strip()
    actor.locale = locale
    actor.time_zone = time_zone
    actor.save(update_fields=["full_name", "locale", "time_zone"])
    return actor
