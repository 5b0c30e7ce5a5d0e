"""Reads of the instructor gradebook: one page of the students × graded items grid, and the CSV exports.

Contract:
- ``get_gradebook_offering(user, offering_id)``: the offering (with course and university) when ``user`` may see
  its gradebook (``permissions.gradebooks_visible_to``), else ``Http404`` — the same for a missing offering and
  another tenant's.
- ``gradebook_page(offering, request=GridRequest(...))``: the page's rows (``PAGE_SIZE`` students), each with its
  item scores (``scores.offering_scores``, overrides applied), its category subtotals, current and final
  grade, letter and pass/fail of the final grade (``scores.offering_policy``). A **fixed number of queries**
  whatever the numbers of students and items: the policy (≤ 4), the scores (4), the overridden course grades
  (1: an instructor's course-grade override replaces the computed final grade, letter and pass/fail, marked),
  and for a sort by name, e-mail or status one more (the page's student ids, ordered and paged in SQL, so only
  the page's scores are read and graded). A sort by a grade, a category or an item reads every student's scores and grades them in one
  pass in Python (no query per student), then sorts and pages. Students without a value sort last, both ways.
- Students are the offering's learners (enrollments active or completed), filtered by ``status``.
- ``stream_gradebook_csv(offering)`` / ``stream_scores_csv(offering)``: generators of CSV lines (one row per
  student; one row per student and item), reading the students in chunks of ``CSV_CHUNK`` (a server-side
  cursor over the enrollments, then each chunk's scores): memory stays bounded by the chunk, not the offering.
  Text cells a spreadsheet would run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from catalog.models import CourseOffering
from learning.enrollment.imports import neutralise_formula
from learning.enrollment.models import CourseEnrollment
from learning.gradebook import policy as arithmetic
from learning.gradebook.models import CourseGrade
from learning.gradebook.permissions import gradebooks_visible_to
from learning.gradebook.scores import (
    LEARNER_STATUSES,
    GradebookItem,
    ItemScore,
    OfferingPolicy,
    Student,
    offering_policy,
    offering_scores,
)
from lms.numbers import plain_number

PAGE_SIZE = 50
CSV_CHUNK = 200
STATUS_CHOICES = (("", "Active and completed"), ("active", "Active"), ("completed", "Completed"))
# Sorts done in SQL on the enrollments (only the page is graded); every other key sorts the graded rows.
SQL_SORTS = {
    "name": ("user__full_name", "user__email", "user_id"),
    "email": ("user__email", "user_id"),
    "status": ("status", "user__full_name", "user_id"),
}
GRADE_SORTS = ("current", "final")


def get_gradebook_offering(user, offering_id: int) -> CourseOffering:
    offering = gradebooks_visible_to(user).select_related("course", "university").filter(pk=offering_id).first()
    if offering is None:
        raise Http404("No such offering.")
    return offering


@dataclass(frozen=True)
class GridRequest:
    status: str = ""  # "" (active and completed), "active", "completed"
    sort: str = "name"  # name | email | status | current | final | cat-<key> | item-<id>
    descending: bool = False
    page: int = 1

    def statuses(self) -> tuple[str, ...]:
        return (self.status,) if self.status in LEARNER_STATUSES else tuple(LEARNER_STATUSES)


@dataclass(frozen=True)
class CategoryColumn:
    key: str
    name: str
    weight: Decimal


@dataclass
class Row:
    student: Student
    scores: list[ItemScore]
    categories: list[tuple[float | None, float | None]]  # (current %, final %) per category column
    current: float | None
    final: float
    letter: str | None
    passed: bool | None
    final_overridden: bool = False  # a course-grade override (``grades.override_course_grade``) fixes the final


@dataclass
class GridPage:
    policy: OfferingPolicy
    items: list[GradebookItem]
    categories: list[CategoryColumn]
    rows: list[Row]
    total: int
    request: GridRequest
    page: int
    pages: int
    item_links: dict[int, str] = field(default_factory=dict)  # item id → URL of a source with "{}" for its id

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


class Grader:
    """Grades students from their scores with the offering's policy, the policy's values built once."""

    def __init__(self, policy: OfferingPolicy):
        self.policy = policy
        self.categories = policy.policy_categories
        self.items = policy.policy_items
        self.columns = [CategoryColumn(c.key, c.name, c.weight) for c in policy.categories]
        self.scale = policy.scale
        self.pass_mark = float(policy.pass_mark)
        self._keyed: list | None = None
        self._keys: list[str] = []
        self._scores: dict[tuple, arithmetic.Score] = {}

    def row(self, student: Student, items: list[GradebookItem], scores: dict, fixed: dict | None = None) -> Row:
        """``fixed``: the overridden course grades, ``{user id: (final score, letter, passed)}``."""
        cells = [scores[(student.id, item.id)] for item in items]
        # the same few hundred values recur across 100,000 cells: one policy.Score per value
        cache = self._scores
        policy_scores = {}
        if items is not self._keyed:
            self._keyed, self._keys = items, [item.key for item in items]
        for key, cell in zip(self._keys, cells, strict=True):
            value = (cell.earned, cell.excused)
            score = cache.get(value)
            if score is None:
                score = cache[value] = cell.as_score()
            policy_scores[key] = score
        result = arithmetic.compute_grade(self.categories, self.items, policy_scores)
        row = Row(
            student=student,
            scores=cells,
            categories=[
                (result.current_categories[c.key].percent, result.final_categories[c.key].percent) for c in self.columns
            ],
            current=result.current,
            final=result.final,
            letter=arithmetic.letter_for(result.final, self.scale),
            passed=arithmetic.passed(result.final, self.pass_mark),
        )
        override = (fixed or {}).get(student.id)
        if override is not None:  # an instructor's course-grade override replaces the computed final grade
            final, row.letter, row.passed = override
            row.final, row.final_overridden = float(final), True
        return row


def _sort_value(row: Row, key: str, items_index: dict[int, int], columns_index: dict[str, int]):
    if key == "current":
        return row.current
    if key == "final":
        return row.final
    if key.startswith("cat-"):
        position = columns_index.get(key[4:])
        return None if position is None else row.categories[position][0]
    if key.startswith("item-"):
        position = items_index.get(int(key[5:])) if key[5:].isdigit() else None
        if position is None:
            return None
        cell = row.scores[position]
        return None if cell.excused else cell.earned
    return None


def valid_sort(key: str, policy: OfferingPolicy) -> str:
    """The sort key when it names a column of this gradebook, else ``name``."""
    if key in SQL_SORTS or key in GRADE_SORTS:
        return key
    if key.startswith("cat-") and any(c.key == key[4:] for c in policy.categories):
        return key
    if key.startswith("item-") and key[5:].isdigit() and any(i.id == int(key[5:]) for i in policy.items):
        return key
    return "name"


def overridden_course_grades(offering: CourseOffering, user_ids: list[int] | None = None) -> dict:
    """``{user id: (final score, letter, passed)}`` of the course grades an instructor overrode. One query."""
    rows = CourseGrade.objects.filter(
        course_offering_id=offering.pk, overridden_at__isnull=False, final_score__isnull=False
    )
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    return {
        user_id: (final, letter, passed)
        for user_id, final, letter, passed in rows.values_list("user_id", "final_score", "letter_grade", "passed")
    }


def _learners(offering: CourseOffering, statuses) -> QuerySet[CourseEnrollment]:
    return CourseEnrollment.objects.filter(course_offering_id=offering.pk, status__in=statuses)


_SLOT = 987654321


def link_pattern(name: str, slot: str, **kwargs) -> str:
    """The URL ``name`` with ``{}`` where its ``slot`` argument goes: one ``reverse`` per column, not per cell."""
    return reverse(name, kwargs={**kwargs, slot: _SLOT}).replace(str(_SLOT), "{}")


def item_links(offering: CourseOffering, items: list[GradebookItem]) -> dict[int, str]:
    """The staff page of an item's attempt/submission, as a URL with ``{}`` where the source id goes."""
    links = {}
    for item in items:
        if item.kind == "quiz":
            links[item.id] = link_pattern(
                "assessments:staff-attempt", "attempt_id", offering_id=offering.pk, item_id=item.id
            )
        elif item.kind == "engineering_lab":
            links[item.id] = link_pattern("labs:grading-detail", "submission_id", offering_id=offering.pk)
        else:
            links[item.id] = link_pattern("assignments:grade", "assignment_submission_id", offering_id=offering.pk)
    return links


