"""Progress services: THE one writer of ``user_content_progress`` and of the ``user_module_progress``
rollups, the course-completion transition of an enrollment, and learning streaks.

Contract:
- :func:`record_item_progress` writes one item's row: ``first_started_at`` once, ``last_interacted_at``
  every time, ``progress_percent`` only ever increasing (``GREATEST``), ``completed_at`` once (completion
  is never undone), ``attempts_count`` += 1 when ``attempt=True``. Callers say what happened:
  :func:`mark_item_done` (explicit, text/resource and other non-video, non-assessment types),
  :func:`report_video_progress` (percent watched; the end completes), :func:`open_item` (the item was
  shown), :func:`record_resource_open`. Assessments will call :func:`record_item_progress` with
  ``complete=True`` from their own services.
- Only students with an ``active`` or ``completed`` enrollment have progress, and only on required
  items (active items of the published tree, ``learning.outline``); anything else raises
  ``ValidationError`` with one of the message constants below.
- Rollups: a module's percent is the share of completed required items in its subtree; it is complete
  when all of them are (a module with no required item in its subtree is never "complete" and never
  blocks its parent). A write touches the rollups of the item's ancestors only: their totals come from
  the cached structure and the completed counts from the student's own completed items (one query).
- Concurrency: every write of a student's progress in an offering first locks that student's
  enrollment row (``SELECT … FOR UPDATE``), so two tabs are serialised and each ancestor row is
  recomputed from committed data. :func:`recompute_course_rollups` locks all of the offering's
  enrollment rows in id order first, so it cannot deadlock with them.
- When the course root completes, the enrollment becomes ``completed`` with ``completed_at`` through
  ``learning.services.record_course_completion`` (one student) or ``record_course_completions`` (after
  a recomputation). It is not reverted when a later structure change adds items.
- Structure changes: ``catalog.services.bump_structure_version`` sends ``structure_changed``; learning's
  receiver enqueues the task ``learning.tasks.recompute_course_rollups`` on commit, which runs
  :func:`recompute_rollups_for_version` (bulk SQL per offering, idempotent, skipped once a newer
  version exists) and records the version the rollups match (:func:`rollups_version`). Until it has
  run, readers never show stored completion of an older structure (:func:`rollup_state`): the player
  recomputes the visiting student's rows inline on a small course (≤ ``LAZY_RECOMPUTE_MAX_ITEMS``
  required items) and, on a large one, shows :func:`live_module_progress` (the current structure and
  the student's completed items, one query, no write); the dashboard computes the course percent of
  such offerings live in one query (``learning.selectors``).
- Streaks (:func:`touch_streak`) count consecutive *local* days in the user's time zone: the same day
  changes nothing, the next day adds one, a gap resets to 1. One conditional UPDATE, so concurrent
  requests cannot double-count.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Course, CourseOffering
from learning import services
from learning.models import CourseEnrollment, EnrollmentStatus
from learning.outline import CourseStructure, get_course_structure

NOT_ENROLLED = "You need an active enrollment in this offering to record progress."
ITEM_NOT_AVAILABLE = "This item is not part of the published course."
NOT_MARKABLE = "This kind of content is completed automatically, not with “mark as done”."
PERCENT_OUT_OF_RANGE = "Percent must be between 0 and 100."
PERCENT_NOT_A_NUMBER = "Percent must be a number between 0 and 100."

VIDEO_TYPE = "video"
ASSESSMENT_TYPES = frozenset({"quiz", "engineering_lab", "assignment"})
# Up to this many required items the player recomputes a student's stale rollups inline on load; above
# it the page shows live completion until the background task has run (see rollup_state).
LAZY_RECOMPUTE_MAX_ITEMS = 5000
ROLLUPS_VERSION_KEY = "learning:rollups-version:{offering_id}"
_ROLLUPS_VERSION_TIMEOUT = None  # forever: a missing marker only costs one recomputation
ROLLUPS_QUEUED_KEY = "learning:rollups-queued:{course_id}:{version}"
# A recompute asked for within this time is not asked for again; after it, a reader of rollups that are
# still stale asks again (the task is idempotent), so a lost enqueue heals itself.
_ROLLUPS_QUEUED_TIMEOUT = 3600
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")

USABLE_ENROLLMENT = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


@dataclass(frozen=True)
class ProgressResult:
    item_id: int
    percent: Decimal
    completed: bool
    newly_completed: bool
    course_completed: bool
    streak_days: int
    # (module id, whole percent, complete) of the ancestors rewritten by this write, root first; empty
    # when the rollups did not change. The player patches its outline with them.
    modules: tuple[tuple[int, int, bool], ...] = ()


def _percent(done: int, total: int) -> Decimal:
    if total <= 0:
        return Decimal(0)
    return (Decimal(done) * _HUNDRED / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP)


# --- streaks ---------------------------------------------------------------------------------


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


# --- item progress -----------------------------------------------------------------------------


def _lock_enrollment(*, user_id: int, offering_id: int) -> tuple[int, str]:
    row = (
        CourseEnrollment.objects.select_for_update()
        .filter(user_id=user_id, course_offering_id=offering_id, status__in=USABLE_ENROLLMENT)
        .values_list("pk", "status")
        .first()
    )
    if row is None:
        raise ValidationError(NOT_ENROLLED, code="not_enrolled")
    return row


def _structure_for(offering) -> CourseStructure:
    course = offering.course
    return get_course_structure(course_id=course.pk, structure_version=course.structure_version)


def parse_percent(value) -> Decimal:
    """A percent from user input (a string or a number) as a ``Decimal`` in [0, 100] with two places.

    ``ValidationError`` (never an arithmetic exception) for anything else: text, ``nan``, ``inf``, a
    value outside the range. ``Decimal`` accepts "NaN", "Infinity" and "1e999", so finiteness is checked
    explicitly before any comparison (comparing a NaN raises ``InvalidOperation``)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(PERCENT_NOT_A_NUMBER, code="percent") from None
    if not number.is_finite():
        raise ValidationError(PERCENT_NOT_A_NUMBER, code="percent")
    if not (0 <= number <= 100):
        raise ValidationError(PERCENT_OUT_OF_RANGE, code="percent")
    return number.quantize(_CENT, rounding=ROUND_HALF_UP)


