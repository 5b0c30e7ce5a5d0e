"""Enrollment reads: a student's standing on a course's prerequisites, the enroll panel of the course
page (composed into catalog's template by ``learning_tags``), course suggestions and an offering's
invitations. (The "My learning" dashboard shows progress and grades too: :mod:`learning.player.dashboard`.)

Contract:
- Pure reads, keyword-only, typed; a fixed number of queries whatever the number of offerings,
  prerequisites or enrollments (documented per function).
- The panel states mirror the rules of :mod:`learning.enrollment.rules` (which enforces them; the panel only
  explains): the service stays the authority, a stale panel at worst shows a button the service refuses
  with its message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import UserSubjectPreference
from catalog import pagecache
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
from learning.enrollment.models import CourseEnrollment, CourseInvitation, EnrollmentStatus
from lms.db import prepared_cursor


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Two date ranges overlap; a missing bound is open-ended."""
    return (a_start is None or b_end is None or a_start < b_end) and (
        b_start is None or a_end is None or b_start < a_end
    )


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
        cursor.execute(_STANDING_SQL, {"user": user.pk, "courses": [link.prerequisite_course_id for link in links]})
        for course_id, status, starts_at, ends_at in cursor.fetchall():
            if status in ("completed", "passed"):
                standing.completed.add(course_id)
            if status in ("active", "completed"):
                standing.taking.setdefault(course_id, []).append((starts_at, ends_at))
    return standing


# --- the course page's reads of one student, in one statement ----------------------------------

# The enrollment columns the page statements read, in their order (also learning/player/dashboard.py's).
ENROLLMENT_FIELDS = (
    "id",
    "user_id",
    "course_offering_id",
    "status",
    "enrolled_at",
    "completed_at",
    "waitlist_position",
    "status_changed_at",
)

# Everything the course page reads about one signed-in student, as tagged rows (fixed text, prepared: read
# on every course page view): 'e' their enrollments in the course's offerings (any status), with whether
# they reached the review share of the course (``share``: the course root's progress, as
# learning.community.permissions.review_eligibility reads it); 's' their record on the prerequisite courses
# (as _STANDING_SQL); 'i' the course's invite-only offerings they hold a still-usable e-mail invitation to
# (as catalog.permissions.valid_invitation_q). The prerequisite courses are read from the course's links, not
# passed as an array: with ``= ANY(%(prerequisites)s)`` (or unnest) PostgreSQL found every custom plan cheaper
# than the generic one (it sees the array's length) and planned the statement again on every execution.
_COURSE_PAGE_STUDENT_SQL = """
SELECT 'e', e.course_offering_id, e.id, e.status::text, e.enrolled_at, e.completed_at, e.waitlist_position,
       e.status_changed_at,
       EXISTS (SELECT 1 FROM user_module_progress p JOIN modules m ON m.id = p.module_id
               WHERE p.user_id = %(user)s AND p.course_offering_id = e.course_offering_id
                 AND m.course_id = %(course)s AND m.module_type = 'course_root'
                 AND p.progress_percent >= %(share)s::numeric)
FROM course_enrollments e JOIN course_offerings o ON o.id = e.course_offering_id
WHERE e.user_id = %(user)s AND o.course_id = %(course)s
UNION ALL
SELECT 's', o.course_id, NULL, e.status::text, o.starts_at, o.ends_at, NULL, NULL, NULL
FROM course_prerequisites pre
JOIN course_offerings o ON o.course_id = pre.prerequisite_course_id
JOIN course_enrollments e ON e.course_offering_id = o.id
WHERE pre.course_id = %(course)s AND e.user_id = %(user)s AND e.status IN ('active', 'completed')
UNION ALL
SELECT 's', o.course_id, NULL, 'passed', NULL, NULL, NULL, NULL, NULL
FROM course_prerequisites pre
JOIN course_offerings o ON o.course_id = pre.prerequisite_course_id
JOIN course_grades g ON g.course_offering_id = o.id
WHERE pre.course_id = %(course)s AND g.user_id = %(user)s AND g.passed
UNION ALL
SELECT 'i', o.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM course_offerings o JOIN course_invitations i ON i.course_offering_id = o.id
WHERE o.course_id = %(course)s AND o.visibility = 'invite_only' AND UPPER(i.email::text) = UPPER(%(email)s::text)
  AND (i.expires_at IS NULL OR i.expires_at > %(now)s::timestamptz)
  AND (i.max_uses IS NULL OR i.used_count < i.max_uses)
"""


