"""Enrollment reads: a student's standing on a course's prerequisites, the enroll panel of the course
page (composed into catalog's template by ``learning_tags``), the "My learning" dashboard and course
suggestions.

Contract:
- Pure reads, keyword-only, typed; a fixed number of queries whatever the number of offerings,
  prerequisites or enrollments (documented per function).
- The panel states mirror the rules of :mod:`learning.services` (which enforces them; the panel only
  explains): the service stays the authority, a stale panel at worst shows a button the service refuses
  with its message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import dateformat, timezone

from accounts.models import UserSubjectPreference
from catalog.models import (
    Course,
    CourseOffering,
    CoursePrerequisite,
    CourseSubject,
    OfferingVisibility,
    PrerequisiteType,
    Subject,
)
from catalog.permissions import courses_visible_to, valid_invitation_q
from learning.models import (
    Certificate,
    CourseEnrollment,
    CourseGrade,
    CourseInvitation,
    EnrollmentStatus,
    UserContentProgress,
    UserModuleProgress,
)
from learning.player_content import DUE_FORMAT, due_date
from learning.progress import displayed_streak, rollups_current_for, shown_percent, user_zone, whole_percent

DEADLINES_SHOWN = 10


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Two date ranges overlap; a missing bound is open-ended."""
    return (a_start is None or b_end is None or a_start < b_end) and (b_start is None or a_end is None or b_start < a_end)


# --- prerequisites -----------------------------------------------------------------------------


@dataclass
class Missing:
    strict: list[str] = field(default_factory=list)
    co_requisite: list[str] = field(default_factory=list)
    recommended: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.strict or self.co_requisite)


@dataclass
class PrerequisiteRow:
    link: CoursePrerequisite
    met: bool

    @property
    def course(self) -> Course:
        return self.link.prerequisite_course

    @property
    def kind(self) -> str:
        return self.link.prerequisite_type


@dataclass
class PrerequisiteStanding:
    links: list[CoursePrerequisite]
    completed: set[int] = field(default_factory=set)
    # course id → date ranges of the offerings the student takes or took (active/completed).
    taking: dict[int, list[tuple[datetime | None, datetime | None]]] = field(default_factory=dict)

    def is_met(self, link: CoursePrerequisite, offering: CourseOffering | None = None) -> bool:
        course_id = link.prerequisite_course_id
        if course_id in self.completed:
            return True
        if link.prerequisite_type != PrerequisiteType.CO_REQUISITE:
            return False
        spans = self.taking.get(course_id, [])
        if offering is None:
            return bool(spans)
        return any(_overlaps(offering.starts_at, offering.ends_at, s, e) for s, e in spans)

    def missing_for(self, offering: CourseOffering | None) -> Missing:
        missing = Missing()
        for link in self.links:
            if self.is_met(link, offering):
                continue
            label = link.prerequisite_course.code
            if link.prerequisite_type == PrerequisiteType.STRICT:
                missing.strict.append(label)
            elif link.prerequisite_type == PrerequisiteType.CO_REQUISITE:
                missing.co_requisite.append(label)
            else:
                missing.recommended.append(label)
        return missing

    def rows(self) -> list[PrerequisiteRow]:
        return [PrerequisiteRow(link=link, met=self.is_met(link)) for link in self.links]


_STANDING_SQL = """
SELECT o.course_id, e.status, o.starts_at, o.ends_at
FROM course_enrollments e JOIN course_offerings o ON o.id = e.course_offering_id
WHERE e.user_id = %(user)s AND o.course_id = ANY(%(courses)s) AND e.status IN ('active', 'completed')
UNION ALL
SELECT o.course_id, 'passed', NULL, NULL
FROM course_grades g JOIN course_offerings o ON o.id = g.course_offering_id
WHERE g.user_id = %(user)s AND o.course_id = ANY(%(courses)s) AND g.passed
"""


def prerequisite_links(*, course: Course) -> list[CoursePrerequisite]:
    """One query: the course's prerequisite links with their courses and universities."""
    return list(
        CoursePrerequisite.objects.filter(course_id=course.pk)
        .select_related("prerequisite_course__university")
        .defer("prerequisite_course__search_vector")
        .order_by("prerequisite_type", "prerequisite_course__code")
    )


def get_prerequisite_standing(
    *, user, course: Course, links: list[CoursePrerequisite] | None = None
) -> PrerequisiteStanding:
    """At most two queries: the links (unless given) and the student's record on those courses."""
    if links is None:
        links = prerequisite_links(course=course)
    standing = PrerequisiteStanding(links=links)
    if not links or not _signed_in(user):
        return standing
    with connection.cursor() as cursor:
        cursor.execute(
            _STANDING_SQL, {"user": user.pk, "courses": [link.prerequisite_course_id for link in links]}
        )
        for course_id, status, starts_at, ends_at in cursor.fetchall():
            if status in ("completed", "passed"):
                standing.completed.add(course_id)
            if status in ("active", "completed"):
                standing.taking.setdefault(course_id, []).append((starts_at, ends_at))
    return standing


# --- the enroll panel --------------------------------------------------------------------------


@dataclass
class EnrollState:
    """What the Enroll button of one offering says. ``code`` names the template branch."""

    offering: CourseOffering
    code: str
    enrollment: CourseEnrollment | None = None
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    opens_at: datetime | None = None
    can_submit: bool = False
    needs_code: bool = False

    @property
    def seats_left(self) -> int | None:
        o = self.offering
        return None if o.capacity is None else max(o.capacity - o.enrolled_count, 0)


@dataclass
class EnrollPanel:
    states: list[EnrollState]
    prerequisites: list[PrerequisiteRow]
    signed_in: bool


