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

from catalog.models import Course, CourseOffering, University
from catalog.permissions import VIEWER_SQL, remember_viewer, viewer_params
from learning.assessments import selectors as quiz_selectors
from learning.assessments.rules import ATTEMPTED, FAMILIAR, LEVEL_LABELS, MASTERED, NOT_STARTED, PROFICIENT
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.enrollment.selectors import ENROLLMENT_FIELDS, suggested_courses
from learning.gradebook.models import Certificate, CourseGrade
from learning.player.content import DUE_FORMAT, due_date
from learning.progress.models import UserContentProgress, UserModuleProgress
from learning.progress.rollups import rollup_version_keys, rollups_current_for
from learning.progress.selectors import shown_percent, whole_percent
from learning.progress.streaks import displayed_streak, user_zone
from lms.db import prepared_cursor

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


def _set_course_progress(*, user, enrollments: list[CourseEnrollment], found: dict | None = None) -> None:
    """``progress_percent`` (whole, 0–100; 100 only when complete) on each enrollment, consistent with
    the player: the stored course-root rollup where it matches the course's structure version, else
    computed live from the current structure. One cache read (none when ``found`` holds what a read of their
    rollup version keys found) and at most one query for all of them."""
    current = rollups_current_for(offerings=[e.course_offering for e in enrollments], found=found)
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
    return _deadlines_from(user=user, rows=rows, enrollments=enrollments, now=now, limit=limit)


def _set_mastery(*, user, enrollments: list[CourseEnrollment], summary: dict | None = None) -> None:
    """``mastery_text`` on each enrollment of a course with quiz mastery: "2 mastered, 1 proficient…"
    (``summary``: read with the enrollments; else one query)."""
    if summary is None:
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


def _nulls(count: int) -> str:
    return ", ".join(["NULL"] * count)