@dataclass
class CoursePageStudent:
    """One student's side of a course page (:func:`course_page_student`)."""

    enrollments: dict[int, CourseEnrollment]  # offering id → their enrollment (any status)
    reached_share: set[int]  # offerings where they reached the review share
    standing: PrerequisiteStanding
    invited: set[int]  # invite-only offerings of the course with a usable e-mail invitation


def course_page_student(
    *, user, course: Course, links: list[CoursePrerequisite], review_share, now: datetime | None = None
) -> CoursePageStudent:
    """ONE prepared query (:data:`_COURSE_PAGE_STUDENT_SQL`): the student's enrollments in ``course``, their
    standing on its prerequisite ``links``, their e-mail invitations to its invite-only offerings and where
    they reached ``review_share`` of the course. Only for a signed-in user."""
    standing = PrerequisiteStanding(links=links)
    enrollments: dict[int, CourseEnrollment] = {}
    shares: set[int] = set()
    invited: set[int] = set()
    with prepared_cursor() as cursor:
        cursor.execute(
            _COURSE_PAGE_STUDENT_SQL,
            {
                "user": user.pk,
                "course": course.pk,
                "share": review_share,
                "email": user.email,
                "now": now or timezone.now(),
            },
        )
        rows = cursor.fetchall()
    for kind, other_id, pk, status, first, second, position, changed, share in rows:
        if kind == "e":
            enrollments[other_id] = CourseEnrollment.from_db(
                connection.alias,
                list(ENROLLMENT_FIELDS),
                [pk, user.pk, other_id, status, first, second, position, changed],
            )
            if share:
                shares.add(other_id)
        elif kind == "s":
            if status in ("completed", "passed"):
                standing.completed.add(other_id)
            if status in ("active", "completed"):
                standing.taking.setdefault(other_id, []).append((first, second))
        else:
            invited.add(other_id)
    return CoursePageStudent(enrollments=enrollments, reached_share=shares, standing=standing, invited=invited)


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
    # set by the layer that shows certificates (learning_tags.enroll_panel) for a completed enrollment
    certificate: object | None = None

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
    *,
    user,
    course: Course,
    offerings: list[CourseOffering],
    links: list[CoursePrerequisite] | None = None,
    invitation_code: str | None = None,
    now: datetime | None = None,
    student: CoursePageStudent | None = None,
) -> EnrollPanel:
    """States of the Enroll buttons. Queries: the user's enrollments in these offerings (1), their
    prerequisite standing (≤ 2), their e-mail invitations when an offering is invite-only (≤ 1); none when
    ``student`` (:func:`course_page_student`, read with ``links``) is given."""
    now = now or timezone.now()
    signed_in = _signed_in(user)
    enrollments: dict[int, CourseEnrollment] = {}
    invited: set[int] = set()
    if student is not None:
        standing = student.standing
        if signed_in:
            shown = {o.pk for o in offerings}
            enrollments = {pk: e for pk, e in student.enrollments.items() if pk in shown}
            invited = {
                o.pk for o in offerings if o.visibility == OfferingVisibility.INVITE_ONLY and o.pk in student.invited
            }
    else:
        standing = get_prerequisite_standing(user=user, course=course, links=links)
    if student is None and signed_in and offerings:
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
                offering=offering,
                enrollment=enrollments.get(offering.pk),
                standing=standing,
                signed_in=signed_in,
                invited=offering.pk in invited,
                invitation_code=invitation_code,
                now=now,
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
    needs_code = offering.visibility == OfferingVisibility.INVITE_ONLY and enrollment is None and not invited
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


