"""The staff policy: who administers which tenant, answered once for the whole staff console.

Contract (shared/STYLE.md, "one policy answers both questions"):
- ``get_staff_scope(user) -> StaffScope``: the admin roles of ``user`` (platform, the universities they
  administer, the departments they administer), read from ``user_university_roles`` in ONE query and
  cached on the user object (so on ``request.user`` for the rest of the request). Platform admin =
  ``is_superuser`` or a ``platform_admin`` role row at any university.
- ``scope_q(user, university=…, department=…)``: the ``Q`` of the rows ``user`` may see, given the ORM
  path(s) from a model to its university and to its department (strings, so this module imports no
  higher app). ``rows_visible_to(user, queryset, …)`` applies it; ``can_manage_row(user, obj, …)`` answers
  "may this user act on this row" with the same ``Q`` (so a list and a detail page cannot disagree).
- Role and account rules used by ``accounts.services`` (which re-check them) and by the admin:
  ``can_grant_role``, ``can_revoke_role``, ``can_set_account_active``, ``can_change_account_credentials``,
  ``can_unlock_login``, ``attachable_account_ids`` / ``can_attach_account`` (which existing accounts staff may
  give a role or an enrollment), ``users_visible_to``, ``roles_visible_to``.
- Instructors, TAs and students hold no admin scope: ``has_admin_access`` is False for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from accounts.models import UniversityRole, User, UserUniversityRole

ADMIN_ROLES = frozenset(
    {UniversityRole.PLATFORM_ADMIN, UniversityRole.UNIVERSITY_ADMIN, UniversityRole.DEPARTMENT_ADMIN}
)
# Roles a university admin may hand out at their university (never platform_admin).
UNIVERSITY_GRANTABLE_ROLES = frozenset(set(UniversityRole.values) - {UniversityRole.PLATFORM_ADMIN})

_CACHE_ATTR = "_staff_scope_cache"

Paths = str | Sequence[str] | None


@dataclass(frozen=True)
class StaffScope:
    """What a staff member administers. Empty for everyone without an admin role."""

    platform: bool = False
    university_ids: frozenset[int] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)
    # Universities of the departments above (a department admin sees their university's name, read-only).
    department_university_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.platform or bool(self.university_ids) or bool(self.department_ids)

    @property
    def visible_university_ids(self) -> frozenset[int]:
        return self.university_ids | self.department_university_ids


NO_SCOPE = StaffScope()


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def get_staff_scope(user) -> StaffScope:
    """The user's admin scope, in at most one query per user object (cached on it)."""
    if not _authenticated(user):
        return NO_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    rows = () if user.is_superuser else UserUniversityRole.objects.filter(
        user_id=user.pk, role__in=ADMIN_ROLES
    ).values_list("role", "university_id", "department_id")
    return remember_staff_scope(user, rows)


def staff_scope_known(user) -> bool:
    """Whether :func:`get_staff_scope` has the user's scope cached (and will read nothing)."""
    return hasattr(user, _CACHE_ATTR)


