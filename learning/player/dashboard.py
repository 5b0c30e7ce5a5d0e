"""The "My learning" dashboard: a student's enrollments by state with their course progress, last item,
grade and certificate, upcoming deadlines, streak and course suggestions.

Contract: pure reads, keyword-only; a fixed number of queries whatever the number of enrollments
(:func:`get_dashboard` states the budget). It lives with the player because it shows what the layers
below keep: enrollments (:mod:`learning.enrollment`), progress rollups and streaks
(:mod:`learning.progress`), grades and certificates (:mod:`learning.gradebook`), due dates of the
player's content (:mod:`learning.player.content`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import dateformat, timezone
from django.utils.translation import gettext

from catalog.models import Course, CourseOffering
from learning.assessments import selectors as quiz_selectors
from learning.assessments.rules import ATTEMPTED, FAMILIAR, LEVEL_LABELS, MASTERED, PROFICIENT
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.enrollment.selectors import suggested_courses
from learning.gradebook.models import Certificate, CourseGrade
from learning.player.content import DUE_FORMAT, due_date
from learning.progress.models import UserContentProgress, UserModuleProgress
from learning.progress.rollups import rollups_current_for
from learning.progress.selectors import shown_percent, whole_percent
from learning.progress.streaks import displayed_streak, user_zone

DEADLINES_SHOWN = 10


@dataclass
class Deadline:
    """An assessment of an active enrollment that is due in the future and not completed yet."""

    enrollment: CourseEnrollment
    item_id: int
    title: str
    due_at: datetime
    local_due: datetime  # in the student's time zone

    @property
    def offering(self) -> CourseOffering:
        return self.enrollment.course_offering

    @property
    def due_display(self) -> str:
        return dateformat.format(self.local_due, DUE_FORMAT)


MASTERY_ORDER = (MASTERED, PROFICIENT, FAMILIAR, ATTEMPTED)


@dataclass
class Dashboard:
    active: list[CourseEnrollment]
    upcoming: list[CourseEnrollment]
    pending: list[CourseEnrollment]
    waitlisted: list[CourseEnrollment]
    completed: list[CourseEnrollment]
    streak: int
    suggestions: list[Course]
    deadlines: list[Deadline] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.active or self.upcoming or self.pending or self.waitlisted or self.completed)


def dashboard_enrollments(*, user) -> QuerySet[CourseEnrollment]:
    """ONE query: the student's enrollments (not dropped) with offering, course and university, the
    stored course-root progress rollup (``stored_percent``, ``stored_complete``: maintained by
    ``learning.progress.services``; :func:`get_dashboard` replaces them when they predate the structure), the last
    item touched, grade and certificate."""
    offering = OuterRef("course_offering_id")
    last = UserContentProgress.objects.filter(user_id=user.pk, course_offering_id=offering).order_by(
        "-last_interacted_at", "-id"
    )
    grade = CourseGrade.objects.filter(user_id=user.pk, course_offering_id=offering)
    root = UserModuleProgress.objects.filter(
        user_id=user.pk, course_offering_id=offering, module__parent_module__isnull=True
    )
    return (
        CourseEnrollment.objects.filter(user_id=user.pk)
        .exclude(status=EnrollmentStatus.DROPPED)
        .select_related("course_offering__course", "course_offering__university")
        .defer("course_offering__course__search_vector", "course_offering__course__description")
        .annotate(
            stored_percent=Subquery(root.values("progress_percent")[:1]),
            stored_complete=Exists(root.filter(completed_at__isnull=False)),
            last_item_id=Subquery(last.values("content_item_id")[:1]),
            last_item_title=Subquery(last.values("content_item__title")[:1]),
            letter_grade=Subquery(grade.values("letter_grade")[:1]),
            final_score=Subquery(grade.values("final_score")[:1]),
            current_score=Subquery(grade.values("current_score")[:1]),
            certificate_code=Subquery(
                Certificate.objects.filter(user_id=user.pk, course_offering_id=offering)
                .order_by("-issued_at")
                .values("certificate_code")[:1]
            ),
            certificate_revoked=Exists(
                Certificate.objects.filter(user_id=user.pk, course_offering_id=offering, revoked_at__isnull=False)
            ),
        )
        .order_by("-status_changed_at", "-id")
    )


# The student's completed share of the required items (active items of the published tree, as in
# learning.progress.structure) of each listed offering's course, computed from the current structure: for offerings
# whose stored rollups predate it (the background recompute has not run yet).
_LIVE_COURSE_PROGRESS_SQL = """
WITH RECURSIVE pairs AS (
    SELECT * FROM unnest(%(offerings)s::bigint[], %(courses)s::bigint[]) AS t(offering_id, course_id)
), vis AS (
    SELECT m.id, m.course_id FROM modules m
    WHERE m.course_id = ANY(%(courses)s::bigint[]) AND m.parent_module_id IS NULL
    UNION ALL
    SELECT m.id, m.course_id FROM modules m JOIN vis ON m.parent_module_id = vis.id WHERE m.is_published
), req AS (
    SELECT ci.id, ci.course_id FROM content_items ci JOIN vis ON vis.id = ci.module_id WHERE ci.is_active
)
SELECT pairs.offering_id,
       (SELECT count(*) FROM req WHERE req.course_id = pairs.course_id) AS total,
       (SELECT count(*) FROM user_content_progress p JOIN req ON req.id = p.content_item_id
        WHERE p.user_id = %(user)s AND p.course_offering_id = pairs.offering_id
          AND p.completed_at IS NOT NULL) AS done
