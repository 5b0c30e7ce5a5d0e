"""CSV import of enrollments into offerings, and streaming CSV exports of enrollments and grades.

Contract:
- ``import_enrollments(*, actor, offering, data, base_url)``: columns ``email`` (required), ``full_name``
  (creates the account when no account has the address), ``offering_id`` (optional: a row may name its
  offering; else ``offering``). Every row is validated first, each error naming its row and column; an
  offering the actor may not manage (another tenant's) is an error. Then all or nothing in one transaction:
  new accounts (unusable password, set-password e-mail after commit), a ``student`` role at the offering's
  university for everyone who lacks one, and the enrollments through
  ``learning.enrollment.services.staff_enroll_users`` (bulk, one INSERT per 2,000 rows, under the offering lock).
- ``stream_enrollments_csv(queryset)`` / ``stream_grades_csv(queryset)``: generators of CSV lines for a
  ``StreamingHttpResponse``; the caller passes a queryset already scoped by the staff policy.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import transaction

from accounts.imports import (
    CsvImportError,
    ImportResult,
    RowError,
    check_emails,
    create_accounts,
    existing_users_by_email,
    read_csv,
    refuse_unattachable,
    send_set_password_links,
)
from accounts.models import UniversityRole, UserUniversityRole
from accounts.permissions import can_manage_row
from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.enrollment.services import staff_enroll_users

OFFERING_PATHS = {"university": "university", "department": "course__department"}
OFFERING_NOT_ALLOWED = "Offering {value} does not exist or is not one you manage."
OFFERING_INVALID = "Not an offering id: {value!r}."
OFFERING_REQUIRED = "Choose an offering, or give an offering_id column."
NAME_REQUIRED_FOR_NEW = "No account has this e-mail address; give a full_name to create one."

# Not str.isdigit(): "²" is a digit to it, and int("²") raises. 18 digits stay within a bigint key.
_ID = re.compile(r"[0-9]{1,18}")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def parse_id(value: str) -> int:
    """A row id typed by a person (a CSV cell, a query parameter): ASCII digits within a bigint, else
    ``ValueError``."""
    if not _ID.fullmatch(value):
        raise ValueError(value)
    return int(value)


def _resolve_offerings(
    actor, rows, default: CourseOffering | None, errors: list[RowError]
) -> dict[int, CourseOffering]:
    """Map each row line to its offering, checking every named offering against the policy."""
    wanted: dict[int, int] = {}
    for line, row in rows:
        raw = row.get("offering_id", "")
        if raw:
            try:
                wanted[line] = parse_id(raw)
            except ValueError:
                errors.append(RowError(line, "offering_id", OFFERING_INVALID.format(value=raw)))
        elif default is not None:
            wanted[line] = default.pk
        else:
            errors.append(RowError(line, "offering_id", OFFERING_REQUIRED))
    offerings = CourseOffering.objects.select_related("course").in_bulk(set(wanted.values()))
    allowed = {pk for pk, o in offerings.items() if can_manage_row(actor, o, **OFFERING_PATHS)}
    by_line: dict[int, CourseOffering] = {}
    for line, pk in wanted.items():
        if pk not in allowed:
            errors.append(RowError(line, "offering_id", OFFERING_NOT_ALLOWED.format(value=pk)))
        else:
            by_line[line] = offerings[pk]
    return by_line


def enroll_users(*, actor, offering: CourseOffering, users: list) -> list[CourseEnrollment]:
    """Staff enrollment through ``learning.enrollment.services.staff_enroll_users`` (bulk, under the offering lock)."""
    return staff_enroll_users(actor=actor, offering=offering, users=users)


def import_enrollments(*, actor, offering: CourseOffering | None, data: bytes, base_url: str) -> ImportResult:
    rows = read_csv(data, required=("email",), optional=("full_name", "offering_id"))
    errors: list[RowError] = []
    check_emails(rows, errors)
    by_line = _resolve_offerings(actor, rows, offering, errors)
    existing = existing_users_by_email(row["email"] for _, row in rows if row.get("email"))
    # The staff console's rule (docs/staff-console.md, "Attaching existing accounts").
    refuse_unattachable(actor=actor, rows=rows, existing=existing, errors=errors)
    for line, row in rows:
        email = row.get("email", "")
        if email and "@" in email and email not in existing and not row.get("full_name"):
            errors.append(RowError(line, "full_name", NAME_REQUIRED_FOR_NEW))
    if errors:
        raise CsvImportError(sorted(set(errors), key=lambda e: (e.row or 0, e.column or "")))

    result = ImportResult()
    with transaction.atomic():
        new = [(row["email"], row["full_name"]) for _, row in rows if row["email"] not in existing]
        created = create_accounts(actor=actor, new=new)
        users = {**existing, **{u.email: u for u in created}}
        per_offering: dict[int, list] = defaultdict(list)
        offerings: dict[int, CourseOffering] = {}
        for line, row in rows:
            target = by_line[line]
            offerings[target.pk] = target
            per_offering[target.pk].append(users[row["email"]])
        # Everyone enrolled at a university is a student there (the console lists people by role).
        UserUniversityRole.objects.bulk_create(
            [
                UserUniversityRole(user=user, university_id=offerings[pk].university_id, role=UniversityRole.STUDENT)
                for pk, members in per_offering.items()
                for user in members
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        for pk, members in per_offering.items():
            before = set(
                CourseEnrollment.objects.filter(course_offering_id=pk, user__in=members).values_list(
                    "user_id", flat=True
                )
            )
            made = [
                e for e in enroll_users(actor=actor, offering=offerings[pk], users=members) if e.user_id not in before
            ]
            result.enrolled += sum(1 for e in made if e.status == EnrollmentStatus.ACTIVE)
            result.waitlisted += sum(1 for e in made if e.status == EnrollmentStatus.WAITLISTED)
            result.skipped += len(members) - len(made)
        result.created_users, result.existing_users = len(created), len(users) - len(created)
        result.new_user_ids = [u.pk for u in created]
        ids = list(result.new_user_ids)
        transaction.on_commit(lambda: send_set_password_links(user_ids=ids, base_url=base_url))
    return result


class _Echo:
    def write(self, value: str) -> str:
        return value


def neutralise_formula(value):
    """A text cell a spreadsheet would evaluate gets a leading apostrophe (shown as text, not run)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _stream(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise_formula(value) for value in row])