def enroll_panel(
    *, user, course: Course, offerings: list[CourseOffering], links: list[CoursePrerequisite] | None = None,
    invitation_code: str | None = None, now: datetime | None = None,
) -> EnrollPanel:
    """States of the Enroll buttons. Queries: the user's enrollments in these offerings (1), their
    prerequisite standing (≤ 2), their e-mail invitations when an offering is invite-only (≤ 1)."""
    now = now or timezone.now()
    signed_in = _signed_in(user)
    standing = get_prerequisite_standing(user=user, course=course, links=links)
    enrollments: dict[int, CourseEnrollment] = {}
    invited: set[int] = set()
    if signed_in and offerings:
        ids = [o.pk for o in offerings]
        enrollments = {
            e.course_offering_id: e
            for e in CourseEnrollment.objects.filter(user_id=user.pk, course_offering_id__in=ids)
        }
        invite_only = [o.pk for o in offerings if o.visibility == OfferingVisibility.INVITE_ONLY]
        if invite_only:
            invited = set(
                CourseInvitation.objects.filter(course_offering_id__in=invite_only)
                .filter(valid_invitation_q(email=user.email))
                .values_list("course_offering_id", flat=True)
            )
    states = []
    for offering in offerings:
        states.append(
            _state_for(
                offering=offering, enrollment=enrollments.get(offering.pk), standing=standing, signed_in=signed_in,
                invited=offering.pk in invited, invitation_code=invitation_code, now=now,
            )
        )
    return EnrollPanel(states=states, prerequisites=standing.rows(), signed_in=signed_in)


def _state_for(*, offering, enrollment, standing, signed_in, invited, invitation_code, now) -> EnrollState:
    if enrollment is not None and enrollment.status != EnrollmentStatus.DROPPED:
        return EnrollState(offering=offering, code=enrollment.status, enrollment=enrollment)
    if (offering.enrollment_end is not None and now >= offering.enrollment_end) or (
        offering.ends_at is not None and now >= offering.ends_at
    ):
        return EnrollState(offering=offering, code="closed", enrollment=enrollment)
    if offering.enrollment_start is not None and now < offering.enrollment_start:
        return EnrollState(offering=offering, code="opens", opens_at=offering.enrollment_start, enrollment=enrollment)
    if not signed_in:
        return EnrollState(offering=offering, code="sign_in")
    needs_code = (
        offering.visibility == OfferingVisibility.INVITE_ONLY and enrollment is None and not invited
    )
    missing = standing.missing_for(offering)
    if missing.strict:
        return EnrollState(offering=offering, code="prerequisites", missing=missing.strict, enrollment=enrollment)
    if missing.co_requisite:
        return EnrollState(offering=offering, code="corequisites", missing=missing.co_requisite, enrollment=enrollment)
    warnings = missing.recommended
    if needs_code:
        code = "invite_only"
    elif offering.requires_approval:
        code = "request"
    elif offering.capacity is not None and offering.enrolled_count >= offering.capacity:
        code = "full"
    else:
        code = "open"
    return EnrollState(
        offering=offering, code=code, enrollment=enrollment, warnings=warnings, can_submit=True, needs_code=needs_code
    )


# --- my learning -------------------------------------------------------------------------------


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
    ``learning.progress``; :func:`get_dashboard` replaces them when they predate the structure), the last
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
            certificate_code=Subquery(
                Certificate.objects.filter(user_id=user.pk, course_offering_id=offering)
                .order_by("-issued_at")
                .values("certificate_code")[:1]
            ),
        )
        .order_by("-status_changed_at", "-id")
    )


def suggested_courses(*, user, limit: int = 6) -> list[Course]:
    """At most two queries: the preferred subjects with their children (ids, one query), then visible
    courses whose primary or a listed subject is one of them, not already taken, best rated first.
    The ids are read first so the course query can use the subject indexes (a correlated subquery
    made PostgreSQL scan every course)."""
    if not _signed_in(user):
        return []
    preferred = UserSubjectPreference.objects.filter(user_id=user.pk).values("subject_id")
    subject_ids = list(
        Subject.objects.filter(Q(pk__in=preferred) | Q(parent_subject_id__in=preferred)).values_list("pk", flat=True)
    )
    if not subject_ids:
        return []
    taken = CourseEnrollment.objects.filter(user_id=user.pk, course_offering__course_id=OuterRef("pk"))
    listed = CourseSubject.objects.filter(subject_id__in=subject_ids).values("course_id")
    return list(
        courses_visible_to(user)
        .filter(Q(primary_subject_id__in=subject_ids) | Q(pk__in=listed))
        .exclude(Exists(taken))
        .select_related("university")
        .defer("search_vector", "description")
        .order_by(F("rating_avg").desc(nulls_last=True), "-rating_count", "title")[:limit]
    )


# The student's completed share of the required items (active items of the published tree, as in
# learning.outline) of each listed offering's course, computed from the current structure: for offerings
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
# the published tree (as in learning.outline), not completed by the student.
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


def get_dashboard(*, user, now: datetime | None = None) -> Dashboard:
    """Four queries whatever the number of enrollments: enrollments, the live course progress of
    offerings whose rollups predate their structure (only when there are such), deadlines, suggestions
    (≤ 2); plus one cache read for the rollup versions and none for the streak (on the user row)."""
    now = now or timezone.now()
    enrollments = list(dashboard_enrollments(user=user))
    _set_course_progress(
        user=user, enrollments=[e for e in enrollments if e.status == EnrollmentStatus.ACTIVE]
    )
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
    waitlisted.sort(key=lambda e: (e.waitlist_position or 0))
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


def offering_invitations(*, offering: CourseOffering) -> QuerySet[CourseInvitation]:
    return CourseInvitation.objects.filter(course_offering_id=offering.pk).select_related("created_by").order_by(
        "-created_at", "-id"
    )
