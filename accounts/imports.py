"""CSV import of users with their roles at one university (the staff console's "Import users").

Contract:
- ``read_csv(data, required=…, optional=…)`` decodes (UTF-8, with or without BOM) and parses a whole file,
  answering the rows as dicts with their line number, or raising ``CsvImportError`` whose ``errors`` are
  ``RowError(row, column, message)``: a wrong encoding, an empty file, a missing column.
- ``import_users(*, actor, university, data, base_url)`` validates EVERY row first (each error names its
  row and column), then writes all or nothing in one transaction: new accounts in bulk with an unusable
  password (hashing 10,000 passwords would take minutes), role rows in bulk, ``is_staff`` recomputed, one
  admin-log entry per new account with the actor. After commit, each new account gets one e-mail with a
  link to set a password (one SMTP connection for all of them).
- Permission: every role in the file is re-checked with ``accounts.permissions.can_grant_role`` (a university
  admin imports only into their university and never grants platform_admin), and every *existing* account
  with ``attachable_account_ids`` (:func:`refuse_unattachable`): staff other than platform admins attach
  only accounts already holding a role at a university they administer; any other existing account is a
  row error (``ACCOUNT_NOT_ATTACHABLE``) and nothing is written (docs/staff-console.md).
CSV columns: ``email`` (required), ``full_name`` (required for a new account), ``role`` (default student),
``department`` (a department code of the university; required for department_admin).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import UniversityRole, User, UserUniversityRole
from accounts.permissions import ADMIN_ROLES, attachable_account_ids, can_grant_role
from accounts.services import sync_is_staff

MAX_ROWS = 50_000
WRONG_ENCODING = "The file is not UTF-8 text (save it as CSV UTF-8)."
EMPTY_FILE = "The file is empty: it needs a header line and at least one row."
TOO_MANY_ROWS = "The file has more than {max} rows; split it."
MISSING_COLUMN = "The header has no {column!r} column."
REQUIRED = "This value is required."
INVALID_EMAIL = "Not a valid e-mail address."
DUPLICATE_IN_FILE = "This e-mail address is already on row {row}."
UNKNOWN_ROLE = "Unknown role {value!r} (one of: {choices})."
ROLE_NOT_ALLOWED = "You may not grant the role {value!r} at this university."
UNKNOWN_DEPARTMENT = "No department with code {value!r} at this university."
DEPARTMENT_REQUIRED = "A department_admin row names a department code."
NAME_REQUIRED_FOR_NEW = "No account has this e-mail address; give a full_name to create one."
# The same words whether the account holds roles at another university or none: the import says only what
# the sign-up form already tells anyone (an account exists), never where the person belongs.
ACCOUNT_NOT_ATTACHABLE = (
    "An account with this e-mail address exists but is not a member of this university; a platform admin "
    "can add it, or invite the person to an offering."
)
SET_PASSWORD_SUBJECT = "Your Sigma LMS account"  # noqa: S105 (e-mail subject)


@dataclass(frozen=True)
class RowError:
    row: int | None  # the line of the file (the header is line 1); None for the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class CsvImportError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:20]))
        self.errors = errors


@dataclass
class ImportResult:
    created_users: int = 0
    existing_users: int = 0
    roles_granted: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    skipped: int = 0
    new_user_ids: list[int] = field(default_factory=list)


def read_csv(data: bytes, *, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[int, dict]]:
    """Decode and parse the whole file; answer ``[(line, {column: stripped value})]``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvImportError([RowError(None, None, WRONG_ENCODING)])
    if "\x00" in text:
        raise CsvImportError([RowError(None, None, WRONG_ENCODING)])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):  # blank lines before the header
            header = next(reader)
    except StopIteration:
        raise CsvImportError([RowError(None, None, EMPTY_FILE)])
    except csv.Error as error:
        raise CsvImportError([RowError(1, None, str(error))])
    columns = [name.strip().lower() for name in header]
    missing = [RowError(1, name, MISSING_COLUMN.format(column=name)) for name in required if name not in columns]
    if missing:
        raise CsvImportError(missing)
    wanted = set(required) | set(optional)
    rows: list[tuple[int, dict]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines carry nothing
            line = reader.line_num
            rows.append(
                (line, {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(columns) if name in wanted})
            )
            if len(rows) > MAX_ROWS:
                raise CsvImportError([RowError(None, None, TOO_MANY_ROWS.format(max=MAX_ROWS))])
    except csv.Error as error:
        raise CsvImportError([RowError(reader.line_num, None, str(error))])
    if not rows:
        raise CsvImportError([RowError(None, None, EMPTY_FILE)])
    return rows


def check_emails(rows: list[tuple[int, dict]], errors: list[RowError]) -> dict[str, int]:
    """Validate the ``email`` column; answer {normalised e-mail: line} of the valid, first occurrences."""
    seen: dict[str, int] = {}
    for line, row in rows:
        email = row.get("email", "").lower()
        if not email:
            errors.append(RowError(line, "email", REQUIRED))
            continue
        try:
            validate_email(email)
        except ValidationError:
            errors.append(RowError(line, "email", INVALID_EMAIL))
            continue
        if email in seen:
            errors.append(RowError(line, "email", DUPLICATE_IN_FILE.format(row=seen[email])))
            continue
        seen[email] = line
        row["email"] = email
    return seen


def existing_users_by_email(emails) -> dict[str, User]:
    found: dict[str, User] = {}
    emails = list(emails)
    for start in range(0, len(emails), 5000):
        for user in User.objects.filter(email__in=emails[start : start + 5000]):
            found[user.email.lower()] = user
    return found


def refuse_unattachable(*, actor, rows: list[tuple[int, dict]], existing: dict[str, User], errors: list[RowError]) -> set[str]:
    """Add a row error for each row naming an existing account ``actor`` may not attach (roles at another
    university, or none: the same words for both); answer those rows' e-mails."""
    attachable = attachable_account_ids(actor, [user.pk for user in existing.values()])
    refused = {email for email, user in existing.items() if user.pk not in attachable}
    for line, row in rows:
        if row.get("email") in refused:
            errors.append(RowError(line, "email", ACCOUNT_NOT_ATTACHABLE))
    return refused


def create_accounts(*, actor, new: list[tuple[str, str]]) -> list[User]:
    """Bulk-create accounts with unusable passwords and log each with the actor (call inside a transaction)."""
    users = [
        User(email=email, full_name=name, password=make_password(None), is_active=True, is_staff=False)
        for email, name in new
    ]
    created = User.objects.bulk_create(users, batch_size=2000)
    content_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                user_id=actor.pk,
                content_type=content_type,
                object_id=str(user.pk),
                object_repr=str(user)[:200],
                action_flag=ADDITION,
                change_message='[{"added": {}}] Imported from CSV.',
            )
            for user in created
        ],
        batch_size=2000,
    )
    return created