# (CSV header, queryset path): the columns every export starts with, then each export's own.
_STUDENT_COLUMNS = (
    ("university", "course_offering__university__short_code"),
    ("course", "course_offering__course__code"),
    ("offering_id", "course_offering_id"),
    ("term", "course_offering__term_name"),
    ("email", "user__email"),
    ("full_name", "user__full_name"),
)
_ENROLLMENT_COLUMNS = (
    *_STUDENT_COLUMNS,
    *((name, name) for name in ("status", "waitlist_position", "enrolled_at", "completed_at")),
)
_GRADE_COLUMNS = (*_STUDENT_COLUMNS, *((name, name) for name in ("final_score", "letter_grade", "passed", "graded_at")))


def _stream_columns(queryset, columns) -> Iterator[str]:
    rows = queryset.order_by("course_offering_id", "user__email").values_list(*(path for _, path in columns))
    return _stream((header for header, _ in columns), rows.iterator(chunk_size=2000))


def stream_enrollments_csv(queryset) -> Iterator[str]:
    return _stream_columns(queryset, _ENROLLMENT_COLUMNS)


def stream_grades_csv(queryset) -> Iterator[str]:
    return _stream_columns(queryset, _GRADE_COLUMNS)


__all__ = ["CsvImportError", "import_enrollments", "stream_enrollments_csv", "stream_grades_csv"]
