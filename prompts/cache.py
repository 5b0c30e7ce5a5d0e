"""The resolved-prompt cache: Django's cache framework under a generation counter.

Every prompt write bumps the generation in ``transaction.on_commit``, which makes every older entry
unreachable at once (a resolved prompt embeds other prompts, so per-name invalidation is not enough).
Readers read the generation *before* the database, so a reader racing a write can only store the old
resolution under the old generation, never under the new one. The cache must be shared by every worker
process (Redis or the database cache in production; ``CACHES`` in settings).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "prompts:generation"
DEFAULT_TTL_SECONDS = 3600


def ttl_seconds() -> int:
    return getattr(settings, "PROMPTS_CACHE_TTL_SECONDS", DEFAULT_TTL_SECONDS)


def current_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Start from the clock, so a generation lost by eviction never comes back to an old number.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


def bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted)
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


def bump_generation_on_commit() -> None:
    transaction.on_commit(bump_generation)


def resolved_key(generation: int, *, name: str, version: int | None, label: str | None) -> str:
    # Hashed: names may hold spaces and slashes, and versions and labels must never collide ("1" vs 1).
    selector = ["version", version] if version is not None else ["label", label]
    digest = hashlib.sha256(json.dumps([name, *selector]).encode()).hexdigest()
    return f"prompts:resolved:{generation}:{digest}"


def get(key: str) -> Any:
    return cache.get(key)


def put(key: str, value: Any) -> None:
    cache.set(key, value, ttl_seconds())