def record_item_progress(
    *,
    user,
    offering,
    item_id: int,
    percent: float | Decimal | str | None = None,
    complete: bool = False,
    attempt: bool = False,
    now: datetime | None = None,
    structure: CourseStructure | None = None,
) -> ProgressResult:
    """The single writer of a student's progress on one item (see the module contract)."""
    now = now or timezone.now()
    structure = structure or _structure_for(offering)
    if item_id not in structure.item_pos:
        raise ValidationError(ITEM_NOT_AVAILABLE, code="not_available")
    if percent is not None:
        percent = parse_percent(percent)
    if complete:
        percent = _HUNDRED
    with transaction.atomic():
        enrollment_id, enrollment_status = _lock_enrollment(user_id=user.pk, offering_id=offering.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO user_content_progress AS p
                  (user_id, course_offering_id, content_item_id, first_started_at, last_interacted_at,
                   completed_at, progress_percent, attempts_count)
                VALUES (%(user)s, %(offering)s, %(item)s, %(now)s, %(now)s, %(completed)s, %(percent)s, %(attempts)s)
                ON CONFLICT (user_id, course_offering_id, content_item_id) DO UPDATE SET
                  first_started_at = COALESCE(p.first_started_at, EXCLUDED.first_started_at),
                  last_interacted_at = EXCLUDED.last_interacted_at,
                  completed_at = COALESCE(p.completed_at, EXCLUDED.completed_at),
                  progress_percent = GREATEST(p.progress_percent, EXCLUDED.progress_percent),
                  attempts_count = p.attempts_count + EXCLUDED.attempts_count
                RETURNING first_started_at, completed_at, progress_percent
                """,
                {
                    "user": user.pk,
                    "offering": offering.pk,
                    "item": item_id,
                    "now": now,
                    "completed": now if complete else None,
                    "percent": percent or 0,
                    "attempts": 1 if attempt else 0,
                },
            )
            started_at, completed_at, stored_percent = cursor.fetchone()
        newly_started = started_at == now
        newly_completed = completed_at is not None and completed_at == now
        course_completed = False
        modules: tuple[tuple[int, int, bool], ...] = ()
        if newly_started or newly_completed:
            modules = _update_ancestor_rollups(
                user_id=user.pk,
                offering_id=offering.pk,
                structure=structure,
                module_id=structure.item_module[item_id],
                now=now,
            )
            root_done = bool(modules) and modules[0][0] == structure.root_id and modules[0][2]
            if root_done and enrollment_status == EnrollmentStatus.ACTIVE:
                course_completed = services.record_course_completion(enrollment_id=enrollment_id, now=now)
        streak = touch_streak(user=user, now=now)
    return ProgressResult(
        item_id=item_id,
        percent=stored_percent,
        completed=completed_at is not None,
        newly_completed=newly_completed,
        course_completed=course_completed,
        streak_days=streak,
        modules=modules,
    )


def _update_ancestor_rollups(
    *, user_id: int, offering_id: int, structure: CourseStructure, module_id: int, now: datetime
) -> tuple[tuple[int, int, bool], ...]:
    """Recompute the rollups of ``module_id`` and its ancestors only; answers (module id, whole percent,
    complete) of each, root first (the root's ``complete`` says whether the course is complete now).

    The caller holds the enrollment lock. Totals come from the structure; completed counts from the
    student's completed item ids (one query), counted per module and then carried up the chain."""
    chain = structure.ancestors(module_id)
    wanted = set(chain)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content_item_id FROM user_content_progress "
            "WHERE user_id = %s AND course_offering_id = %s AND completed_at IS NOT NULL",
            [user_id, offering_id],
        )
        per_module = Counter(structure.item_module[iid] for (iid,) in cursor.fetchall() if iid in structure.item_module)
        done = dict.fromkeys(chain, 0)
        for mid, count in per_module.items():
            current: int | None = mid
            while current is not None:
                if current in wanted:
                    done[current] += count
                current = structure.module_parent[current]
        values, params = [], []
        for mid in chain:  # root first: a consistent order
            total = structure.subtree_total[mid]
            complete = total > 0 and done[mid] == total
            values.append("(%s, %s, %s, %s, %s, %s)")
            params += [user_id, offering_id, mid, now, now if complete else None, _percent(done[mid], total)]
        cursor.execute(
            f"""
            INSERT INTO user_module_progress AS r
              (user_id, course_offering_id, module_id, started_at, completed_at, progress_percent)
            VALUES {", ".join(values)}
            ON CONFLICT (user_id, course_offering_id, module_id) DO UPDATE SET
              started_at = COALESCE(r.started_at, EXCLUDED.started_at),
              completed_at = CASE WHEN EXCLUDED.completed_at IS NULL THEN NULL
                                  ELSE COALESCE(r.completed_at, EXCLUDED.completed_at) END,
              progress_percent = EXCLUDED.progress_percent
            RETURNING module_id, completed_at, progress_percent
            """,  # noqa: S608 - only placeholders are interpolated
            params,
        )
        rows = {mid: (completed_at is not None, pct) for mid, completed_at, pct in cursor.fetchall()}
    return tuple((mid, shown_percent(rows[mid][1], complete=rows[mid][0]), rows[mid][0]) for mid in chain)


def open_item(*, user, offering, item_id: int, structure: CourseStructure | None = None) -> ProgressResult:
    """The item was shown: first start / last interaction; a view session counts as an attempt for
    content that is not an assessment (assessments count their own attempts)."""
    structure = structure or _structure_for(offering)
    kind = structure.item_type.get(item_id)
    return record_item_progress(
        user=user, offering=offering, item_id=item_id, attempt=kind not in ASSESSMENT_TYPES, structure=structure
    )


def mark_item_done(*, user, offering, item_id: int, structure: CourseStructure | None = None) -> ProgressResult:
    """The explicit "mark as done" of text, resources and other content that has no automatic end."""
    structure = structure or _structure_for(offering)
    kind = structure.item_type.get(item_id)
    if kind == VIDEO_TYPE or kind in ASSESSMENT_TYPES:
        raise ValidationError(NOT_MARKABLE, code="not_markable")
    return record_item_progress(user=user, offering=offering, item_id=item_id, complete=True, structure=structure)


def report_video_progress(
    *,
    user,
    offering,
    item_id: int,
    percent: float | Decimal | str,
    ended: bool = False,
    structure: CourseStructure | None = None,
) -> ProgressResult:
    """Percent watched, reported periodically by the player; reaching the end completes the video."""
    structure = structure or _structure_for(offering)
    if structure.item_type.get(item_id) != VIDEO_TYPE:
        raise ValidationError(ITEM_NOT_AVAILABLE, code="not_video")
    complete = ended or parse_percent(percent) >= _HUNDRED
    return record_item_progress(
        user=user, offering=offering, item_id=item_id, percent=percent, complete=complete, structure=structure
    )


def record_resource_open(*, user, offering, item_id: int, structure: CourseStructure | None = None) -> ProgressResult:
    """A link of a resource list was opened: an interaction, not a completion."""
    return record_item_progress(user=user, offering=offering, item_id=item_id, structure=structure)


# --- rollups after structure changes ------------------------------------------------------------


_RECOMPUTE_SQL = """
WITH RECURSIVE vis AS (
    SELECT id, parent_module_id FROM modules WHERE course_id = %(course)s AND parent_module_id IS NULL
    UNION ALL
    SELECT m.id, m.parent_module_id FROM modules m JOIN vis ON m.parent_module_id = vis.id
    WHERE m.course_id = %(course)s AND m.is_published
), clo AS (
    SELECT id AS anc, id AS des FROM vis
    UNION ALL
    SELECT clo.anc, vis.id FROM clo JOIN vis ON vis.parent_module_id = clo.des
), req AS (
    SELECT ci.id AS item_id, ci.module_id FROM content_items ci JOIN vis ON vis.id = ci.module_id
    WHERE ci.course_id = %(course)s AND ci.is_active
), tot AS (
    SELECT clo.anc, count(*) AS total FROM req JOIN clo ON clo.des = req.module_id GROUP BY clo.anc
), done AS (
    SELECT p.user_id, clo.anc, count(*) AS n, min(p.first_started_at) AS started
    FROM user_content_progress p
    JOIN req ON req.item_id = p.content_item_id
    JOIN clo ON clo.des = req.module_id
    WHERE p.course_offering_id = %(offering)s AND p.completed_at IS NOT NULL
      AND (%(user)s::bigint IS NULL OR p.user_id = %(user)s::bigint)
    GROUP BY p.user_id, clo.anc
), calc AS (
    SELECT done.user_id, done.anc AS module_id, done.started,
           round(100.0 * done.n / tot.total, 2) AS pct, done.n = tot.total AS complete
    FROM done JOIN tot USING (anc)
), upserted AS (  -- runs to completion although nothing reads it (PostgreSQL's rule for DML in WITH)
    INSERT INTO user_module_progress AS r
      (user_id, course_offering_id, module_id, started_at, completed_at, progress_percent)
    SELECT user_id, %(offering)s, module_id, COALESCE(started, %(now)s),
           CASE WHEN complete THEN %(now)s::timestamptz END, pct
    FROM calc
    ON CONFLICT (user_id, course_offering_id, module_id) DO UPDATE SET
      started_at = COALESCE(r.started_at, EXCLUDED.started_at),
      completed_at = CASE WHEN EXCLUDED.completed_at IS NULL THEN NULL
                          ELSE COALESCE(r.completed_at, EXCLUDED.completed_at) END,
      progress_percent = EXCLUDED.progress_percent
    RETURNING 1
)
UPDATE user_module_progress AS z SET progress_percent = 0, completed_at = NULL
WHERE z.course_offering_id = %(offering)s
  AND (z.progress_percent <> 0 OR z.completed_at IS NOT NULL)
  AND (%(user)s::bigint IS NULL OR z.user_id = %(user)s::bigint)
  AND NOT EXISTS (SELECT 1 FROM calc WHERE calc.user_id = z.user_id AND calc.module_id = z.module_id)
"""


def rollups_version(*, offering_id: int) -> int | None:
    """The structure version the offering's rollups were last computed for (None: unknown).

    Kept in Django's cache (the database cache in production) because no column holds it yet; a lost
    marker only costs one recomputation. See the report of issue 8 for the suggested column."""
    return cache.get(ROLLUPS_VERSION_KEY.format(offering_id=offering_id))


def recompute_course_rollups(*, offering, now: datetime | None = None) -> int:
    """Bring every student's module rollups of ``offering`` up to date with the current structure.

    Bulk SQL (a recursive CTE over the course's modules, filtered by ``course_id`` in the recursive
    step): no per-student or per-module loop, so it can run from a background task for large courses.
    Returns the structure version the rollups now match."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the offering's enrollments in id order: serialises with record_item_progress, no deadlock.
        list(
            CourseEnrollment.objects.select_for_update()
            .filter(course_offering_id=offering.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT structure_version FROM courses WHERE id = %s", [offering.course_id])
            (version,) = cursor.fetchone()
            cursor.execute(
                "SELECT id FROM modules WHERE course_id = %s AND parent_module_id IS NULL", [offering.course_id]
            )
            root = cursor.fetchone()
            params = {"course": offering.course_id, "offering": offering.pk, "now": now, "user": None}
            cursor.execute(_RECOMPUTE_SQL, params)
        if root is not None:
            services.record_course_completions(offering_id=offering.pk, root_module_id=root[0], now=now)
        key = ROLLUPS_VERSION_KEY.format(offering_id=offering.pk)
        transaction.on_commit(lambda: cache.set(key, version, _ROLLUPS_VERSION_TIMEOUT))
    return version


def recompute_rollups_for_version(*, course_id: int, structure_version: int, now: datetime | None = None) -> list[int]:
    """The background task's body (``learning.tasks.recompute_course_rollups``): bring the rollups of
    every offering of the course up to date after the structural change that produced
    ``structure_version``. Returns the ids of the offerings it recomputed.

    Idempotent and ordered: it does nothing when the course has moved on to a newer version (the change
    that made it enqueued its own run, which will do the work once), and skips an offering whose rollups
    were already computed for this version or a newer one (a second run of the same task, or a run that
    lost the race with a newer one)."""
    current = Course.objects.filter(pk=course_id).values_list("structure_version", flat=True).first()
    if current is None or current > structure_version:
        return []
    done = []
    for offering in CourseOffering.objects.filter(course_id=course_id).select_related("course").order_by("pk"):
        marker = rollups_version(offering_id=offering.pk)
        if marker is not None and marker >= structure_version:
            continue
        recompute_course_rollups(offering=offering, now=now)
        done.append(offering.pk)
    return done


def recompute_student_rollups(*, user, offering, structure: CourseStructure, now: datetime | None = None) -> bool:
    """One student's rollups of ``offering`` recomputed for the current structure (the player's inline
    path for small courses while the background task has not run yet). The same bulk SQL as
    :func:`recompute_course_rollups`, restricted to the student, under the student's own enrollment lock
    only. Completes the enrollment when the course root is complete now. Returns that completion."""
    now = now or timezone.now()
    with transaction.atomic():
        enrollment_id, status = _lock_enrollment(user_id=user.pk, offering_id=offering.pk)
        params = {"course": offering.course_id, "offering": offering.pk, "now": now, "user": user.pk}
        with connection.cursor() as cursor:
            cursor.execute(_RECOMPUTE_SQL, params)
            cursor.execute(
                "SELECT completed_at IS NOT NULL FROM user_module_progress "
                "WHERE user_id = %s AND course_offering_id = %s AND module_id = %s",
                [user.pk, offering.pk, structure.root_id],
            )
            root = cursor.fetchone()
        if root and root[0] and status == EnrollmentStatus.ACTIVE:
            return services.record_course_completion(enrollment_id=enrollment_id, now=now)
    return False


def live_module_progress(
    *, user_id: int, offering_id: int, structure: CourseStructure
) -> tuple[list[int], dict[int, int]]:
    """The student's module completion computed from the *current* structure and their completed items
    (one query), for pages whose stored rollups are older than the structure: the completed module ids
    and {module id: whole percent} of the started, incomplete ones — the shape the player's overlay and
    the page query use. A module with a required item the student has not completed is never complete
    and never shows 100 %."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content_item_id FROM user_content_progress "
            "WHERE user_id = %s AND course_offering_id = %s AND completed_at IS NOT NULL",
            [user_id, offering_id],
        )
        rows = cursor.fetchall()
    return module_states_from_items(structure, (iid for (iid,) in rows))


