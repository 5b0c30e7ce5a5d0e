"""Writes to accounts. Every function is keyword-only; callers never save ``User`` rows themselves.

``actor`` is the acting user; ``grant_role``/``revoke_role`` accept ``actor=None`` for system jobs
(``seed_demo``, fixtures, imports run by platform code) and then skip the staff policy check. Views
always pass ``request.user``.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import NotificationEmail, UniversityRole, User, UserSession, UserUniversityRole
from accounts.permissions import (
    can_attach_account,
    can_change_account_credentials,
    can_grant_role,
    can_revoke_role,
    can_set_account_active,
    can_unlock_login,
    forget_staff_scope,
    holds_admin_role_q,
)
from lms.db import violated_constraint

UNKNOWN_TIME_ZONE = gettext_noop("Choose a time zone from the list.")
UNKNOWN_LOCALE = gettext_noop("Choose a language from the list.")
UNKNOWN_NOTIFICATION_EMAIL = gettext_noop("Choose how you want notifications by e-mail.")
DUPLICATE_EMAIL = gettext_noop("An account with this e-mail address already exists. Log in, or reset your password.")
# Messages are kept in English (tests compare them) and said in the active language where raised: _(CONSTANT).
# The unique index on users.email (e-mails are stored lower-cased, so it is case-insensitive in effect).
EMAIL_UNIQUE_CONSTRAINT = "ix_users_email"


@cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_time_zones())]


def locale_choices() -> list[tuple[str, str]]:
    """The languages an account may choose: ``settings.LANGUAGES`` (language tags such as ``en``, ``pt-br``)."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def available_locales() -> frozenset[str]:
    return frozenset(code for code, _ in settings.LANGUAGES)


def check_locale(locale: str) -> None:
    if locale not in available_locales():
        raise ValidationError({"locale": [ValidationError(_(UNKNOWN_LOCALE), code="unknown_locale")]})


def check_time_zone(time_zone: str) -> None:
    if time_zone not in available_time_zones():
        raise ValidationError({"time_zone": [ValidationError(_(UNKNOWN_TIME_ZONE), code="unknown_time_zone")]})


def duplicate_email_error() -> ValidationError:
    return ValidationError({"email": [ValidationError(_(DUPLICATE_EMAIL), code="duplicate_email")]})


def _is_email_conflict(error: IntegrityError) -> bool:
    return violated_constraint(error) == EMAIL_UNIQUE_CONSTRAINT


def register_user(*, email: str, full_name: str, password: str | None, locale: str | None = None) -> User:
    """Create an account. It holds no university role: membership comes from staff or invitations.

    ``locale``: the language the sign-up page was shown in (the browser's, among ``settings.LANGUAGES``), so
    the new account keeps the language its owner arrived with; one the site does not offer is not stored.

    An e-mail already taken (any case) raises ``ValidationError`` on ``email`` with ``DUPLICATE_EMAIL``,
    also when another request created it after the form checked: the unique index decides, since e-mails
    are stored lower-cased (``UserManager``)."""
    try:
        # The conflict rolls back this block only: a caller's own transaction stays usable.
        with transaction.atomic():
            extra = {"locale": locale} if locale in available_locales() else {}
            return User.objects.create_user(email=email, full_name=full_name.strip(), password=password, **extra)
    except IntegrityError as error:
        if _is_email_conflict(error):
            raise duplicate_email_error() from None
        raise


def check_notification_email(value: str) -> None:
    if value not in NotificationEmail.values:
        raise ValidationError(
            {"notification_email": [ValidationError(_(UNKNOWN_NOTIFICATION_EMAIL), code="unknown_notification_email")]}
        )


def update_profile(
    *, actor: User, full_name: str, locale: str, time_zone: str, notification_email: str | None = None
) -> User:
    """The signed-in user's own profile. An unknown language, time zone or e-mail preference raises
    ``ValidationError`` on that field and writes nothing. ``notification_email=None`` keeps the preference."""
    check_locale(locale)
    check_time_zone(time_zone)
    fields = ["full_name", "locale", "time_zone"]
    if notification_email is not None:
        check_notification_email(notification_email)
        actor.notification_email = notification_email
        fields.append("notification_email")
    actor.full_name = full_name.strip()
    actor.locale = locale
    actor.time_zone = time_zone
    actor.save(update_fields=fields)
    return actor