# Everything My learning reads about the student, in one statement (fixed text, prepared: the page is read on
# every visit), as tagged rows whose columns follow the 'e' rows (28 columns):
# 'e' every enrollment (dropped ones too: the suggestions leave out every course the student enrolled in) with
#   its offering, course and university, the stored course-root rollup, the last item touched, grade and
#   certificate (as dashboard_enrollments annotates them);
# 'm' quiz mastery counts per offering and level of the active and completed enrollments (as
#   assessments.selectors.mastery_summary counts them): count, level, offering;
# 's' the preferred subjects with their children (as suggested_courses reads them): subject id;
# 'd' the deadline candidates of the active enrollments (as _DEADLINES_SQL): item id, due_at, offering,
#   due_offset_days, title;
# 'v' the catalog's viewer rows (catalog.permissions.VIEWER_SQL: universities, listed invite-only offerings,
#   teaching), so the suggestions' visibility and the nav's Teach link read nothing more.
_DASHBOARD_SQL = f"""
WITH RECURSIVE mine AS (
    SELECT e.id, e.status, e.enrolled_at, e.completed_at, e.waitlist_position, e.status_changed_at,
           e.course_offering_id, o.course_id, o.university_id, o.term_name, o.starts_at, o.ends_at
    FROM course_enrollments e JOIN course_offerings o ON o.id = e.course_offering_id
    WHERE e.user_id = %(user)s
), vis AS (
    SELECT m.id FROM modules m
    WHERE m.course_id IN (SELECT course_id FROM mine WHERE status = 'active') AND m.parent_module_id IS NULL
    UNION ALL
    SELECT m.id FROM modules m JOIN vis ON m.parent_module_id = vis.id WHERE m.is_published
), preferred AS (
    SELECT subject_id FROM user_subject_preferences WHERE user_id = %(user)s
)
SELECT 'e', mine.id, mine.status::text, mine.enrolled_at, mine.completed_at, mine.waitlist_position,
       mine.status_changed_at, mine.course_offering_id, mine.course_id, mine.university_id, mine.term_name,
       mine.starts_at, mine.ends_at, c.code::text, c.title::text, c.structure_version, un.name, un.short_code,
       un.time_zone,
       (SELECT p.progress_percent FROM user_module_progress p JOIN modules r ON r.id = p.module_id
        WHERE p.user_id = %(user)s AND p.course_offering_id = mine.course_offering_id AND r.parent_module_id IS NULL
        LIMIT 1),
       EXISTS (SELECT 1 FROM user_module_progress p JOIN modules r ON r.id = p.module_id
               WHERE p.user_id = %(user)s AND p.course_offering_id = mine.course_offering_id
                 AND r.parent_module_id IS NULL AND p.completed_at IS NOT NULL),
       last.content_item_id, last.title,
       (SELECT g.letter_grade FROM course_grades g
        WHERE g.user_id = %(user)s AND g.course_offering_id = mine.course_offering_id LIMIT 1),
       (SELECT g.final_score FROM course_grades g
        WHERE g.user_id = %(user)s AND g.course_offering_id = mine.course_offering_id LIMIT 1),
       (SELECT g.current_score FROM course_grades g
        WHERE g.user_id = %(user)s AND g.course_offering_id = mine.course_offering_id LIMIT 1),
       (SELECT t.certificate_code FROM certificates t
        WHERE t.user_id = %(user)s AND t.course_offering_id = mine.course_offering_id ORDER BY t.issued_at DESC LIMIT 1),
       EXISTS (SELECT 1 FROM certificates t WHERE t.user_id = %(user)s
                 AND t.course_offering_id = mine.course_offering_id AND t.revoked_at IS NOT NULL)
FROM mine JOIN courses c ON c.id = mine.course_id JOIN universities un ON un.id = mine.university_id
LEFT JOIN LATERAL (
    SELECT p.content_item_id, ci.title FROM user_content_progress p JOIN content_items ci ON ci.id = p.content_item_id
    WHERE p.user_id = %(user)s AND p.course_offering_id = mine.course_offering_id
    ORDER BY p.last_interacted_at DESC, p.id DESC LIMIT 1
) last ON TRUE
UNION ALL
SELECT 'm', count(*), q.level::text, {_nulls(4)}, q.course_offering_id, {_nulls(20)}
FROM quiz_mastery q
WHERE q.user_id = %(user)s AND q.level <> %(not_started)s
  AND q.course_offering_id IN (SELECT course_offering_id FROM mine WHERE status IN ('active', 'completed'))
GROUP BY q.course_offering_id, q.level
UNION ALL
SELECT 's', s.id, {_nulls(26)}
FROM subjects s WHERE s.id IN (SELECT subject_id FROM preferred) OR s.parent_subject_id IN (SELECT subject_id FROM preferred)
UNION ALL
SELECT 'd', ci.id, ci.data_json->>'due_at', {_nulls(4)}, mine.course_offering_id, {_nulls(5)},
       ci.data_json->>'due_offset_days', ci.title::text, {_nulls(13)}
FROM mine
JOIN content_items ci ON ci.course_id = mine.course_id AND ci.is_active
JOIN vis ON vis.id = ci.module_id
JOIN content_types ct ON ct.id = ci.content_type_id AND ct.name = 'assignment'
WHERE mine.status = 'active' AND (ci.data_json ? 'due_at' OR ci.data_json ? 'due_offset_days')
  AND NOT EXISTS (SELECT 1 FROM user_content_progress p
                  WHERE p.user_id = %(user)s AND p.course_offering_id = mine.course_offering_id
                    AND p.content_item_id = ci.id AND p.completed_at IS NOT NULL)
UNION ALL
SELECT 'v', v.offering_id, v.role, {_nulls(4)}, v.other_id, v.department_id, {_nulls(19)}
FROM ({VIEWER_SQL}) AS v(offering_id, other_id, role, department_id)
"""  # noqa: S608 - only constants are formatted in


def _instance(model, names, values):
    """``model`` holding ``names`` (in its field order), every other field deferred (read → loaded)."""
    return model.from_db(connection.alias, list(names), list(values))


@dataclass
class _StudentRows:
    enrollments: list[CourseEnrollment]  # not dropped, newest status change first
    taken_course_ids: set[int]  # every enrollment's course, dropped ones too
    mastery: dict[int, dict[str, int]]
    subject_ids: list[int]
    deadline_rows: list[tuple]