def gradebook_page(offering: CourseOffering, *, request: GridRequest) -> GridPage:
    policy = offering_policy(offering)
    grader = Grader(policy)
    sort = valid_sort(request.sort, policy)
    statuses = request.statuses()
    if sort in SQL_SORTS:
        order = SQL_SORTS[sort]
        if request.descending:
            order = tuple("-" + name for name in order)
        ids = list(_learners(offering, statuses).order_by(*order).values_list("user_id", flat=True))
        total = len(ids)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(request.page, 1), pages)
        page_ids = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        book = offering_scores(offering, user_ids=page_ids) if page_ids else None
        fixed = overridden_course_grades(offering, page_ids)
        by_id = {s.id: s for s in book.students} if book else {}
        rows = [grader.row(by_id[uid], book.items, book.scores, fixed) for uid in page_ids if uid in by_id]
        items = book.items if book else policy.items
    else:
        book = offering_scores(offering)
        fixed = overridden_course_grades(offering)
        items = book.items
        rows = [grader.row(s, items, book.scores, fixed) for s in book.students if s.status in statuses]
        items_index = {item.id: n for n, item in enumerate(items)}
        columns_index = {c.key: n for n, c in enumerate(grader.columns)}
        valued = [(r, _sort_value(r, sort, items_index, columns_index)) for r in rows]
        present = sorted((p for p in valued if p[1] is not None), key=lambda p: p[1], reverse=request.descending)
        rows = [r for r, _ in present] + [r for r, v in valued if v is None]
        total = len(rows)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(request.page, 1), pages)
        rows = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return GridPage(
        policy=policy,
        items=items,
        categories=grader.columns,
        rows=rows,
        total=total,
        request=GridRequest(status=request.status, sort=sort, descending=request.descending, page=page),
        page=page,
        pages=pages,
        item_links=item_links(offering, items),
    )