def send_set_password_links(*, user_ids: list[int], base_url: str) -> None:
    """E-mail each account a link to choose its password, over one connection (call after commit)."""
    if not user_ids:
        return
    messages = []
    for user in User.objects.filter(pk__in=user_ids).only("pk", "email", "full_name", "password", "last_login"):
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = base_url.rstrip("/") + reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        body = (
            f"Hello {user.full_name or user.email},\n\n"
            f"An account was created for you on Sigma LMS. Choose your password here:\n{link}\n"
        )
        messages.append(EmailMessage(SET_PASSWORD_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    with get_connection() as connection:
        connection.send_messages(messages)


def import_users(*, actor, university, data: bytes, base_url: str) -> ImportResult:
    rows = read_csv(data, required=("email",), optional=("full_name", "role", "department"))
    errors: list[RowError] = []
    check_emails(rows, errors)
    departments = {d.code.lower(): d for d in university.departments.all()}
    existing = existing_users_by_email(row["email"] for _, row in rows if row.get("email"))
    refused = refuse_unattachable(actor=actor, rows=rows, existing=existing, errors=errors)
    grants: list[tuple[str, str, object]] = []  # (email, role, department)
    for line, row in rows:
        if row.get("email") in refused:
            continue
        role = (row.get("role") or UniversityRole.STUDENT).lower()
        department = None
        if role not in UniversityRole.values:
            errors.append(RowError(line, "role", UNKNOWN_ROLE.format(value=role, choices=", ".join(UniversityRole.values))))
            continue
        if not can_grant_role(actor, university_id=university.pk, role=role):
            errors.append(RowError(line, "role", ROLE_NOT_ALLOWED.format(value=role)))
            continue
        code = row.get("department", "")
        if code:
            department = departments.get(code.lower())
            if department is None:
                errors.append(RowError(line, "department", UNKNOWN_DEPARTMENT.format(value=code)))
                continue
        elif role == UniversityRole.DEPARTMENT_ADMIN:
            errors.append(RowError(line, "department", DEPARTMENT_REQUIRED))
            continue
        email = row.get("email", "")
        if email and email not in existing and not row.get("full_name"):
            errors.append(RowError(line, "full_name", NAME_REQUIRED_FOR_NEW))
            continue
        grants.append((email, role, department))
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: (e.row or 0, e.column or "")))

    result = ImportResult()
    names = {row["email"]: row.get("full_name", "") for _, row in rows}
    with transaction.atomic():
        new = [(email, names[email]) for email, _, _ in grants if email not in existing]
        created = create_accounts(actor=actor, new=new)
        users = {**existing, **{u.email: u for u in created}}
        role_rows = [
            UserUniversityRole(user=users[email], university=university, role=role, department=department)
            for email, role, department in grants
        ]
        before = UserUniversityRole.objects.filter(university=university, user__in=[r.user for r in role_rows]).count()
        UserUniversityRole.objects.bulk_create(role_rows, batch_size=2000, ignore_conflicts=True)
        after = UserUniversityRole.objects.filter(university=university, user__in=[r.user for r in role_rows]).count()
        sync_is_staff(user_ids=[users[email].pk for email, role, _ in grants if role in ADMIN_ROLES])
        result.created_users, result.existing_users = len(created), len(grants) - len(created)
        result.roles_granted = after - before
        result.new_user_ids = [u.pk for u in created]
        ids = list(result.new_user_ids)
        transaction.on_commit(lambda: send_set_password_links(user_ids=ids, base_url=base_url))
    return result
