"""Rollups after structure changes: every student's module rollups of an offering recomputed in bulk.

Contract:
- :func:`recompute_course_rollups` (one offering, every student) and :func:`recompute_student_rollups`
  (one student, the player's inline path on small courses) run the same set-based SQL (a recursive CTE
  over the course's published tree): no per-student or per-module loop. Both complete the enrollments
  whose course root is complete now, through ``learning.enrollment.services``.
- Concurrency: :func:`recompute_course_rollups` locks all of the offering's enrollment rows in id order
  first, so it serialises with :func:`learning.progress.services.record_item_progress` (which locks one
  of them) and cannot deadlock with it.
- The structure version the offering's rollups match is recorded in Django's cache after commit
  (:func:`rollups_version`, :func:`rollups_current_for`); :func:`recompute_rollups_for_version` is the
  body of the background task (:mod:`learning.progress.tasks`), idempotent and skipped once a newer
  version exists.
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Course, CourseOffering
from learning.enrollment import services as enrollment_services
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.progress.models import UserModuleProgress
from learning.progress.services import lock_learner_enrollment
from learning.progress.structure import CourseStructure

ROLLUPS_VERSION_KEY = "learning:rollups-version:{offering_id}"
_ROLLUPS_VERSION_TIMEOUT = None  # forever: a missing marker only costs one recomputation


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
            done_users = UserModuleProgress.objects.filter(
                course_offering_id=offering.pk, module_id=root[0], completed_at__isnull=False
            ).values("user_id")
            enrollment_services.record_course_completions(offering_id=offering.pk, user_ids=done_users, now=now)
        key = ROLLUPS_VERSION_KEY.format(offering_id=offering.pk)
        transaction.on_commit(lambda: cache.set(key, version, _ROLLUPS_VERSION_TIMEOUT))
    return version


def recompute_rollups_for_version(*, course_id: int, structure_version: int, now: datetime | None = None) -> list[int]:
    """The background task's body (``learning.progress.tasks.recompute_course_rollups``): bring the rollups of
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
        enrollment_id, status = lock_learner_enrollment(user_id=user.pk, offering_id=offering.pk)
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
            return enrollment_services.record_course_completion(enrollment_id=enrollment_id, now=now)
    return False


def rollup_version_keys(*, offerings) -> list[str]:
    """The cache keys :func:`rollups_current_for` reads, so a caller can read them with its own keys."""
    return [ROLLUPS_VERSION_KEY.format(offering_id=o.pk) for o in offerings]


def rollups_current_for(*, offerings, found: dict | None = None) -> set[int]:
    """Ids of ``offerings`` (with ``course`` loaded) whose stored rollups match their course's structure
    version: one cache read for all of them (the dashboard), none when ``found`` holds what a read of
    :func:`rollup_version_keys` found."""
    keys = {ROLLUPS_VERSION_KEY.format(offering_id=o.pk): o for o in offerings}
    if found is None:
        found = cache.get_many(list(keys)) if keys else {}
    return {o.pk for key, o in keys.items() if found.get(key) is not None and found[key] >= o.course.structure_version}
