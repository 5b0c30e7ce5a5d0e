"""The syllabus authoring policy: who may edit or view a course's syllabus, its pools and the asset library.

Contract (one policy for list and detail pages, shared/STYLE.md):
- ``can_edit_course(user, course)``: instructors (``course_offering_instructors.role = instructor``) of any
  offering of the course, department admins of its department, university admins of its university,
  platform admins (``is_superuser`` or a ``platform_admin`` role row in any university).
- ``can_view_authoring(user, course)``: everyone who may edit, plus the course's TAs (read-only).
- ``courses_editable_by(user)`` / ``courses_viewable_by(user)``: the same rules as querysets, so the
  ``/teach/`` list and the detail pages cannot disagree.
- ``get_course_for_author(user, course_id, edit=...)``: the access selector of every authoring view;
  ``Http404`` both when the course does not exist and when the user may not see it.
- ``can_use_asset_library(user, university_id)`` / ``can_view_asset(user, asset)``: the asset library.
- ``require_edit(actor, course)``: services call it with their ``actor=`` (``None`` = a system job).
- ``can_create_edition(user, course)``: may copy the course's syllabus into a new course of its department.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import UniversityRole, UserUniversityRole
from accounts.permissions import get_staff_scope, staff_scope_known
from catalog import permissions as catalog_permissions
from catalog.models import Course, CourseOfferingInstructor, OfferingStaffRole, University
from lms.db import prepared_cursor

NOT_ALLOWED = "You may not change this course's syllabus."


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_platform_admin(user) -> bool:
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_syllabus_platform_admin", None)
    if cached is None:
        cached = UserUniversityRole.objects.filter(user=user, role=UniversityRole.PLATFORM_ADMIN).exists()
        user._syllabus_platform_admin = cached
    return cached


def _admin_q(user) -> Q:
    """Courses whose department or university the user administers."""
    department_ids = UserUniversityRole.objects.filter(
        user=user, role=UniversityRole.DEPARTMENT_ADMIN, department__isnull=False
    ).values("department_id")
    university_ids = UserUniversityRole.objects.filter(user=user, role=UniversityRole.UNIVERSITY_ADMIN).values(
        "university_id"
    )
    return Q(department_id__in=department_ids) | Q(university_id__in=university_ids)


def _staff_exists(user, roles: list[str]) -> Exists:
    return Exists(
        CourseOfferingInstructor.objects.filter(course_offering__course_id=OuterRef("pk"), user=user, role__in=roles)
    )


def courses_editable_by(user) -> QuerySet[Course]:
    if not _authenticated(user):
        return Course.objects.none()
    if is_platform_admin(user):
        return Course.objects.all()
    return Course.objects.filter(_staff_exists(user, [OfferingStaffRole.INSTRUCTOR]) | _admin_q(user))


def courses_viewable_by(user) -> QuerySet[Course]:
    """Courses whose authoring pages the user may see (editors and TAs)."""
    if not _authenticated(user):
        return Course.objects.none()
    if is_platform_admin(user):
        return Course.objects.all()
    return Course.objects.filter(
        _staff_exists(user, [OfferingStaffRole.INSTRUCTOR, OfferingStaffRole.TA]) | _admin_q(user)
    )


def can_edit_course(user, course: Course) -> bool:
    """The catalog's course edit policy (``catalog.permissions.can_edit_course``, the same rule as
    :func:`courses_editable_by`): the catalog services re-check it, so there is one answer to ask."""
    return catalog_permissions.can_edit_course(user, course)


def can_view_authoring(user, course: Course) -> bool:
    if not _authenticated(user) or course is None:
        return False
    return is_platform_admin(user) or courses_viewable_by(user).filter(pk=course.pk).exists()


# Fixed text, run as a prepared statement: base.html asks it on every signed-in page.
_ANYTHING_EDITABLE_SQL = """
SELECT EXISTS (
    SELECT 1 FROM user_university_roles r
    WHERE r.user_id = %(user)s AND (
        r.role = %(platform_admin)s
        OR (r.role = %(university_admin)s AND EXISTS (SELECT 1 FROM courses c WHERE c.university_id = r.university_id))
        OR (r.role = %(department_admin)s AND EXISTS (SELECT 1 FROM courses c WHERE c.department_id = r.department_id))
    )
) OR EXISTS (
    SELECT 1 FROM course_offering_instructors t WHERE t.user_id = %(user)s AND t.role::text = ANY(%(staff)s::text[])
)
"""


def anything_editable_by(user) -> bool:
    """Whether the user may edit or view at least one syllabus (the "Teach" nav link, on every signed-in page).

    The same rule as ``courses_viewable_by(user).exists()``, asked from the user's side in one query: a
    platform-admin role, a teaching assignment (instructor or TA), or an admin role over a university or
    department that has a course. Each probe walks the user's own rows by index; asking from the courses'
    side scanned the whole catalogue (36-42 ms on 100,000 courses, issue 6 bench). Fixed SQL text, prepared
    once per connection: built through the ORM, the question cost more to compile than to answer.
    """
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    # The catalog's viewer query (read on the page already: every catalog page, the course page, My learning)
    # tells whether they teach; without an admin role that is the whole answer.
    teaches = catalog_permissions.teaches_some_offering(user)
    if teaches is not None and staff_scope_known(user):
        scope = get_staff_scope(user)
        if not (scope.platform or scope.university_ids or scope.department_ids):
            return teaches
    with prepared_cursor() as cursor:
        cursor.execute(
            _ANYTHING_EDITABLE_SQL,
            {
                "user": user.pk,
                "platform_admin": UniversityRole.PLATFORM_ADMIN.value,
                "university_admin": UniversityRole.UNIVERSITY_ADMIN.value,
                "department_admin": UniversityRole.DEPARTMENT_ADMIN.value,
                "staff": [OfferingStaffRole.INSTRUCTOR.value, OfferingStaffRole.TA.value],
            },
        )
        return bool(cursor.fetchone()[0])


def get_course_for_author(user, course_id: int, *, edit: bool = False) -> Course:
    """The course, annotated with ``can_edit``; Http404 when missing or not visible (or not editable with
    ``edit=True``). Two queries at most."""
    queryset = courses_editable_by(user) if edit else courses_viewable_by(user)
    course = queryset.select_related("university").filter(pk=course_id).first()
    if course is None:
        raise Http404("No such course.")
    course.can_edit = edit or can_edit_course(user, course)
    return course


def require_edit(actor, course: Course) -> None:
    """For services: ``actor=None`` is a system job (management commands, data migrations through code)."""
    if actor is not None and not can_edit_course(actor, course):
        raise PermissionDenied(NOT_ALLOWED)


def can_create_edition(user, course: Course) -> bool:
    """Create the next edition of ``course`` (a new course in its university and department with a copy of
    its syllabus). Everyone who may edit the course: its department, university and platform admins, and
    its instructors, since an instructor starting next term's edition of their own course is what LMSs
    allow (the new course is unpublished and has no offerings until an admin schedules one). TAs may not."""
    return can_edit_course(user, course)


# --- asset library --------------------------------------------------------------------------------------


def universities_for_assets(user) -> QuerySet[University]:
    """Universities whose asset library the user may use: those of the courses they may edit."""
    if not _authenticated(user):
        return University.objects.none()
    if is_platform_admin(user):
        return University.objects.all()
    return University.objects.filter(pk__in=courses_editable_by(user).values("university_id"))


def can_use_asset_library(user, university_id: int | None) -> bool:
    """Upload and pick: editors of a course of that university; the platform library (None) for platform admins."""
    if university_id is None:
        return is_platform_admin(user)
    return universities_for_assets(user).filter(pk=university_id).exists()


def can_view_asset(user, asset) -> bool:
    """Download: anyone who may use the library, plus authoring viewers (TAs) of a course of that university.

    Learners' access to assets used in published content is the course player's concern (learning app).
    """
    if not _authenticated(user):
        return False
    if asset.university_id is None:
        return True  # platform-wide assets are shared with every signed-in user
    if can_use_asset_library(user, asset.university_id):
        return True
    return courses_viewable_by(user).filter(university_id=asset.university_id).exists()