FROM pairs
"""


def _set_course_progress(*, user, enrollments: list[CourseEnrollment]) -> None:
    """``progress_percent`` (whole, 0–100; 100 only when complete) on each enrollment, consistent with
    the player: the stored course-root rollup where it matches the course's structure version, else
    computed live from the current structure. One cache read and at most one query for all of them."""
    current = rollups_current_for(offerings=[e.course_offering for e in enrollments])
    stale = [e for e in enrollments if e.course_offering_id not in current]
    for e in enrollments:
        e.progress_percent = shown_percent(e.stored_percent, complete=e.stored_complete)
    if not stale:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _LIVE_COURSE_PROGRESS_SQL,
            {
                "user": user.pk,
                "offerings": [e.course_offering_id for e in stale],
                "courses": [e.course_offering.course_id for e in stale],
            },
        )
        live = {offering_id: (total, done) for offering_id, total, done in cursor.fetchall()}
    for e in stale:
        total, done = live.get(e.course_offering_id, (0, 0))
        e.progress_percent = 100 if total and done >= total else whole_percent(done, total)


# Assignments of the student's active enrollments: the raw due fields (the due date is computed and
# checked in Python, so a malformed stored value is skipped rather than failing the page). Only items of
# the published tree (as in learning.progress.structure), not completed by the student.
_DEADLINES_SQL = """
WITH RECURSIVE ens AS (
    SELECT e.course_offering_id AS offering_id, o.course_id FROM course_enrollments e
    JOIN course_offerings o ON o.id = e.course_offering_id
    WHERE e.user_id = %(user)s AND e.status = 'active'
), vis AS (
    SELECT m.id FROM modules m WHERE m.course_id IN (SELECT course_id FROM ens) AND m.parent_module_id IS NULL
    UNION ALL
    SELECT m.id FROM modules m JOIN vis ON m.parent_module_id = vis.id WHERE m.is_published
)
SELECT ens.offering_id, ci.id, ci.title, ci.data_json->>'due_at', ci.data_json->>'due_offset_days'
FROM ens
JOIN content_items ci ON ci.course_id = ens.course_id AND ci.is_active
JOIN vis ON vis.id = ci.module_id
JOIN content_types ct ON ct.id = ci.content_type_id AND ct.name = 'assignment'
WHERE (ci.data_json ? 'due_at' OR ci.data_json ? 'due_offset_days')
  AND NOT EXISTS (SELECT 1 FROM user_content_progress p
                  WHERE p.user_id = %(user)s AND p.course_offering_id = ens.offering_id
                    AND p.content_item_id = ci.id AND p.completed_at IS NOT NULL)
