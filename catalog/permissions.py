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
- :func:`get_course_for_user` raises ``Http404`` both when the course does not exist and when the user
  may not see it, so probing codes teaches a stranger nothing.

Invitations and enrollments are learning's tables; the catalog never imports learning (layering), so
they are reached through the reverse relations learning's string foreign keys put on ``CourseOffering``
(``invitations``, ``enrollments``), the same way accounts' policy takes ORM paths as strings.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import UserUniversityRole
from catalog.models import Course, CourseOffering, OfferingVisibility

LINK_SALT = "catalog.unlisted-offering"
_MEMBER_CACHE_ATTR = "_catalog_member_university_ids"
# learning.models.EnrollmentStatus values that count as "enrolled" (the catalog cannot import learning).
ENROLLED_STATUSES = ("active", "completed", "pending", "waitlisted")


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def member_university_ids(user) -> frozenset[int]:
    """Universities where ``user`` holds any role; one query, cached on the user object."""
    if not _signed_in(user):
        return frozenset()
    cached = getattr(user, _MEMBER_CACHE_ATTR, None)
    if cached is None:
        cached = frozenset(
            UserUniversityRole.objects.filter(user_id=user.pk).values_list("university_id", flat=True).distinct()
        )
        setattr(user, _MEMBER_CACHE_ATTR, cached)
    return cached


def forget_membership(user) -> None:
    if user is not None and hasattr(user, _MEMBER_CACHE_ATTR):
        delattr(user, _MEMBER_CACHE_ATTR)


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
    invited = CourseOffering.objects.filter(
        valid_invitation_q(email=user.email, prefix="invitations__")
    ).values("pk")
    enrolled = CourseOffering.objects.filter(
        enrollments__user_id=user.pk, enrollments__status__in=ENROLLED_STATUSES
    ).values("pk")
    teaching = CourseOffering.objects.filter(instructors__user_id=user.pk).values("pk")
    q |= Q(**{f"{p}visibility": OfferingVisibility.INVITE_ONLY}) & (
        Q(**{f"{p}pk__in": invited}) | Q(**{f"{p}pk__in": enrolled}) | Q(**{f"{p}pk__in": teaching})
    )
    return q


def offerings_listed_to(user) -> QuerySet[CourseOffering]:
    return CourseOffering.objects.filter(listed_offerings_q(user), course__is_published=True)


def courses_visible_to(user) -> QuerySet[Course]:
    """Published courses with at least one offering listed to ``user`` (the catalog's base queryset)."""
    listed = CourseOffering.objects.filter(listed_offerings_q(user), course_id=OuterRef("pk"))
    return Course.objects.filter(is_published=True).filter(Exists(listed))


# --- links and invitation codes ----------------------------------------------------------------


def unlisted_link_token(offering: CourseOffering) -> str:
    """The secret part of an offering's own link (signed, so ids cannot be guessed)."""
    return signing.dumps(offering.pk, salt=LINK_SALT, compress=True)


def offering_id_from_link(token: str | None) -> int | None:
    if not token:
        return None
    try:
        value = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def reachable_offerings_q(
    user, *, link_token: str | None = None, invitation_code: str | None = None
) -> Q:
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
    return (
        CourseOffering.objects.filter(
            reachable_offerings_q(user, link_token=link_token, invitation_code=invitation_code),
            pk=offering.pk,
            course__is_published=True,
        ).exists()
    )


def get_course_for_user(
    user, short_code: str, code: str, *, link_token: str | None = None, invitation_code: str | None = None
) -> Course:
    """The published course ``code`` of university ``short_code`` if ``user`` may see one of its
    offerings (listed, or reached by link/invitation); ``Http404`` otherwise. One query."""
    reachable = CourseOffering.objects.filter(
        reachable_offerings_q(user, link_token=link_token, invitation_code=invitation_code),
        course_id=OuterRef("pk"),
    )
    course = (
        Course.objects.select_related("university", "department", "primary_subject__domain")
        .defer("search_vector")
        .filter(university__short_code=short_code, code=code, is_published=True)
        .filter(Exists(reachable))
        .first()
    )
    if course is None:
        raise Http404("No such course.")
    return course


def can_view_course(user, course: Course) -> bool:
    return courses_visible_to(user).filter(pk=course.pk).exists()


def course_ids_visible_to(user, course_ids: Iterable[int]) -> set[int]:
    return set(courses_visible_to(user).filter(pk__in=list(course_ids)).values_list("pk", flat=True))