def unsubscribe_notification_email(*, user_id: int) -> bool:
    """Turn notification e-mail off for ``user_id`` (the signed unsubscribe link of every notification mail:
    the token is the authority, not a session). Answers whether the account exists."""
    return User.objects.filter(pk=user_id).update(notification_email=NotificationEmail.OFF) == 1


def set_unread_notification_counts(*, counts: dict[int, int]) -> None:
    """Write ``users.unread_notification_count`` (the navigation's bell) for the given users in one UPDATE.
    Learning's notification service computes the counts under a lock on the users' rows."""
    if not counts:
        return
    ids = list(counts)
    values = [counts[user_id] for user_id in ids]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE users SET unread_notification_count = v.n "
            "FROM unnest(%s::bigint[], %s::int[]) AS v(id, n) WHERE users.id = v.id",
            [ids, values],
        )


# --- roles and account status (staff console) --------------------------------------------------
# Contract: ``grant_role`` / ``revoke_role`` / ``set_account_active`` re-check the actor against
# ``accounts.permissions`` (so admin actions, imports and commands are as safe as the console) and
# keep ``users.is_staff`` equal to "is_superuser or holds an admin role". A broken rule raises
# ``PermissionDenied`` or ``ValidationError`` with one of the constants below.

ROLE_NOT_ALLOWED = "You may not grant or revoke this role at this university."
ROLE_DEPARTMENT_REQUIRED = "A department admin role names a department."
ROLE_DEPARTMENT_OTHER_UNIVERSITY = "The department belongs to another university."
ACCOUNT_STATUS_NOT_ALLOWED = "Only platform admins may activate or deactivate accounts, and not their own."
SESSIONS_NOT_ALLOWED = "Only platform admins may sign an account out everywhere, and not their own."
ACCOUNT_CREDENTIALS_NOT_ALLOWED = "Only platform admins may change another account's e-mail or password."
ACCOUNT_NOT_ATTACHABLE = (
    "This account is not a member of a university you administer: a platform admin can give it a role."
)
UNLOCK_NOT_ALLOWED = "You may unlock only accounts that hold a role at a university you administer."


def sync_is_staff(*, user_ids) -> int:
    """Recompute ``is_staff`` for the given users in one UPDATE; answer how many rows changed."""
    ids = list(user_ids)
    if not ids:
        return 0
    staff = Q(is_superuser=True) | Q(holds_admin_role_q())
    changed = User.objects.filter(pk__in=ids).filter(staff, is_staff=False).update(is_staff=True)
    changed += User.objects.filter(pk__in=ids, is_staff=True).exclude(staff).update(is_staff=False)
    return changed


def grant_role(*, actor, user: User, university, role: str, department=None):
    """Give ``user`` the ``role`` at ``university`` (idempotent: an existing row is returned, its department
    updated). ``department`` is required for ``department_admin`` and must belong to ``university``."""
    if role not in UniversityRole.values:
        raise ValidationError({"role": [f"Unknown role {role!r}."]}, code="invalid")
    if actor is not None and not can_grant_role(actor, university_id=university.pk, role=role):
        raise PermissionDenied(ROLE_NOT_ALLOWED)
    if actor is not None and not can_attach_account(actor, user):
        raise PermissionDenied(ACCOUNT_NOT_ATTACHABLE)
    if role == UniversityRole.DEPARTMENT_ADMIN and department is None:
        raise ValidationError({"department": [ROLE_DEPARTMENT_REQUIRED]}, code="required")
    if department is not None and department.university_id != university.pk:
        raise ValidationError({"department": [ROLE_DEPARTMENT_OTHER_UNIVERSITY]}, code="tenant_mismatch")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
        row, created = UserUniversityRole.objects.get_or_create(
            user=user, university=university, role=role, defaults={"department": department}
        )
        if not created and row.department_id != (department.pk if department is not None else None):
            row.department = department
            row.save(update_fields=["department"])
        sync_is_staff(user_ids=[user.pk])
    user.refresh_from_db(fields=["is_staff"])
    forget_staff_scope(user)
    return row