def module_states_from_items(structure: CourseStructure, completed_item_ids) -> tuple[list[int], dict[int, int]]:
    """Completed modules and whole percents of started ones, from completed item ids (see
    :func:`live_module_progress`); items outside the published tree do not count."""
    per_module = Counter(structure.item_module[iid] for iid in completed_item_ids if iid in structure.item_module)
    done: Counter[int] = Counter()
    for mid, count in per_module.items():
        current: int | None = mid
        while current is not None:
            done[current] += count
            current = structure.module_parent[current]
    completed, percents = [], {}
    for mid, count in done.items():
        total = structure.subtree_total[mid]
        if total > 0 and count >= total:
            completed.append(mid)
        elif count > 0:
            percents[mid] = whole_percent(count, total)
    return completed, percents


def shown_percent(stored: Decimal | None, *, complete: bool) -> int:
    """The whole percent a page shows for a stored rollup: 100 only when complete; else the two-place
    percent floored, and never 100 while an item is missing (99.996 rounds to 100.00 in storage)."""
    if complete:
        return 100
    return min(int(stored), 99) if stored else 0


def whole_percent(done: int, total: int) -> int:
    """The whole percent shown for an incomplete module with ``done`` of ``total`` required items."""
    return shown_percent(_percent(done, total), complete=False)


