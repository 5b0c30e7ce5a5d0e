"""Who may see which course and offering in the catalog: one policy for lists and detail pages.

Contract (shared/STYLE.md, "one policy answers both questions"):
- A course is visible only when it is published and has at least one offering the user may see.
- Offerings *listed* to a user (:func:`listed_offerings_q`):
  anonymous → ``public``; signed in → also ``private`` offerings of universities where the user holds a
  role, and ``invite_only`` offerings for which the user holds a valid e-mail invitation, is enrolled
  (any status but dropped) or teaches. ``unlisted`` offerings are never listed.
- Offerings *reachable* on the course page add, per request, the one named by a signed
  :func:`unlisted_link_token` (anyone holding the link, as the issue says) and the one named by an
  invitation code (``?invite=…``) that is still valid.
- Another tenant's private or invite-only offerings are never visible through membership.
- A published course with **no offering at all** ("coming soon") is in the public catalog for everyone:
  it has nothing private to leak. A course whose offerings are all hidden from the user (private,
  invite-only, unlisted) stays invisible to them, as before.
- People who may manage an offering (:func:`managed_offerings_q`: instructors of that offering, admins of
  its department or university, platform admins; learning's ``can_manage_enrollments`` is the same rule)
  also reach it on the course page (with its shareable link when unlisted); they do not get it *listed*
  in the catalog, and enrolling still follows :func:`can_view_offering`.
- Editing a course (:func:`can_edit_course`): instructors of any offering of the course, department admins
  of its department, university admins of its university, platform admins (the authoring policy of the
  syllabus issue, kept here because catalog services re-check it and cannot import syllabus).
- :func:`get_course_for_user` raises ``Http404`` both when the course does not exist and when the user
  may not see it, so probing codes teaches a stranger nothing.

Invitations and enrollments are learning's tables; the catalog never imports learning (layering), so
they are reached through the reverse relations learning's string foreign keys put on ``CourseOffering``
(``invitations``, ``enrollments``), the same way accounts' policy takes ORM paths as strings.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.http import Http404
from django.utils import timezone

from accounts.permissions import get_staff_scope, remember_staff_scope, scope_q, staff_scope_known
from catalog.models import Course, CourseOffering, CourseOfferingInstructor, OfferingStaffRole, OfferingVisibility
from lms.db import prepared_cursor

LINK_SALT = "catalog.unlisted-offering"
_MEMBER_CACHE_ATTR = "_catalog_member_university_ids"
_INVITE_ONLY_CACHE_ATTR = "_catalog_invite_only_listed"
_TEACHING_CACHE_ATTR = "_catalog_teaches"
# learning.models.EnrollmentStatus values that count as "enrolled" (the catalog cannot import learning).
ENROLLED_STATUSES = ("active", "completed", "pending", "waitlisted")


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def member_university_ids(user) -> frozenset[int]:
    """Universities where ``user`` holds any role; one query (with :func:`invite_only_listed`), cached on
    the user object."""
    if not _signed_in(user):
        return frozenset()
    cached = getattr(user, _MEMBER_CACHE_ATTR, None)
    if cached is None:
        _load_viewer(user)
        cached = getattr(user, _MEMBER_CACHE_ATTR)
    return cached


def invite_only_listed(user) -> dict[int, int]:
    """``{offering id: course id}`` of the invite-only offerings listed to ``user``: those with a valid
    e-mail invitation, those they are enrolled in (any status but dropped) and those they teach. One
    query (with :func:`member_university_ids`), cached on the user object.

    The catalog's course-level rule (:func:`listed_courses_q`) takes them as literal ids: a subquery
    there made PostgreSQL charge its start-up cost on every rescan of an inner index scan and pick plans
    that test every course of the catalog."""
    if not _signed_in(user):
        return {}
    cached = getattr(user, _INVITE_ONLY_CACHE_ATTR, None)
    if cached is None:
        _load_viewer(user)
        cached = getattr(user, _INVITE_ONLY_CACHE_ATTR)
    return cached


# The user's universities, as (NULL, university id) rows, and their listed invite-only offerings, as
# (offering id, course id): invited by e-mail (a still-usable invitation, as valid_invitation_q), enrolled
# (ENROLLED_STATUSES) or teaching; and one (NULL, NULL, 'teaching') row when they hold any teaching assignment
# (instructor or TA), for :func:`teaches_some_offering`. Fixed text, run as a prepared statement (it is read on every signed-in
# catalog page); learning's tables by name, as the reverse relations in the ORM version reach them.
_VIEWER_SQL = """
SELECT NULL::bigint, r.university_id, r.role::text, r.department_id FROM user_university_roles r
WHERE r.user_id = %(user)s
UNION
SELECT o.id, o.course_id, NULL, NULL FROM course_offerings o JOIN course_invitations i ON i.course_offering_id = o.id
WHERE o.visibility = 'invite_only' AND UPPER(i.email::text) = UPPER(%(email)s::text)
  AND (i.expires_at IS NULL OR i.expires_at > %(now)s::timestamptz)
  AND (i.max_uses IS NULL OR i.used_count < i.max_uses)
