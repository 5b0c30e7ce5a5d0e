"""What every student has scored on every graded item of an offering, and the offering's grading policy as the
plain values ``policy.compute_grade`` reads. Selectors (reads only), a fixed number of queries each.

``offering_scores(offering, *, user_ids=None) -> OfferingScores`` — four queries whatever the size (the
students, the graded items, one UNION of the three score sources and the gradebook's item overrides, the
extensions). Every (student, item)
pair has an ``ItemScore``:

- **the counting score** (``earned`` in the item's points, ``None`` when nothing counts yet):
  * quiz (``quiz``): the best submitted attempt by percent (the earlier one on a tie), as the quiz pages and
    the item's progress count it; a quiz is worth 100 points and earns the attempt's percent;
  * lab (``engineering_lab``): the best or the latest scored submission, per the lab's ``score_policy``
    (``labs.counted_score``); worth the lab's ``grading.max_points`` (default 100);
  * assignment: the submission's ``score`` (raw − late penalty, or the missing score) once it is posted
    (``posted_at``: students never see an unposted grade, so it does not count either); worth ``max_points``.
  A score stored against another maximum than the item's current one is scaled to the item's points.
  * **an item override** (``item_score_overrides``, written by ``overrides.override_item_score`` and the CSV
    import) replaces all of the above: its score (in the item's points, as the instructor typed it) counts,
    or the item is excused; ``overridden`` is set and ``missing`` cleared. ``source_id`` stays the item's own
    attempt/submission, so the cell still opens the work.
- **flags**: ``late`` (an assignment handed in after the student's due time, not exempt), ``missing`` (the
  student's due date has passed and nothing was handed in — assignments: the due time with the student's
  extension, or the missing score given by ``apply_missing_scores``; quizzes and labs: the offering's end,
  or the student's later extension), ``excused`` (none of the score sources excuse; the gradebook's item
  overrides set it), ``submitted`` (something was handed in), ``graded``.
- ``source_id``: the counted attempt/submission (what a gradebook cell opens), else the latest one.

The students are the offering's learners (active or completed enrollments), by name; ``user_ids`` narrows
them (a recompute after one student's grade changed).

``offering_policy(offering) -> OfferingPolicy`` — at most four queries: the policy row and its scale, the
scale's rows, the categories, the graded items with their category rows. Until the instructor saves a
policy the offering has the **default policy**: one category per kind of graded item present (Quizzes,
Labs, Assignments, in that order), equal weights (the last takes the rounding remainder), no drops, the
platform's scale (Canvas's default), pass mark 50, certificates on completion with a passing grade. With
saved categories, an item with no category row lands in the category whose ``default_kind`` is its kind,
else in the first category.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import F, FilteredRelation, Q
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from learning.assessments.models import Accommodation
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from learning.gradebook import policy as arithmetic
from learning.gradebook.models import (
    GRADED_KINDS,
    CertificateRule,
    GradingCategory,
    GradingPolicy,
    GradingScaleRow,
    ItemKind,
)
from syllabus.models import ContentItem

LEARNER_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)
QUIZ_POINTS = Decimal(100)
DEFAULT_LAB_POINTS = Decimal(100)
DEFAULT_CATEGORY_NAMES = {ItemKind.QUIZ: "Quizzes", ItemKind.LAB: "Labs", ItemKind.ASSIGNMENT: "Assignments"}
KIND_LABELS = {ItemKind.QUIZ: "Quiz", ItemKind.LAB: "Lab", ItemKind.ASSIGNMENT: "Assignment"}
KIND_ORDER = (ItemKind.QUIZ, ItemKind.LAB, ItemKind.ASSIGNMENT)
_CENT = Decimal("0.01")


# --- the graded items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradebookItem:
    """One graded item of the offering (a gradebook column)."""

    id: int
    title: str
    kind: str  # quiz | engineering_lab | assignment
    points_possible: Decimal
    due_at: datetime | None = None  # assignments: the absolute due date, or None (offset or none)
    due_offset_days: int | None = None
    # the policy's row for the item (None: no row, the default category)
    category_id: int | None = None
    never_drop: bool = False
    extra_credit: bool = False

    @property
    def key(self) -> str:
        return str(self.id)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _decimal(value, default: Decimal) -> Decimal:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError, TypeError):
        return default
    return number if number.is_finite() and number >= 0 else default


def _when(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(str(value))
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _offset(value) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days >= 0 else None


def graded_items(offering) -> list[GradebookItem]:
    """The offering's graded items (active quizzes, labs that are graded, assignments), in the course's
    order, with the policy's row for each. One query; only the payload keys needed are read."""
    rows = (
        ContentItem.objects.filter(course_id=offering.course_id, content_type__name__in=GRADED_KINDS, is_active=True)
        .annotate(
            kind=F("content_type__name"),
            lab_points=KT("data_json__grading__max_points"),
            lab_grading=KT("data_json__grading__type"),
            assignment_points=KT("data_json__max_points"),
            due=KT("data_json__due_at"),
            due_offset=KT("data_json__due_offset_days"),
            setting=FilteredRelation("grading_items", condition=Q(grading_items__course_offering_id=offering.pk)),
        )
        .values_list(
            "id",
            "title",
            "kind",
            "lab_points",
            "lab_grading",
            "assignment_points",
            "due",
            "due_offset",
            "setting__category_id",
            "setting__never_drop",
            "setting__extra_credit",
        )
        .order_by("module_id", "sequence_index", "id")
    )
    items = []
    for pk, title, kind, lab_points, lab_grading, points, due, offset, category_id, never_drop, extra in rows:
        if kind == ItemKind.LAB and lab_grading == "none":
            continue
        if kind == ItemKind.QUIZ:
            possible = QUIZ_POINTS
        elif kind == ItemKind.LAB:
            possible = _decimal(lab_points, DEFAULT_LAB_POINTS) if lab_points is not None else DEFAULT_LAB_POINTS
        else:
            possible = _decimal(points, Decimal(0))
        items.append(
            GradebookItem(
                id=pk,
                title=title,
                kind=kind,
                points_possible=possible,
                due_at=_when(due) if kind == ItemKind.ASSIGNMENT else None,
                due_offset_days=_offset(offset) if kind == ItemKind.ASSIGNMENT else None,
                category_id=category_id,
                never_drop=bool(never_drop),
                extra_credit=bool(extra),
            )
        )
    return items


