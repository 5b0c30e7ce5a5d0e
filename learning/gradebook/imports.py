"""CSV import of one graded item's scores into the gradebook: checked first, then all or nothing.

Contract:
- ``check_item_scores(*, actor, offering, item, data)`` reads the file and answers an ``ItemScoresCheck``: the
  row errors (``accounts.imports.RowError``, each naming its line and column) and, when there are none, the
  changes it would make (student, the score that counts now, the new one). It writes nothing.
- ``import_item_scores(*, actor, offering, item, values, reason)`` writes checked values through the override
  path (``overrides.apply_item_scores``: one transaction, each change audited in ``grade_changes`` with the
  reason, kind ``override``). Why the override path and not each item's own grading: it is the same for
  quizzes, labs and assignments, it needs no attempt or submission (a paper exam, a score agreed after a
  review), and it leaves the item's own grading untouched, so removing the override restores it.
- The file: UTF-8 (a BOM is fine), at most ``MAX_BYTES``; a header with ``email`` and ``score`` (other columns,
  such as ``full_name``, are ignored); ``score`` is a number within the item's points with at most two
  decimals, ``EX`` to excuse the item, or empty to leave the student's score as it is. Errors: a wrong
  encoding, an empty file, a missing column, an e-mail that is no learner of this offering (another
  university's students look the same as unknown addresses), a student on two rows, a score that is not a
  number, negative, above the item's points or too precise; a file too large. Any error: nothing is written.
- Allowed to ``permissions.can_override_grades`` (re-checked when writing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Lower

from accounts.imports import CsvImportError, RowError, read_csv
from catalog.models import CourseOffering
from learning.enrollment.models import CourseEnrollment
from learning.gradebook import overrides
from learning.gradebook.scores import LEARNER_STATUSES, GradebookItem, offering_scores

MAX_BYTES = 2 * 1024 * 1024
FILE_TOO_LARGE = "The file is larger than {max} MB; import one item's scores at a time."
UNKNOWN_STUDENT = "No student of this offering has this e-mail address."
DUPLICATE_STUDENT = "This student is already on row {row}."
EMAIL_REQUIRED = "This value is required."
EXCUSED_WORDS = {"ex", "excused"}


@dataclass(frozen=True)
class Change:
    row: int
    student_id: int
    email: str
    full_name: str
    before: object  # Decimal, overrides.EXCUSED or None
    after: object

    @property
    def before_text(self) -> str:
        return _shown(self.before) or "–"

    @property
    def after_text(self) -> str:
        return _shown(self.after)


@dataclass
class ItemScoresCheck:
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    blank: int = 0

    @property
    def values(self) -> dict[int, object]:
        return {change.student_id: change.after for change in self.changes}


def _shown(value) -> str:
    if value is overrides.EXCUSED:
        return "EX"
    return "" if value is None else f"{value}"


def check_item_scores(*, actor, offering: CourseOffering, item: GradebookItem, data: bytes) -> ItemScoresCheck:
    if not overrides.can_override_grades(actor, offering):
        raise PermissionDenied(overrides.NOT_ALLOWED)
    check = ItemScoresCheck()
    if len(data) > MAX_BYTES:
        check.errors.append(RowError(None, None, FILE_TOO_LARGE.format(max=MAX_BYTES // (1024 * 1024))))
        return check
    try:
        rows = read_csv(data, required=("email", "score"))
    except CsvImportError as error:
        check.errors.extend(error.errors)
        return check
    learners = dict(
        CourseEnrollment.objects.filter(course_offering_id=offering.pk, status__in=LEARNER_STATUSES)
        .annotate(email=Lower("user__email"))
        .filter(email__in={values["email"].strip().lower() for _, values in rows if values["email"]})
        .values_list("email", "user_id")
    )
    seen: dict[int, int] = {}
    parsed: list[tuple[int, int, str, object]] = []
    for line, values in rows:
        email = values["email"].strip().lower()
        if not email:
            check.errors.append(RowError(line, "email", EMAIL_REQUIRED))
            continue
        student_id = learners.get(email)
        if student_id is None:
            check.errors.append(RowError(line, "email", UNKNOWN_STUDENT))
            continue
        if student_id in seen:
            check.errors.append(RowError(line, "email", DUPLICATE_STUDENT.format(row=seen[student_id])))
            continue
        seen[student_id] = line
        raw = values["score"].strip()
        if not raw:
            check.blank += 1
            continue
        if raw.lower() in EXCUSED_WORDS:
            parsed.append((line, student_id, email, overrides.EXCUSED))
            continue
        try:
            parsed.append((line, student_id, email, overrides.parse_score(raw, points_possible=item.points_possible)))
        except ValidationError as error:
            check.errors.append(RowError(line, "score", error.messages[0]))
    if check.errors or not parsed:
        return check
    book = offering_scores(offering, user_ids=[student_id for _, student_id, _, _ in parsed])
    names = {student.id: student.full_name for student in book.students}
    for line, student_id, email, value in parsed:
        score = book.scores.get((student_id, item.id))
        before = None if score is None else (overrides.EXCUSED if score.excused else score.earned)
        if before == value:
            check.unchanged += 1
            continue
        check.changes.append(Change(line, student_id, email, names.get(student_id, ""), before, value))
    return check


def import_item_scores(*, actor, offering: CourseOffering, item: GradebookItem, values: dict[int, object],
                       reason: str) -> int:
    """Write checked values (all or nothing); answers how many students' scores changed."""
    return overrides.apply_item_scores(actor=actor, offering=offering, item=item, values=values, reason=reason)


def encode_values(values: dict[int, object]) -> dict[str, str]:
    """Checked values as JSON-safe strings (kept in the session between the check and the import)."""
    return {str(student_id): _shown(value) for student_id, value in values.items()}


def decode_values(stored: dict[str, str]) -> dict[int, object]:
    return {
        int(student_id): overrides.EXCUSED if value == "EX" else Decimal(value) for student_id, value in stored.items()
    }


__all__ = ["Change", "ItemScoresCheck", "check_item_scores", "import_item_scores"]