# --- CSV ----------------------------------------------------------------------------------------------------


def _number(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"


def _cell_text(cell: ItemScore) -> str:
    if cell.excused:
        return "EX"
    return _number(cell.earned)


def _chunks(offering: CourseOffering) -> Iterator[list[int]]:
    """The learners' ids by name, in chunks, from a server-side cursor (``iterator``)."""
    chunk: list[int] = []
    ids = (
        _learners(offering, LEARNER_STATUSES)
        .order_by("user__full_name", "user__email", "user_id")
        .values_list("user_id", flat=True)
        .iterator(chunk_size=CSV_CHUNK)
    )
    for user_id in ids:
        chunk.append(user_id)
        if len(chunk) == CSV_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Echo:
    """A file whose ``write`` answers the line: ``csv.writer`` then yields lines one at a time."""

    def write(self, value: str) -> str:
        return value


def _writer():
    return csv.writer(_Echo())


def stream_gradebook_csv(offering: CourseOffering) -> Iterator[str]:
    """One row per student: e-mail, name, status, every item's score (``EX`` excused, empty: nothing counts),
    each category's current and final percent, the current and final grade, letter, passed."""
    policy = offering_policy(offering)
    grader = Grader(policy)
    writer = _writer()
    header = ["email", "full_name", "status"]
    header += [f"{item.title} ({plain_number(item.points_possible)} pts) [{item.id}]" for item in policy.items]
    for column in grader.columns:
        header += [f"{column.name} current %", f"{column.name} final %"]
    header += ["current grade %", "final grade %", "letter (final)", "passed (final)", "final overridden"]
    yield writer.writerow([neutralise_formula(value) for value in header])
    for ids in _chunks(offering):
        book = offering_scores(offering, user_ids=ids)
        fixed = overridden_course_grades(offering, ids)
        by_id = {s.id: s for s in book.students}
        for user_id in ids:
            student = by_id.get(user_id)
            if student is None:
                continue
            row = grader.row(student, book.items, book.scores, fixed)
            values = [student.email, student.full_name, student.status]
            values += [_cell_text(cell) for cell in row.scores]
            for current, final in row.categories:
                values += [_number(current), _number(final)]
            values += [
                _number(row.current),
                _number(row.final),
                row.letter or "",
                "" if row.passed is None else ("yes" if row.passed else "no"),
                "yes" if row.final_overridden else "",
            ]
            yield writer.writerow([neutralise_formula(value) for value in values])


def stream_scores_csv(offering: CourseOffering) -> Iterator[str]:
    """One row per student and graded item (long format): who, which item, its category, the score that
    counts, the points possible and the marks."""
    policy = offering_policy(offering)
    category_names = {c.key: c.name for c in policy.categories}
    writer = _writer()
    yield writer.writerow(
        ["email", "full_name", "item_id", "item", "category", "score", "points_possible",
         "excused", "late", "missing", "overridden"]  # fmt: skip
    )
    flag = ("", "yes")
    for ids in _chunks(offering):
        book = offering_scores(offering, user_ids=ids)
        by_id = {s.id: s for s in book.students}
        for user_id in ids:
            student = by_id.get(user_id)
            if student is None:
                continue
            email, name = neutralise_formula(student.email), neutralise_formula(student.full_name)
            for item in book.items:
                cell = book.scores[(user_id, item.id)]
                yield writer.writerow([
                    email, name, item.id, neutralise_formula(item.title),
                    neutralise_formula(category_names.get(policy.item_category.get(item.id), "")),
                    "" if cell.excused else _number(cell.earned), _number(item.points_possible),
                    flag[cell.excused], flag[cell.late], flag[cell.missing], flag[cell.overridden],
                ])  # fmt: skip