# --- the scores ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Student:
    id: int
    full_name: str
    email: str
    status: str
    enrolled_at: datetime | None


@dataclass(frozen=True)
class ItemScore:
    earned: Decimal | None  # in the item's points; None: nothing counts (yet)
    possible: Decimal
    late: bool = False
    missing: bool = False
    excused: bool = False
    submitted: bool = False
    source_id: int | None = None  # the counted attempt/submission, else the latest one
    overridden: bool = False  # an instructor's item override decides earned/excused

    @property
    def graded(self) -> bool:
        return self.earned is not None

    @property
    def percent(self) -> Decimal | None:
        if self.earned is None or not self.possible:
            return None
        return (self.earned * 100 / self.possible).quantize(_CENT)

    def as_score(self) -> arithmetic.Score:
        return arithmetic.Score(earned=None if self.earned is None else float(self.earned), excused=self.excused)


@dataclass
class OfferingScores:
    offering_id: int
    items: list[GradebookItem]
    students: list[Student]
    scores: dict[tuple[int, int], ItemScore] = field(default_factory=dict)  # (user id, item id) → score

    def score(self, user_id: int, item_id: int) -> ItemScore:
        return self.scores[(user_id, item_id)]

    def policy_scores(self, user_id: int) -> dict[str, arithmetic.Score]:
        """``{item key: policy.Score}`` of one student, what ``policy.compute_grade`` reads."""
        return {item.key: self.scores[(user_id, item.id)].as_score() for item in self.items}


