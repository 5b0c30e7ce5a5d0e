"""The catalog's shared page cache: rendered result fragments, keyed by a catalog version.

The catalog list (with its filters, counts and pages), the subject and domain pages and the course page's
course-level parts are the same for everyone who may see the same courses. They are rendered once into
HTML and kept in Django's cache (Redis or the database cache table: shared by every worker); a request
then reads one string instead of running the search, the count, the filter choices and the card
templates. The per-user parts (the navigation bar, the course page's enroll panel and review button)
are rendered per request around them.

Contract:
- :func:`catalog_state` is the token every key starts with: the **catalog version** (a random token in
  the cache, replaced by :func:`bump_catalog_version`) and the **clock boundary** (the next moment an
  offering ends or an enrollment window opens or closes: what "next offering", "open for enrollment
  now" and the start-date sort depend on), so an entry is never served once a change or the clock has
  made it wrong. Both are read in one cache round trip; the boundary costs one query when it has passed
  (or after a bump).
- :func:`bump_catalog_version` is called for every write that changes what a catalog page shows: a course
  saved, published or deleted, an offering created, changed or deleted, its enrollment counts (seats
  left) or a course's rating (:mod:`catalog.services`), a subject, department, university or course
  subject link changed (the filters show their names), and any save or delete of those models that
  bypasses the services (``post_save``/``post_delete`` receivers registered in ``CatalogConfig.ready``).
  It replaces the token at once (the writing request and the rest of its transaction see fresh pages;
  not with the database cache, whose write would join the transaction) and again when the transaction
  commits: an entry built from the old data before the commit lands under an older token, which
  nobody reads afterwards. Tokens are random, never counters, so two
  writers racing cannot leave a token that an older entry was stored under.
- A key names everything a fragment varies by: the state token; the viewer's **visibility** (anonymous;
  signed in; signed in with member universities and invite-only offerings listed to them, by id: two
  users share an entry only when :func:`catalog.permissions.listed_courses_q` lists the same courses to
  both); the active **language**; the page's **variant**; and every GET parameter (page, filters, sort,
  and unknown ones, which the pagination links repeat).
- Fragments are rendered without the request or the user (``render_to_string`` with no request), so
  nothing personal can reach a shared entry.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction
from django.utils import timezone, translation

from catalog.permissions import invite_only_listed, member_university_ids

VERSION_KEY = "catalog:version"
CLOCK_KEY = "catalog:clock"
PREFIX = "catalog:fragment:v2"  # v2: values wrapped in a 1-tuple (a value may be None)
# An entry's longest life: keys change with every bump, so this only returns memory.
FRAGMENT_TIMEOUT = 3600
NO_BOUNDARY = "none"

# The next moment after %s when a course offering ends or an enrollment window opens or closes (one pass
# over the offerings; run when the previous boundary has passed or the catalog changed).
_NEXT_BOUNDARY_SQL = """
SELECT LEAST(min(ends_at) FILTER (WHERE ends_at > %(now)s),
             min(enrollment_start) FILTER (WHERE enrollment_start > %(now)s),
             min(enrollment_end) FILTER (WHERE enrollment_end > %(now)s))