def _read_student(*, user) -> _StudentRows:
    """ONE prepared query (:data:`_DASHBOARD_SQL`); primes the catalog's viewer on ``user``."""
    with prepared_cursor() as cursor:
        cursor.execute(_DASHBOARD_SQL, {**viewer_params(user), "not_started": NOT_STARTED})
        rows = cursor.fetchall()
    enrollments, taken, mastery, subjects, deadlines, viewer = [], set(), {}, [], [], []
    for row in rows:
        kind = row[0]
        if kind == "e":
            (
                pk,
                status,
                enrolled_at,
                completed_at,
                position,
                changed,
                offering_id,
                course_id,
                university_id,
                term,
                starts_at,
                ends_at,
                code,
                title,
                version,
                name,
                short_code,
                zone,
            ) = row[1:19]
            taken.add(course_id)
            if status == EnrollmentStatus.DROPPED:
                continue
            enrollment = _instance(
                CourseEnrollment,
                ENROLLMENT_FIELDS,
                (pk, user.pk, offering_id, status, enrolled_at, completed_at, position, changed),
            )
            offering = _instance(
                CourseOffering,
                ("id", "course_id", "university_id", "term_name", "starts_at", "ends_at"),
                (offering_id, course_id, university_id, term, starts_at, ends_at),
            )
            offering.course = _instance(
                Course,
                ("id", "university_id", "title", "code", "structure_version"),
                (course_id, university_id, title, code, version),
            )
            offering.university = _instance(
                University, ("id", "name", "short_code", "time_zone"), (university_id, name, short_code, zone)
            )
            enrollment.course_offering = offering
            (
                enrollment.stored_percent,
                enrollment.stored_complete,
                enrollment.last_item_id,
                enrollment.last_item_title,
                enrollment.letter_grade,
                enrollment.final_score,
                enrollment.current_score,
                enrollment.certificate_code,
                enrollment.certificate_revoked,
            ) = row[19:28]
            enrollments.append(enrollment)
        elif kind == "m":
            mastery.setdefault(row[7], {})[row[2]] = row[1]
        elif kind == "s":
            subjects.append(row[1])
        elif kind == "v":
            viewer.append((row[1], row[7], row[2], row[8]))
        else:
            deadlines.append((row[7], row[1], row[14], row[2], row[13]))
    remember_viewer(user, viewer)
    enrollments.sort(key=lambda e: (e.status_changed_at, e.pk), reverse=True)
    return _StudentRows(
        enrollments=enrollments,
        taken_course_ids=taken,
        mastery=mastery,
        subject_ids=sorted(subjects),
        deadline_rows=deadlines,
    )


def _deadlines_from(*, user, rows, enrollments, now, limit: int = DEADLINES_SHOWN) -> list[Deadline]:
    """The deadlines of ``rows`` (offering, item id, title, due_at, due_offset_days) due after ``now``, soonest
    first (as :func:`upcoming_deadlines`)."""
    by_offering = {e.course_offering_id: e for e in enrollments if e.status == EnrollmentStatus.ACTIVE}
    if not by_offering:
        return []
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


def get_dashboard(*, user, now: datetime | None = None) -> Dashboard:
    """ONE prepared query for the student's rows (:data:`_DASHBOARD_SQL`: enrollments with progress, grade and
    certificate, quiz mastery, preferred subjects, deadline candidates), the live course progress of
    offerings whose rollups predate their structure (only when there are such), and the suggestions (the
    viewer's visibility, cached on the user, and the shared ranking from the catalog's page cache; one
    query more when it misses); plus one cache read for the ranking and the rollup versions together (the
    rollup versions alone when there are no suggestions to read) and none for the streak (on the user row)."""
    now = now or timezone.now()
    student = _read_student(user=user)
    enrollments = student.enrollments
    learning = [e for e in enrollments if e.status == EnrollmentStatus.ACTIVE]
    # The rollup versions are read in the suggestions' cache round trip when there is one.
    reads: list[dict] = []
    suggestions = suggested_courses(
        user=user,
        subject_ids=student.subject_ids,
        taken=student.taken_course_ids,
        extra_keys=rollup_version_keys(offerings=[e.course_offering for e in learning]),
        on_read=reads.append,
    )
    _set_course_progress(user=user, enrollments=learning, found=reads[0] if reads else None)
    _set_mastery(user=user, enrollments=enrollments, summary=student.mastery)
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
        suggestions=suggestions,
        deadlines=_deadlines_from(user=user, rows=student.deadline_rows, enrollments=enrollments, now=now),
    )