# One row per (source, student, item): the counted quiz attempt, the counted lab submission (a scored one
# first; else the latest, which tells "handed in, not graded yet"), the assignment submission.
_SCORES_SQL = """
SELECT * FROM (
    SELECT DISTINCT ON (a.user_id, a.content_item_id)
        'quiz' AS kind, a.user_id, a.content_item_id, a.id, a.score_obtained, a.max_score,
        0::bigint AS seconds_late, FALSE AS is_missing, TRUE AS submitted, FALSE AS exempt
    FROM quiz_attempts a
    WHERE a.course_offering_id = %(offering)s AND a.submitted_at IS NOT NULL {quiz_users}
    ORDER BY a.user_id, a.content_item_id, (a.score_obtained IS NULL),
        CASE WHEN a.max_score > 0 THEN a.score_obtained / a.max_score ELSE 0 END DESC NULLS LAST, a.attempt_number
) quizzes
UNION ALL
SELECT * FROM (
    SELECT DISTINCT ON (s.user_id, s.content_item_id)
        'engineering_lab', s.user_id, s.content_item_id, s.id, s.score_obtained, s.max_score,
        0::bigint, FALSE, TRUE, FALSE
    FROM lab_submissions s JOIN content_items ci ON ci.id = s.content_item_id
    WHERE s.course_offering_id = %(offering)s {lab_users}
    ORDER BY s.user_id, s.content_item_id, (s.score_obtained IS NULL),
        CASE WHEN ci.data_json->>'score_policy' = 'latest' THEN s.attempt_number ELSE 0 END DESC,
        s.score_obtained DESC NULLS LAST, s.attempt_number DESC
) labs
UNION ALL
SELECT 'assignment', s.user_id, s.content_item_id, s.id,
    CASE WHEN s.posted_at IS NOT NULL THEN s.score END, s.max_score,
    s.seconds_late, s.is_missing, s.status = 'submitted', s.late_exempt
FROM assignment_submissions s
WHERE s.course_offering_id = %(offering)s {assignment_users}
UNION ALL
SELECT 'override', o.student_id, o.content_item_id, o.id, o.score, NULL::numeric,
    0::bigint, FALSE, FALSE, o.excused
FROM item_score_overrides o
WHERE o.course_offering_id = %(offering)s {override_users}
"""


def _score_rows(offering_id: int, user_ids: list[int] | None):
    params: dict = {"offering": offering_id}
    filters = {"quiz_users": "", "lab_users": "", "assignment_users": "", "override_users": ""}
    if user_ids is not None:
        params["users"] = user_ids
        filters = {
            "quiz_users": "AND a.user_id = ANY(%(users)s)",
            "lab_users": "AND s.user_id = ANY(%(users)s)",
            "assignment_users": "AND s.user_id = ANY(%(users)s)",
            "override_users": "AND o.student_id = ANY(%(users)s)",
        }
    with connection.cursor() as cursor:
        cursor.execute(_SCORES_SQL.format(**filters), params)
        return cursor.fetchall()


def _extensions(offering_id: int, user_ids: list[int] | None) -> dict[tuple[int, int | None], datetime]:
    """``{(student id, item id or None): extended_until}`` (None: the offering-wide row). One query."""
    rows = Accommodation.objects.filter(course_offering_id=offering_id, extended_until__isnull=False)
    if user_ids is not None:
        rows = rows.filter(student_id__in=user_ids)
    return {
        (student_id, item_id): until
        for student_id, item_id, until in rows.values_list("student_id", "content_item_id", "extended_until")
    }


def _scaled(score: Decimal | None, row_max: Decimal | None, possible: Decimal, kind: str) -> Decimal | None:
    if score is None:
        return None
    if kind == ItemKind.QUIZ:  # a quiz earns its percent of 100 points
        return (score * QUIZ_POINTS / row_max).quantize(_CENT) if row_max else Decimal(0)
    if row_max and row_max != possible:
        return (score * possible / row_max).quantize(_CENT)
    return score