def remember_staff_scope(user, rows) -> StaffScope:
    """Cache on ``user`` the scope their ``(role, university id, department id)`` rows give (all of their
    roles, or only the admin ones), so :func:`get_staff_scope` reads nothing: for a caller that reads the
    user's roles anyway (the catalog's viewer query)."""
    platform = bool(user.is_superuser)
    universities: set[int] = set()
    departments: set[int] = set()
    department_universities: set[int] = set()
    for role, university_id, department_id in rows:
        if role == UniversityRole.PLATFORM_ADMIN:
            platform = True
        elif role == UniversityRole.UNIVERSITY_ADMIN:
            universities.add(university_id)
        elif role == UniversityRole.DEPARTMENT_ADMIN and department_id is not None:
            departments.add(department_id)
            department_universities.add(university_id)
    scope = StaffScope(platform=True) if user.is_superuser else StaffScope(
        platform=platform,
        university_ids=frozenset(universities),
        department_ids=frozenset(departments),
        department_university_ids=frozenset(department_universities),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_staff_scope(user) -> None:
    """Drop the cached scope (after the user's roles changed within the same request or test)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_platform_admin(user) -> bool:
    return get_staff_scope(user).platform


def has_admin_access(user) -> bool:
    """Whether ``user`` may use the staff console at all (is_staff is kept equal to this by the role service)."""
    return _authenticated(user) and user.is_staff and get_staff_scope(user).is_admin


def _as_paths(paths: Paths) -> tuple[str, ...]:
    if paths is None:
        return ()
    if isinstance(paths, str):
        return (paths,)
    return tuple(paths)


def _in(path: str, ids: Iterable[int]) -> Q:
    return Q(**{f"{path}__in": sorted(ids)}) if path != "pk" else Q(pk__in=sorted(ids))


def scope_q(user, *, university: Paths, department: Paths = None) -> Q:
    """The rows ``user`` may see, for a model whose university is at ``university`` and whose department is
    at ``department`` (ORM paths, e.g. ``"course_offering__university"``; a tuple means "any of these").

    Platform admins: everything. University admins: rows of their universities. Department admins: rows
    of their departments (none for a model with no department path). Others: nothing.
    """
    scope = get_staff_scope(user)
    if scope.platform:
        return Q()
    q = Q(pk__in=[])
    if scope.university_ids:
        for path in _as_paths(university):
            q |= _in(path, scope.university_ids)
    if scope.department_ids:
        for path in _as_paths(department):
            q |= _in(path, scope.department_ids)
    return q


def rows_visible_to(user, queryset: QuerySet, *, university: Paths, department: Paths = None, distinct: bool = False) -> QuerySet:
    """``queryset`` narrowed to the rows ``user`` may see. ``distinct``: a path crosses a to-many relation,
    so the filter runs as a subquery on primary keys (no duplicate rows, no DISTINCT on the list)."""
    if get_staff_scope(user).platform:
        return queryset
    q = scope_q(user, university=university, department=department)
    if distinct:
        return queryset.filter(pk__in=queryset.model._default_manager.filter(q).values("pk"))
    return queryset.filter(q)


def can_manage_row(user, obj: Model, *, university: Paths, department: Paths = None) -> bool:
    """Whether ``user`` may act on ``obj``: the same ``Q`` as the list, checked against the row (one query)."""
    scope = get_staff_scope(user)
    if scope.platform:
        return True
    if not scope.is_admin or obj.pk is None:
        return False
    q = scope_q(user, university=university, department=department)
    return type(obj)._default_manager.filter(q, pk=obj.pk).exists()


# --- accounts and roles -----------------------------------------------------------------------

# Where a user "belongs" for the console: a role at a university; for a department admin, a role in
# their department, a teaching assignment or an enrollment in one of their department's courses.
USER_UNIVERSITY_PATHS = ("university_roles__university",)
USER_DEPARTMENT_PATHS = (
    "university_roles__department",
    "teaching_assignments__course_offering__course__department",
    "enrollments__course_offering__course__department",
)


def users_visible_to(user) -> QuerySet[User]:
    return rows_visible_to(
        user, User.objects.all(), university=USER_UNIVERSITY_PATHS, department=USER_DEPARTMENT_PATHS, distinct=True
    )


def roles_visible_to(user) -> QuerySet[UserUniversityRole]:
    """Role rows: university admins see their universities' rows; department admins see none (roles are a
    university matter); platform admins see all."""
    return rows_visible_to(user, UserUniversityRole.objects.all(), university="university")


def can_grant_role(actor, *, university_id: int, role: str) -> bool:
    scope = get_staff_scope(actor)
    if scope.platform:
        return True
    return role in UNIVERSITY_GRANTABLE_ROLES and university_id in scope.university_ids


def can_revoke_role(actor, role_row: UserUniversityRole) -> bool:
    return can_grant_role(actor, university_id=role_row.university_id, role=role_row.role)


def can_set_account_active(actor, account: User) -> bool:
    """Accounts are global: only platform admins (de)activate them, and nobody deactivates themselves."""
    return is_platform_admin(actor) and actor.pk != account.pk


def can_change_account_credentials(actor, account: User) -> bool:
    """E-mail and password of an account: the account's owner (elsewhere) or a platform admin here."""
    return is_platform_admin(actor)


def can_unlock_login(actor, account: User) -> bool:
    """Clearing an account's failed log-ins: platform admins, and university admins of a university where
    the account holds a role (department admins look only)."""
    scope = get_staff_scope(actor)
    if scope.platform:
        return True
    return bool(scope.university_ids) and UserUniversityRole.objects.filter(
        user_id=account.pk, university_id__in=scope.university_ids
    ).exists()


def attachable_account_ids(actor, account_ids: Iterable[int]) -> set[int]:
    """The existing accounts among ``account_ids`` that ``actor`` may give a role or an enrollment (the
    rule of docs/staff-console.md, "Attaching existing accounts"): a platform admin any; other staff only
    accounts that already hold a role at a university they administer (or whose department they
    administer). Any other account (roles elsewhere, or none) is a platform admin's to attach, or the
    person's own (invitations), so a university's staff never reach another university's people."""
    ids = set(account_ids)
    scope = get_staff_scope(actor)
    if scope.platform or not ids:
        return ids
    universities = sorted(scope.visible_university_ids)
    if not universities:
        return set()
    found: set[int] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        found.update(
            UserUniversityRole.objects.filter(
                user_id__in=ordered[start : start + 5000], university_id__in=universities
            ).values_list("user_id", flat=True)
        )
    return found


def can_attach_account(actor, account: User) -> bool:
    return account.pk in attachable_account_ids(actor, [account.pk])


def can_view_user(actor, account: User) -> bool:
    return is_platform_admin(actor) or users_visible_to(actor).filter(pk=account.pk).exists()


def holds_admin_role_q() -> Exists:
    """An expression that is true when the outer user holds an admin role (for is_staff recomputation)."""
    return Exists(UserUniversityRole.objects.filter(user_id=OuterRef("pk"), role__in=ADMIN_ROLES))