# Results of rollup_state (what the player does next).
ROLLUPS_CURRENT = "current"
ROLLUPS_RECOMPUTED = "recomputed"  # re-read the page: this student's rows were just rewritten
ROLLUPS_STALE = "stale"  # large course, task pending: show live_module_progress instead of stored rows

_current_memo: set[tuple[int, int]] = set()
_asked_memo: set[tuple[int, int]] = set()  # (course, version) this process asked a recompute for
# (offering, version, user) of students recomputed inline; bounded, a lost entry costs one recompute.
_student_memo: OrderedDict[tuple[int, int, int], None] = OrderedDict()
_STUDENT_MEMO_SIZE = 10_000


def rollup_state(*, user, offering, structure: CourseStructure) -> str:
    """Called by the player on load, before it shows stored rollups.

    Current when the offering's rollups were computed for this structure version or a newer one (a
    per-process memo makes the steady state free). Otherwise the background task
    (``learning.tasks.recompute_course_rollups``, enqueued when the structure changed) has not run yet:
    a course of at most ``LAZY_RECOMPUTE_MAX_ITEMS`` required items has this student's rows recomputed
    inline (cheap, once per process); a larger one is never recomputed on a request: the caller shows
    :func:`live_module_progress` (one query, no write) until the task has run."""
    key = (offering.pk, structure.version)
    if key in _current_memo:
        return ROLLUPS_CURRENT
    marker = rollups_version(offering_id=offering.pk)
    if marker is not None and marker >= structure.version:
        _current_memo.add(key)
        return ROLLUPS_CURRENT
    # Normally the structural change already enqueued the task; this asks again only when nobody has
    # for an hour: an offering added after the last change, an evicted marker, a lost enqueue. Once per
    # process and version at most (the cache add is a few queries with the database cache).
    asked = (offering.course_id, structure.version)
    if asked not in _asked_memo:
        schedule_recompute(course_id=offering.course_id, structure_version=structure.version)
        _asked_memo.add(asked)
    if structure.required_total > LAZY_RECOMPUTE_MAX_ITEMS:
        return ROLLUPS_STALE
    student_key = (offering.pk, structure.version, user.pk)
    if student_key in _student_memo:
        return ROLLUPS_CURRENT
    recompute_student_rollups(user=user, offering=offering, structure=structure)
    _student_memo[student_key] = None
    while len(_student_memo) > _STUDENT_MEMO_SIZE:
        _student_memo.popitem(last=False)
    return ROLLUPS_RECOMPUTED