UNION
SELECT o.id, o.course_id, NULL, NULL FROM course_offerings o JOIN course_enrollments e ON e.course_offering_id = o.id
WHERE o.visibility = 'invite_only' AND e.user_id = %(user)s
  AND e.status::text = ANY(%(statuses)s::text[])
UNION
SELECT o.id, o.course_id, NULL, NULL FROM course_offerings o JOIN course_offering_instructors t ON t.course_offering_id = o.id
WHERE o.visibility = 'invite_only' AND t.user_id = %(user)s
UNION
(SELECT NULL::bigint, NULL::bigint, 'teaching', NULL FROM course_offering_instructors t WHERE t.user_id = %(user)s LIMIT 1)
"""


def viewer_params(user) -> dict:
    """The parameters of :data:`VIEWER_SQL` for ``user``."""
    return {"user": user.pk, "email": user.email, "now": timezone.now(), "statuses": list(ENROLLED_STATUSES)}


VIEWER_SQL = _VIEWER_SQL  # (offering id, other id, role, department id) rows: see remember_viewer


def _load_viewer(user) -> None:
    """ONE query (a UNION read from the user's side, a handful of rows, prepared): the user's universities
    and their listed invite-only offerings (:data:`_VIEWER_SQL`); the same role rows give their admin
    scope (:func:`accounts.permissions.get_staff_scope` then reads nothing)."""
    with prepared_cursor() as cursor:
        cursor.execute(_VIEWER_SQL, viewer_params(user))
        rows = cursor.fetchall()
    remember_viewer(user, rows)


def remember_viewer(user, rows) -> None:
    """Cache on ``user`` what the rows of :data:`VIEWER_SQL` say (their universities, listed invite-only
    offerings, teaching, admin scope): for :func:`_load_viewer`, or a page that read them inside its own
    statement (My learning), so the catalog's reads of the viewer ask nothing more in this request."""
    members: set[int] = set()
    invite: dict[int, int] = {}
    roles = []
    teaching = False
    for offering_id, other_id, role, department_id in rows:
        if offering_id is None and other_id is None:
            teaching = True
        elif offering_id is None:
            members.add(other_id)
            roles.append((role, other_id, department_id))
        else:
            invite[offering_id] = other_id
    setattr(user, _MEMBER_CACHE_ATTR, frozenset(members))
    setattr(user, _INVITE_ONLY_CACHE_ATTR, invite)
    setattr(user, _TEACHING_CACHE_ATTR, teaching)
    if not staff_scope_known(user):  # the user's roles are read here anyway: their admin scope too
        remember_staff_scope(user, roles)


def teaches_some_offering(user) -> bool | None:
    """Whether ``user`` holds any teaching assignment (instructor or TA), when this request's viewer query
    (:func:`_load_viewer`) read it already; ``None`` when it has not run (then ask the database)."""
    return getattr(user, _TEACHING_CACHE_ATTR, None) if _signed_in(user) else False


def forget_membership(user) -> None:
    for attr in (_MEMBER_CACHE_ATTR, _INVITE_ONLY_CACHE_ATTR, _TEACHING_CACHE_ATTR):
        if user is not None and hasattr(user, attr):
            delattr(user, attr)


def valid_invitation_q(*, email: str | None = None, code: str | None = None, prefix: str = "") -> Q:
    """A still-usable invitation (not expired, uses left), by the invited e-mail or by its code."""
    now = timezone.now()
    p = prefix
    q = (Q(**{f"{p}expires_at__isnull": True}) | Q(**{f"{p}expires_at__gt": now})) & (
        Q(**{f"{p}max_uses__isnull": True}) | Q(**{f"{p}used_count__lt": F(f"{p}max_uses")})
    )
    if email is not None:
        q &= Q(**{f"{p}email__iexact": email})
    if code is not None:
        q &= Q(**{f"{p}code": code})
    return q


def listed_offerings_q(user, *, prefix: str = "") -> Q:
    """The ``Q`` (on ``CourseOffering``, or on a model reaching it through ``prefix``) of the offerings
    listed to ``user``."""
    p = prefix
    q = Q(**{f"{p}visibility": OfferingVisibility.PUBLIC})
    if not _signed_in(user):
        return q
    members = member_university_ids(user)
    if members:
        q |= Q(**{f"{p}visibility": OfferingVisibility.PRIVATE, f"{p}university_id__in": sorted(members)})
    # The invite-only offerings listed to the user (invited, enrolled, teaching), read with their
    # universities in the same query: literal ids, no subquery to compile and plan on every page.
    invite_only = invite_only_listed(user)
    if invite_only:
        q |= Q(**{f"{p}visibility": OfferingVisibility.INVITE_ONLY, f"{p}pk__in": sorted(invite_only)})
    return q


def offerings_listed_to(user) -> QuerySet[CourseOffering]:
    return CourseOffering.objects.filter(listed_offerings_q(user), course__is_published=True)


def _has_offering(visibility: str) -> Q:
    """The course has an offering of this visibility: one probe of ``ix_course_offerings_course_visibility``.

    Written as ``(SELECT … LIMIT 1) IS NOT NULL`` rather than ``EXISTS``: PostgreSQL may turn an
    ``EXISTS`` into a hash of *every* matching offering (240,000 public ones on the bench dataset, ~25 ms
    per query) even when the query stops after twenty courses; a scalar subquery is always probed row by
    row, after the cheaper filters, which is what a sorted page and a capped count need.
    """
    return Q(IsNull(_offering_probe(visibility=visibility), False))


def has_no_offering_q() -> Q:
    """The course has no offering at all (coming soon): one probe of ``ix_course_offerings_course_id``."""
    return Q(IsNull(_offering_probe(), True))


def _offering_probe(**filters) -> Subquery:
    """``(SELECT course_id FROM course_offerings WHERE course_id = <course> AND … LIMIT 1)``."""
    return Subquery(
        CourseOffering.objects.filter(course_id=OuterRef("pk"), **filters).order_by().values("course_id")[:1]
    )


def listed_courses_q(user) -> Q:
    """The ``Q`` (on ``Course``) of courses with at least one offering listed to ``user``.

    The same rule as :func:`listed_offerings_q`, written course by course so PostgreSQL can answer it
    with index probes while it walks a sort index (``ORDER BY title LIMIT 20``): a probe for a public
    offering; for members, a probe for a private one when the *course's* university is theirs (an
    offering's university always equals its course's, composite FK
    ``fk_course_offerings_course_same_university``); the invite-only branch is the few offerings the
    user was invited to, is enrolled in or teaches (:func:`invite_only_listed`); and a course with no
    offering yet (coming soon) for everyone.
    """
    q = _has_offering(OfferingVisibility.PUBLIC) | has_no_offering_q()
    if not _signed_in(user):
        return q
    members = member_university_ids(user)
    if members:
        q |= Q(university_id__in=sorted(members)) & _has_offering(OfferingVisibility.PRIVATE)
    invite_only = invite_only_listed(user)
    if invite_only:
        q |= Q(pk__in=sorted(set(invite_only.values())))
    return q


def courses_visible_to(user) -> QuerySet[Course]:
    """Published courses with at least one offering listed to ``user``, or with no offering yet (the
    catalog's base queryset)."""
    return Course.objects.filter(listed_courses_q(user), is_published=True)


# --- links and invitation codes ----------------------------------------------------------------


def unlisted_link_token(offering: CourseOffering) -> str:
    """The secret part of an offering's own link (signed, so ids cannot be guessed). Not timestamped:
    the link instructors copy from the course page is the same every time they look at it."""
    return signing.Signer(salt=LINK_SALT).sign_object(offering.pk, compress=True)


def offering_id_from_link(token: str | None) -> int | None:
    if not token:
        return None
    try:
        value = signing.Signer(salt=LINK_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return value if isinstance(value, int) else None


def reachable_offerings_q(user, *, link_token: str | None = None, invitation_code: str | None = None) -> Q:
    """Listed offerings plus the one named by a valid link token and the one of a valid invitation code."""
    q = listed_offerings_q(user)
    linked = offering_id_from_link(link_token)
    if linked is not None:
        q |= Q(pk=linked, visibility__in=[OfferingVisibility.UNLISTED, OfferingVisibility.PUBLIC])
    if invitation_code:
        by_code = CourseOffering.objects.filter(
            valid_invitation_q(code=invitation_code, prefix="invitations__")
        ).values("pk")
        q |= Q(pk__in=by_code)
    return q


def can_view_offering(
    user, offering: CourseOffering, *, link_token: str | None = None, invitation_code: str | None = None
) -> bool:
    return CourseOffering.objects.filter(
        reachable_offerings_q(user, link_token=link_token, invitation_code=invitation_code),
        pk=offering.pk,
        course__is_published=True,
    ).exists()


def get_course_for_user(
    user, short_code: str, code: str, *, link_token: str | None = None, invitation_code: str | None = None
) -> Course:
    """The published course ``code`` of university ``short_code`` if ``user`` may see one of its
    offerings (listed, reached by link/invitation, or managed by them) or it has no offering yet;
    ``Http404`` otherwise. One query (plus the user's cached admin scope)."""
    reachable = CourseOffering.objects.filter(
        reachable_offerings_q(user, link_token=link_token, invitation_code=invitation_code),
        course_id=OuterRef("pk"),
    )
    course = (
        Course.objects.select_related("university", "department", "primary_subject__domain")
        .defer("search_vector")
        .filter(university__short_code=short_code, code=code, is_published=True)
        .filter(Q(Exists(reachable)) | has_no_offering_q() | _manages_some_offering_q(user))
        .first()
    )
    if course is None:
        raise Http404("No such course.")
    return course


def get_listed_course(user, short_code: str, code: str) -> Course | None:
    """The published course as :func:`get_course_for_user` reads it, if an offering of it is *listed* to
    ``user`` or it has none yet; ``None`` otherwise (then ask :func:`get_course_for_user`: the user may
    manage it). The same answer for everyone :func:`listed_courses_q` lists the same courses to, so the
    course page may share it (:mod:`catalog.pagecache`). One query."""
    listed = CourseOffering.objects.filter(listed_offerings_q(user), course_id=OuterRef("pk"))
    return (
        Course.objects.select_related("university", "department", "primary_subject__domain")
        .defer("search_vector")
        .filter(university__short_code=short_code, code=code, is_published=True)
        .filter(Q(Exists(listed)) | has_no_offering_q())
        .first()
    )


def can_view_course(user, course: Course) -> bool:
    return courses_visible_to(user).filter(pk=course.pk).exists()


def course_ids_visible_to(user, course_ids: Iterable[int]) -> set[int]:
    return set(courses_visible_to(user).filter(pk__in=list(course_ids)).values_list("pk", flat=True))


# --- managing and editing ------------------------------------------------------------------------


def _teaching(user) -> QuerySet[CourseOfferingInstructor]:
    return CourseOfferingInstructor.objects.filter(user_id=user.pk, role=OfferingStaffRole.INSTRUCTOR)


def _manages_some_offering_q(user) -> Q:
    """``Q`` (on ``Course``): the user may manage at least one of the course's offerings (they teach one,
    or the course is in their admin scope)."""
    if not _signed_in(user):
        return Q(pk__in=[])
    if get_staff_scope(user).platform:
        return Q(pk__isnull=False)  # every course (scope_q's empty Q() would vanish from an OR)
    return Q(pk__in=_teaching(user).values("course_offering__course_id")) | scope_q(
        user, university="university", department="department"
    )


def managed_offerings_q(user, course: Course) -> Q:
    """``Q`` (on ``CourseOffering``) of the offerings of ``course`` that ``user`` may manage."""
    if not _signed_in(user):
        return Q(pk__in=[])
    if can_administer_course(user, course):
        return Q(course_id=course.pk)
    return Q(pk__in=_teaching(user).filter(course_offering__course_id=course.pk).values("course_offering_id"))


def can_administer_course(user, course: Course) -> bool:
    """Admin-only decisions about a course (deleting its offerings; managing all of them): platform admins,
    university admins of its university, department admins of its department. No instructors; no query
    beyond the cached admin scope."""
    if not _signed_in(user):
        return False
    scope = get_staff_scope(user)
    return (
        scope.platform
        or course.university_id in scope.university_ids
        or (course.department_id is not None and course.department_id in scope.department_ids)
    )


def can_edit_course(user, course: Course) -> bool:
    """Instructors of any offering of the course, its department's and university's admins, platform
    admins. The syllabus authoring policy asks the same question."""
    if not _signed_in(user) or course is None:
        return False
    if can_administer_course(user, course):
        return True
    return _teaching(user).filter(course_offering__course_id=course.pk).exists()


def can_administer_university(user, university_id: int) -> bool:
    """University admins of that university and platform admins (departments are a university matter)."""
    if not _signed_in(user):
        return False
    scope = get_staff_scope(user)
    return scope.platform or university_id in scope.university_ids


def can_manage_subjects(user) -> bool:
    """The subject tree is platform-wide reference data."""
    return _signed_in(user) and get_staff_scope(user).platform