"""


def upcoming_deadlines(
    *, user, enrollments: list[CourseEnrollment], now: datetime, limit: int = DEADLINES_SHOWN
) -> list[Deadline]:
    """ONE query: the not yet completed assignments of the student's active enrollments that are due
    after ``now``, soonest first (``enrollments``: the dashboard's, already loaded)."""
    by_offering = {e.course_offering_id: e for e in enrollments if e.status == EnrollmentStatus.ACTIVE}
    if not by_offering:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_DEADLINES_SQL, {"user": user.pk})
        rows = cursor.fetchall()
    zone = user_zone(user)
    deadlines = []
    for offering_id, item_id, title, due_at, offset in rows:
        enrollment = by_offering.get(offering_id)
        if enrollment is None:
            continue
        due = due_date(
            due_at=due_at,
            due_offset_days=offset,
            starts_at=enrollment.course_offering.starts_at,
            enrolled_at=enrollment.enrolled_at,
        )
        if due is not None and due > now:
            deadlines.append(
                Deadline(
                    enrollment=enrollment, item_id=item_id, title=title, due_at=due, local_due=due.astimezone(zone)
                )
            )
    deadlines.sort(key=lambda d: (d.due_at, d.item_id))
    return deadlines[:limit]


def _set_mastery(*, user, enrollments: list[CourseEnrollment]) -> None:
    """``mastery_text`` on each enrollment of a course with quiz mastery: "2 mastered, 1 proficient…"."""
    learning = [e for e in enrollments if e.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)]
    summary = (
        quiz_selectors.mastery_summary(user=user, offering_ids=[e.course_offering_id for e in learning])
        if learning
        else {}
    )
    for enrollment in enrollments:
        counts = summary.get(enrollment.course_offering_id, {})
        enrollment.mastery_text = ", ".join(
            f"{counts[level]} {gettext(LEVEL_LABELS[level]).lower()}" for level in MASTERY_ORDER if counts.get(level)
        )


def get_dashboard(*, user, now: datetime | None = None) -> Dashboard:
    """Five queries whatever the number of enrollments: enrollments, the live course progress of
    offerings whose rollups predate their structure (only when there are such), quiz mastery per
    course, deadlines, suggestions (≤ 2); plus one cache read for the rollup versions and none for the
    streak (on the user row)."""
    now = now or timezone.now()
    enrollments = list(dashboard_enrollments(user=user))
    _set_course_progress(user=user, enrollments=[e for e in enrollments if e.status == EnrollmentStatus.ACTIVE])
    _set_mastery(user=user, enrollments=enrollments)
    active, upcoming, pending, waitlisted, completed = [], [], [], [], []
    for enrollment in enrollments:
        offering = enrollment.course_offering
        if enrollment.status == EnrollmentStatus.COMPLETED:
            completed.append(enrollment)
        elif enrollment.status == EnrollmentStatus.WAITLISTED:
            waitlisted.append(enrollment)
        elif enrollment.status == EnrollmentStatus.PENDING:
            pending.append(enrollment)
        elif offering.starts_at is not None and offering.starts_at > now:
            upcoming.append(enrollment)
        else:
            active.append(enrollment)
    upcoming.sort(key=lambda e: e.course_offering.starts_at)
    waitlisted.sort(key=lambda e: e.waitlist_position or 0)
    return Dashboard(
        active=active,
        upcoming=upcoming,
        pending=pending,
        waitlisted=waitlisted,
        completed=completed,
        streak=displayed_streak(user, now),
        suggestions=suggested_courses(user=user),
        deadlines=upcoming_deadlines(user=user, enrollments=enrollments, now=now),
    )