FROM course_offerings
"""


def _new_token() -> str:
    return uuid.uuid4().hex


def _replace_version() -> None:
    cache.set_many({VERSION_KEY: _new_token()}, timeout=None)
    # A new or changed offering may end (or open enrollment) before the boundary read so far.
    cache.delete(CLOCK_KEY)


def bump_catalog_version() -> None:
    """Make every cached catalog fragment unreachable: now, and again when the transaction commits.

    With the database cache inside a transaction, only on commit: its write would be part of the writer's
    transaction and hold the version row's lock until the commit, queueing every other writer behind it
    (and risking a deadlock with their own row locks); nothing outside the transaction could see it earlier
    anyway."""
    in_transaction = connection.in_atomic_block
    if not (in_transaction and isinstance(caches[DEFAULT_CACHE_ALIAS], DatabaseCache)):
        _replace_version()
    if in_transaction:
        transaction.on_commit(_replace_version, robust=True)


def _next_boundary(now: datetime) -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_BOUNDARY_SQL, {"now": now})
        return cursor.fetchone()[0]


def _state_from(found: dict, now: datetime) -> str:
    version = found.get(VERSION_KEY)
    if version is None:  # first use, or evicted: a new token (never a reused one)
        cache.add(VERSION_KEY, _new_token(), timeout=None)
        version = cache.get(VERSION_KEY) or _new_token()
    clock = found.get(CLOCK_KEY)
    if clock is None or (clock != NO_BOUNDARY and float(clock) <= now.timestamp()):
        boundary = _next_boundary(now)
        clock = NO_BOUNDARY if boundary is None else repr(boundary.timestamp())
        seconds = FRAGMENT_TIMEOUT if boundary is None else int((boundary - now).total_seconds()) + 1
        cache.set(CLOCK_KEY, clock, max(1, min(FRAGMENT_TIMEOUT, seconds)))
    return f"{version}.{clock}"


def catalog_state(*, now: datetime | None = None) -> str:
    """``"<version>.<boundary>"``: one cache read (both keys), plus one query when the clock boundary has
    passed or was dropped by a bump."""
    return _state_from(cache.get_many([VERSION_KEY, CLOCK_KEY]), now or timezone.now())


# The state this process read last: a request asks for its fragments under it in the same cache read as the
# state itself, and uses them only if the state read is that one (a second read otherwise).
_last_state: str | None = None
_MISSING = object()


def _key(state: str, tail: tuple[str, ...]) -> str:
    return ":".join((PREFIX, state, *tail))


@dataclass
class Parts:
    """Cached values of one request, by name (:func:`read_parts`)."""

    state: str
    tails: dict[str, tuple[str, ...]]
    values: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # what the read found of ``extra_keys`` (not fragments)

    def get_or_set(self, name: str, compute: Callable[[], Any]) -> Any:
        """The value stored under ``name``'s key, else ``compute()``'s, stored for the next request (a value
        may be ``None``)."""
        value = self.values.get(name, _MISSING)
        if value is _MISSING:
            value = compute()
            cache.set(_key(self.state, self.tails[name]), (value,), FRAGMENT_TIMEOUT)
            self.values[name] = value
        return value


def read_parts(tails: dict[str, tuple[str, ...]], extra_keys: list[str] | tuple[str, ...] = ()) -> Parts:
    """The catalog state and the values stored under it for each ``name: key tail``; one cache round trip
    when this process's last state is still the current one, else two. ``extra_keys``, other cache keys
    (not catalog fragments, whatever the catalog version) the caller needs on the same page, are read in
    the first round trip: ``Parts.extra`` holds what it found of them."""
    global _last_state
    guess = _last_state
    asked = {name: _key(guess, tail) for name, tail in tails.items()} if guess else {}
    found = cache.get_many([VERSION_KEY, CLOCK_KEY, *asked.values(), *extra_keys])
    extra = {key: found[key] for key in extra_keys if key in found}
    state = _state_from(found, timezone.now())
    if state != guess:
        asked = {name: _key(state, tail) for name, tail in tails.items()}
        found = cache.get_many(list(asked.values()))
    _last_state = state
    values = {name: found[key][0] for name, key in asked.items() if key in found}
    return Parts(state=state, tails=tails, values=values, extra=extra)


def visibility_key(user) -> str:
    """What the catalog lists to ``user``, as a short key: ``anon``; ``user`` (signed in, listed exactly
    what anonymous visitors are, but a signed-in page); or the member universities and listed
    invite-only offerings (read once per request, cached on the user by :mod:`catalog.permissions`)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return "anon"
    members = sorted(member_university_ids(user))
    invited = sorted(invite_only_listed(user))
    if not members and not invited:
        return "user"
    detail = f"m{','.join(map(str, members))};i{','.join(map(str, invited))}"
    return "user:" + hashlib.sha256(detail.encode()).hexdigest()[:32]


def params_key(data) -> str:
    """Every GET parameter with all its values, in a stable order."""
    if hasattr(data, "lists"):
        items = sorted((key, tuple(values)) for key, values in data.lists())
    else:
        items = sorted((key, (value,)) for key, value in dict(data).items())
    return hashlib.sha256(repr(items).encode()).hexdigest()[:40]


def list_tail(*, user, variant: str, data) -> tuple[str, ...]:
    """The key of a result list, after the state: visibility, language, page variant, parameters."""
    return (visibility_key(user), translation.get_language() or "-", variant, params_key(data))


def fragment_key(*, user, variant: str, data) -> str:
    return _key(catalog_state(), list_tail(user=user, variant=variant, data=data))


def course_tail(part: str, short_code: str, code: str, *more: str) -> tuple[str, ...]:
    """The key of a course page part, after the state (the course by its URL: the page reads its parts
    before it has the course row)."""
    return ("course", part, hashlib.sha256(f"{short_code}\x00{code}".encode()).hexdigest()[:32], *more)


def course_page_tails(*, user, short_code: str, code: str) -> dict[str, tuple[str, ...]]:
    """The course page's shared parts: the course row as listed to the viewer's visibility, its subjects,
    and learning's prerequisite links and rendered reviews (its template tags read them by these names)."""
    language = translation.get_language() or "-"
    return {
        "course": course_tail("course", short_code, code, visibility_key(user)),
        "subjects": course_tail("subjects", short_code, code),
        "prerequisites": course_tail("prerequisites", short_code, code),
        "reviews": course_tail("reviews", short_code, code, language),
    }


def _bump_on_write(sender, **kwargs) -> None:
    bump_catalog_version()


def connect_receivers() -> None:
    """Bump on every save or delete of what a catalog fragment shows, whoever writes it (services, the
    staff console, factories, a shell). Writes by ``QuerySet.update()`` send no signal: the services that
    use one bump themselves."""
    from django.db.models.signals import post_delete, post_save

    from catalog.models import (
        Course,
        CourseOffering,
        CoursePrerequisite,
        CourseSubject,
        Department,
        Domain,
        Subject,
        University,
    )
    from catalog.signals import structure_changed

    # The course page's cached course row carries the structure version its outline is read by.
    structure_changed.connect(_bump_on_write, dispatch_uid="catalog.pagecache.structure")
    for model in (Course, CourseOffering, CoursePrerequisite, CourseSubject, Department, Domain, Subject, University):
        post_save.connect(_bump_on_write, sender=model, dispatch_uid=f"catalog.pagecache.save.{model.__name__}")
        post_delete.connect(_bump_on_write, sender=model, dispatch_uid=f"catalog.pagecache.delete.{model.__name__}")