def offering_scores(offering, *, user_ids: Iterable[int] | None = None) -> OfferingScores:
    """Every learner × graded item of ``offering`` (see the module's contract). Four queries."""
    ids = None if user_ids is None else sorted({int(pk) for pk in user_ids})
    enrollments = CourseEnrollment.objects.filter(course_offering_id=offering.pk, status__in=LEARNER_STATUSES)
    if ids is not None:
        enrollments = enrollments.filter(user_id__in=ids)
    students = [
        Student(id=uid, full_name=name or "", email=email, status=status, enrolled_at=enrolled_at)
        for uid, name, email, status, enrolled_at in enrollments.order_by(
            "user__full_name", "user__email", "user_id"
        ).values_list("user_id", "user__full_name", "user__email", "status", "enrolled_at")
    ]
    items = graded_items(offering)
    result = OfferingScores(offering_id=offering.pk, items=items, students=students)
    if not items or not students:
        for student in students:
            for item in items:
                result.scores[(student.id, item.id)] = ItemScore(earned=None, possible=item.points_possible)
        return result
    student_ids = [student.id for student in students]
    rows, overrides = {}, {}
    for row in _score_rows(offering.pk, student_ids):
        (overrides if row[0] == "override" else rows)[(row[1], row[2])] = row
    extensions = _extensions(offering.pk, student_ids)
    extended_students = {student_id for student_id, _ in extensions}
    now = timezone.now()
    # One pass over 100,000 cells: what does not depend on the student is worked out once per item, cells
    # with nothing handed in are shared (ItemScore is immutable), extensions are looked up only for the
    # students who have one.
    columns = []
    for item in items:
        if item.kind == ItemKind.ASSIGNMENT:
            offset = item.due_offset_days if item.due_at is None else None
            columns.append((item.id, item.points_possible, item.kind, item.due_at, offset))
        else:
            columns.append((item.id, item.points_possible, item.kind, offering.ends_at, None))
    empty: dict[tuple[Decimal, bool], ItemScore] = {}
    scores = result.scores
    for student in students:
        student_id = student.id
        wide = extensions.get((student_id, None))
        extended_here = student_id in extended_students
        anchor = offering.starts_at or student.enrolled_at
        for item_id, possible, kind, due, offset in columns:
            if offset is not None:
                due = anchor + timedelta(days=offset) if anchor is not None else None
            if extended_here:
                own = extensions.get((student_id, item_id))
                extended = max((when for when in (wide, own) if when is not None), default=None)
                if due is not None and extended is not None and extended > due:
                    due = extended
            past_due = due is not None and now > due
            key = (student_id, item_id)
            row = rows.get(key)
            if row is None:
                cell = empty.get((possible, past_due))
                if cell is None:
                    cell = empty[(possible, past_due)] = ItemScore(earned=None, possible=possible, missing=past_due)
            else:
                _, _, _, source_id, score, row_max, seconds_late, is_missing, submitted, exempt = row
                cell = ItemScore(
                    earned=_scaled(score, row_max, possible, kind),
                    possible=possible,
                    late=bool(submitted and seconds_late and not exempt),
                    missing=bool(is_missing) or (not submitted and not exempt and past_due),
                    submitted=bool(submitted),
                    source_id=source_id,
                )
            if overrides:
                override = overrides.get(key)
                if override is not None:
                    excused = bool(override[9])
                    cell = replace(cell, earned=None if excused else override[4], excused=excused, missing=False,
                                   overridden=True)  # fmt: skip
            scores[key] = cell
    return result


# --- the policy ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyCategory:
    """A category as the pages show it (``policy.Category`` is what the arithmetic reads)."""

    key: str
    id: int | None  # None: a default category, not saved yet
    name: str
    weight: Decimal
    drop_lowest: int
    default_kind: str | None

    def as_category(self) -> arithmetic.Category:
        return arithmetic.Category(key=self.key, weight=float(self.weight), drop_lowest=self.drop_lowest)