def revoke_role(*, actor, role) -> None:
    """Delete the role row ``role``; ``is_staff`` follows."""
    if actor is not None and not can_revoke_role(actor, role):
        raise PermissionDenied(ROLE_NOT_ALLOWED)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=role.user_id).values_list("pk", flat=True).get()
        UserUniversityRole.objects.filter(pk=role.pk).delete()
        sync_is_staff(user_ids=[role.user_id])
    if role.user_id == getattr(actor, "pk", None):
        forget_staff_scope(actor)


def set_account_active(*, actor, user: User, is_active: bool) -> User:
    """(De)activate a global account. Platform admins only, never their own account."""
    if not can_set_account_active(actor, user):
        raise PermissionDenied(ACCOUNT_STATUS_NOT_ALLOWED)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=is_active)
        if not is_active:
            UserSession.objects.filter(user_id=user.pk).delete()  # signed out everywhere
    user.is_active = is_active
    return user


def end_sessions(*, actor, user: User) -> int:
    """Sign ``user`` out of every browser (their sessions end; they log in again). Platform admins only,
    not for their own account (they would sign themselves out). Returns how many sessions ended."""
    if not can_set_account_active(actor, user):
        raise PermissionDenied(SESSIONS_NOT_ALLOWED)
    deleted, _ = UserSession.objects.filter(user_id=user.pk).delete()
    return deleted


def update_account(*, actor, user: User, email: str | None = None, full_name: str | None = None, **fields) -> User:
    """Staff edit of an account from the console. E-mail, password and the active flag are platform-only
    (``fields`` may carry ``is_active``, ``locale``, ``time_zone``); ``is_staff`` is never set here."""
    # Checked only when changed, so an account with an older value can still be edited otherwise.
    if "locale" in fields and fields["locale"] != user.locale:
        check_locale(fields["locale"])
    if "time_zone" in fields and fields["time_zone"] != user.time_zone:
        check_time_zone(fields["time_zone"])
    update: list[str] = []
    if email is not None and email.lower() != user.email:
        if not can_change_account_credentials(actor, user):
            raise PermissionDenied(ACCOUNT_CREDENTIALS_NOT_ALLOWED)
        user.email = User.objects.normalize_email(email).lower()
        update.append("email")
    if "is_active" in fields and fields["is_active"] != user.is_active:
        if not can_set_account_active(actor, user):
            raise PermissionDenied(ACCOUNT_STATUS_NOT_ALLOWED)
        user.is_active = fields.pop("is_active")
        update.append("is_active")
    fields.pop("is_active", None)
    if full_name is not None:
        user.full_name = full_name.strip()
        update.append("full_name")
    for name in ("locale", "time_zone"):
        if name in fields:
            setattr(user, name, fields.pop(name))
            update.append(name)
    if fields:
        raise ValidationError(f"These account fields cannot be changed here: {', '.join(sorted(fields))}.")
    if update:
        user.full_clean(exclude=["password"], validate_constraints=False)
        try:
            with transaction.atomic():
                user.save(update_fields=update)
        except IntegrityError as error:
            if _is_email_conflict(error):
                raise duplicate_email_error() from None
            raise
    return user


def unlock_login(*, actor, user: User) -> int:
    """Clear ``user``'s failed log-in attempts (django-axes), ending a lockout of the account before it
    expires; answers how many attempt rows were cleared. A lockout of the client's IP address is not the
    account's: it expires, or a platform admin deletes its row in the console."""
    if actor is not None and not can_unlock_login(actor, user):
        raise PermissionDenied(UNLOCK_NOT_ALLOWED)
    from axes.utils import reset  # axes is configured in settings; its models load with the app registry

    return reset(username=user.email.lower())