def schedule_recompute(*, course_id: int, structure_version: int) -> bool:
    """Enqueue ``learning.tasks.recompute_course_rollups`` for the course's ``structure_version`` unless
    that was done within the last hour (one cache ``add``). True when it enqueued. Called after the
    commit of a structural change (``learning.signals``) and by readers that find stale rollups."""
    key = ROLLUPS_QUEUED_KEY.format(course_id=course_id, version=structure_version)
    if not cache.add(key, 1, _ROLLUPS_QUEUED_TIMEOUT):
        return False
    from learning.tasks import recompute_course_rollups  # the task module imports this one

    recompute_course_rollups.enqueue(course_id=course_id, structure_version=structure_version)
    return True


def rollups_current_for(*, offerings) -> set[int]:
    """Ids of ``offerings`` (with ``course`` loaded) whose stored rollups match their course's structure
    version: one cache read for all of them (the dashboard)."""
    keys = {ROLLUPS_VERSION_KEY.format(offering_id=o.pk): o for o in offerings}
    found = cache.get_many(list(keys)) if keys else {}
    return {o.pk for key, o in keys.items() if found.get(key) is not None and found[key] >= o.course.structure_version}


def clear_memo() -> None:
    """Forget the per-process memos (tests)."""
    _current_memo.clear()
    _student_memo.clear()
    _asked_memo.clear()