# Suggestions are the best-rated visible courses of the preferred subjects the student has not taken: the
# ranking is shared (catalog.pagecache, by catalog version, visibility and subjects), this many deep, and the
# student's own courses are taken out per request.
SUGGESTION_POOL = 50


def _ranked_in_subjects(*, user, subject_ids: list[int], limit: int) -> list[Course]:
    listed = CourseSubject.objects.filter(subject_id__in=subject_ids).values("course_id")
    return list(
        courses_visible_to(user)
        .filter(Q(primary_subject_id__in=subject_ids) | Q(pk__in=listed))
        .select_related("university")
        .defer("search_vector", "description")
        .order_by(F("rating_avg").desc(nulls_last=True), "-rating_count", "title")[:limit]
    )


def suggested_courses(
    *,
    user,
    limit: int = 6,
    subject_ids: list[int] | None = None,
    taken: set[int] | None = None,
    extra_keys: list[str] | tuple[str, ...] = (),
    on_read=None,
) -> list[Course]:
    """Three queries and one cache read: the preferred subjects with their children (ids), the viewer's
    visibility (cached on the user: the catalog pages read it too) and the courses the student has
    enrolled in (any status); the ranking of the visible courses whose primary or a listed subject is one
    of them, best rated first, comes from the catalog's page cache (built with one query, read by index:
    the ids are read first so the course query can use the subject indexes). When the student has taken
    so many of the best that the shared ranking runs out, the ranking is read for them alone (one query).
    ``subject_ids`` (the preferred subjects with their children, sorted) and ``taken`` (the ids of every course
    the student enrolled in, any status), when the caller read them already (My learning), save those two
    queries. ``extra_keys`` are read in the same cache round trip as the ranking (``pagecache.read_parts``)
    and ``on_read`` is called with what it found of them, if the cache was read."""
    if not _signed_in(user):
        return []
    if subject_ids is None:
        preferred = UserSubjectPreference.objects.filter(user_id=user.pk).values("subject_id")
        subject_ids = sorted(
            Subject.objects.filter(Q(pk__in=preferred) | Q(parent_subject_id__in=preferred)).values_list(
                "pk", flat=True
            )
        )
    if not subject_ids:
        return []
    subjects_key = hashlib.sha256(",".join(map(str, subject_ids)).encode()).hexdigest()[:32]
    parts = pagecache.read_parts(
        {"ranked": ("suggestions", pagecache.visibility_key(user), subjects_key, str(SUGGESTION_POOL))},
        extra_keys,
    )
    if on_read is not None:
        on_read(parts.extra)
    ranked = parts.get_or_set(
        "ranked", lambda: _ranked_in_subjects(user=user, subject_ids=subject_ids, limit=SUGGESTION_POOL)
    )
    if taken is None:
        taken = set(
            CourseEnrollment.objects.filter(user_id=user.pk).values_list("course_offering__course_id", flat=True)
        )
    suggestions = [course for course in ranked if course.pk not in taken][:limit]
    if len(suggestions) < limit and len(ranked) == SUGGESTION_POOL:
        untaken = _ranked_in_subjects(user=user, subject_ids=subject_ids, limit=limit + len(taken))
        suggestions = [course for course in untaken if course.pk not in taken][:limit]
    return suggestions


def offering_invitations(*, offering: CourseOffering) -> QuerySet[CourseInvitation]:
    return (
        CourseInvitation.objects.filter(course_offering_id=offering.pk)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def is_invitation_to(*, offering_id: int, code: str) -> bool:
    """Whether ``code`` is an invitation to this offering, usable or not (one query). Only such a code opens
    an offering its holder could not see otherwise; any other code must answer as a missing offering."""
    return CourseInvitation.objects.filter(course_offering_id=offering_id, code=code.strip()).exists()