@dataclass(frozen=True)
class OfferingPolicy:
    offering_id: int
    is_default: bool  # no category saved yet: the default policy
    categories: list[PolicyCategory]
    items: list[GradebookItem]
    item_category: dict[int, str]  # item id → category key
    scale: tuple[tuple[str, float], ...]
    scale_id: int | None
    scale_name: str
    pass_mark: Decimal
    certificate_rule: str
    certificate_valid_months: int | None
    finalized_at: datetime | None

    @cached_property
    def policy_categories(self) -> list[arithmetic.Category]:
        return [category.as_category() for category in self.categories]

    @cached_property
    def policy_items(self) -> list[arithmetic.GradedItem]:
        return [
            arithmetic.GradedItem(
                key=item.key,
                category=self.item_category[item.id],
                points_possible=float(item.points_possible),
                never_drop=item.never_drop,
                extra_credit=item.extra_credit,
            )
            for item in self.items
        ]

    def grade(self, scores: dict[str, arithmetic.Score]) -> arithmetic.GradeResult:
        return arithmetic.compute_grade(self.policy_categories, self.policy_items, scores)

    def letter(self, percent) -> str | None:
        return arithmetic.letter_for(None if percent is None else float(percent), self.scale)

    def passed(self, percent) -> bool | None:
        return arithmetic.passed(None if percent is None else float(percent), float(self.pass_mark))

    @property
    def has_graded_items(self) -> bool:
        return bool(self.items)


PLATFORM_SCALE_NAME = "Platform default (A 94 … F 0)"


def default_categories(kinds: Iterable[str]) -> list[PolicyCategory]:
    kinds = set(kinds)
    present = [kind for kind in KIND_ORDER if kind in kinds]
    if not present:
        return []
    share = (Decimal(100) / len(present)).quantize(_CENT, rounding="ROUND_DOWN")
    categories = []
    for index, kind in enumerate(present):
        weight = share if index < len(present) - 1 else Decimal(100) - share * (len(present) - 1)
        categories.append(
            PolicyCategory(
                key=f"kind:{kind}",
                id=None,
                name=DEFAULT_CATEGORY_NAMES[kind],
                weight=weight,
                drop_lowest=0,
                default_kind=kind,
            )
        )
    return categories


def place_items(categories: list[PolicyCategory], items: list[GradebookItem]) -> dict[int, str]:
    """Item id → category key: its row's category, else its kind's default category, else the first."""
    by_id = {category.id: category.key for category in categories if category.id is not None}
    by_kind = {category.default_kind: category.key for category in categories if category.default_kind}
    first = categories[0].key if categories else None
    placed = {}
    for item in items:
        key = by_id.get(item.category_id) or by_kind.get(item.kind) or first
        if key is not None:
            placed[item.id] = key
    return placed


def offering_policy(offering) -> OfferingPolicy:
    """The offering's grading policy (see the module's contract). At most four queries."""
    row = GradingPolicy.objects.select_related("grading_scale").filter(course_offering_id=offering.pk).first()
    scale: tuple[tuple[str, float], ...] = arithmetic.CANVAS_DEFAULT_SCALE
    scale_name = PLATFORM_SCALE_NAME
    if row is not None and row.grading_scale_id is not None:
        rows = GradingScaleRow.objects.filter(scale_id=row.grading_scale_id).values_list("letter", "lower_bound")
        scale = tuple((letter, float(bound)) for letter, bound in rows)
        scale_name = row.grading_scale.name
    stored = [
        PolicyCategory(
            key=str(category.pk),
            id=category.pk,
            name=category.name,
            weight=category.weight,
            drop_lowest=category.drop_lowest,
            default_kind=category.default_kind,
        )
        for category in GradingCategory.objects.filter(course_offering_id=offering.pk).order_by("position", "id")
    ]
    items = graded_items(offering)
    categories = stored or default_categories(item.kind for item in items)
    return OfferingPolicy(
        offering_id=offering.pk,
        is_default=not stored,
        categories=categories,
        items=items,
        item_category=place_items(categories, items),
        scale=scale,
        scale_id=row.grading_scale_id if row is not None else None,
        scale_name=scale_name,
        pass_mark=row.pass_mark if row is not None else Decimal(str(arithmetic.DEFAULT_PASS_MARK)),
        certificate_rule=row.certificate_rule if row is not None else CertificateRule.PASSING_GRADE,
        certificate_valid_months=row.certificate_valid_months if row is not None else None,
        finalized_at=row.grades_finalized_at if row is not None else None,
    )
