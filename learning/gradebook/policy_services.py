"""Writes of the grading policy (the instructor's policy form) and of a university's grading scales.

Contract:
- ``save_grading_policy(actor=, offering=, draft=)`` replaces the offering's policy by ``draft`` (a
  ``PolicyDraft``, what the form posts) in one transaction: the policy row (scale, pass mark, certificate
  rule and validity), the categories (rows in the draft with an ``id`` are updated — an id of another
  offering refuses —, new ones created, the others deleted) and one ``grading_items`` row per item in the
  draft. Everything is checked first (``validate_draft``); a refusal writes nothing. The course grades are
  recomputed after commit (``grades.schedule_recompute``; a finalised offering's grades do not move).
- ``preview_policy(offering=, draft=)`` answers how the learners' grades would change — before and after,
  current and final, letter and pass — without writing (one read of the scores for both policies).
- ``create_grading_scale(actor=, university=, name=, rows=)``: a university's scale; its admins only. Rows
  are (letter, lower bound %) with distinct letters and bounds and one bound at 0 (every grade has a letter).
  ``update_grading_scale_rows(actor=, scale=, rows=)`` replaces a scale's rows (the same checks and admins);
  the offerings that use it are recomputed after commit (finalised ones do not move).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from catalog.models import CourseOffering
from learning.gradebook import policy as arithmetic
from learning.gradebook.grades import schedule_recompute
from learning.gradebook.models import (
    CertificateRule,
    GradingCategory,
    GradingItem,
    GradingPolicy,
    GradingScale,
    GradingScaleRow,
    ItemKind,
)
from learning.gradebook.permissions import can_manage_grading, can_manage_scales
from learning.gradebook.scores import OfferingPolicy, PolicyCategory, offering_policy, offering_scores

NOT_ALLOWED = "Only the offering's instructors and admins can change its grading policy."
WEIGHTS_TOTAL = "The category weights must total 100 % (they total {total} %)."
NO_CATEGORY = "Add at least one category."
DUPLICATE_NAME = "Two categories are called “{name}”."
DUPLICATE_KIND = "Only one category can be the default for {kind}."
UNKNOWN_CATEGORY = "That category is not part of this offering's policy."
UNKNOWN_ITEM = "That item is not a graded item of this offering."
ITEM_CATEGORY = "Choose one of the policy's categories for “{title}”."
FOREIGN_SCALE = "Choose one of your university's grading scales."
SCALE_NOT_ALLOWED = "Only the university's admins can define its grading scales."
SCALE_NEEDS_ZERO = "One row must start at 0 %, so that every grade has a letter."
SCALE_DUPLICATE = "Each letter and each lower bound may appear only once."
SCALE_EXISTS = "Your university already has a scale with that name."
SCALE_ROWS = "Give at least two rows, each a letter and a lower bound between 0 and 100."


@dataclass(frozen=True)
class CategoryDraft:
    name: str
    weight: Decimal
    drop_lowest: int = 0
    default_kind: str | None = None
    id: int | None = None  # an existing row of the offering, else a new one


@dataclass(frozen=True)
class ItemDraft:
    item_id: int
    category: str  # the category's name in the draft
    never_drop: bool = False
    extra_credit: bool = False


@dataclass(frozen=True)
class PolicyDraft:
    categories: list[CategoryDraft]
    items: list[ItemDraft] = field(default_factory=list)
    scale_id: int | None = None
    pass_mark: Decimal = Decimal(50)
    certificate_rule: str = CertificateRule.PASSING_GRADE
    certificate_valid_months: int | None = None


def validate_draft(*, offering, draft: PolicyDraft, current: OfferingPolicy | None = None) -> OfferingPolicy:
    """Check the draft against the offering; answer the policy it would be (raises ``ValidationError`` with a
    dict of messages by part: ``categories``, ``items``, ``scale``, ``pass_mark``…)."""
    current = current or offering_policy(offering)
    errors: dict[str, list[str]] = {}
    if not draft.categories:
        errors.setdefault("categories", []).append(NO_CATEGORY)
    try:
        arithmetic.validate_weights(
            [arithmetic.Category(c.name, float(c.weight), c.drop_lowest) for c in draft.categories]
        )
    except ValueError:
        total = sum((c.weight for c in draft.categories), Decimal(0))
        errors.setdefault("categories", []).append(WEIGHTS_TOTAL.format(total=f"{total.normalize():f}"))
    names = Counter(c.name.strip().casefold() for c in draft.categories)
    for name, count in names.items():
        if count > 1:
            errors.setdefault("categories", []).append(DUPLICATE_NAME.format(name=name))
    kinds = Counter(c.default_kind for c in draft.categories if c.default_kind)
    for kind, count in kinds.items():
        if count > 1:
            errors.setdefault("categories", []).append(DUPLICATE_KIND.format(kind=ItemKind(kind).label))
    if any(c.default_kind and c.default_kind not in ItemKind.values for c in draft.categories):
        errors.setdefault("categories", []).append(UNKNOWN_CATEGORY)
    ids = [c.id for c in draft.categories if c.id is not None]
    if ids:
        known = set(
            GradingCategory.objects.filter(course_offering_id=offering.pk, pk__in=ids).values_list("pk", flat=True)
        )
        if set(ids) - known or len(ids) != len(set(ids)):
            errors.setdefault("categories", []).append(UNKNOWN_CATEGORY)
    items_by_id = {item.id: item for item in current.items}
    draft_names = {c.name.strip(): index for index, c in enumerate(draft.categories)}
    for item in draft.items:
        if item.item_id not in items_by_id:
            errors.setdefault("items", []).append(UNKNOWN_ITEM)
        elif item.category.strip() not in draft_names:
            errors.setdefault("items", []).append(ITEM_CATEGORY.format(title=items_by_id[item.item_id].title))
    if not (Decimal(0) <= draft.pass_mark <= Decimal(100)):
        errors.setdefault("pass_mark", []).append("The pass mark is a percentage between 0 and 100.")
    if draft.certificate_rule not in CertificateRule.values:
        errors.setdefault("certificate_rule", []).append("Choose when certificates are issued.")
    months = draft.certificate_valid_months
    if months is not None and not (1 <= months <= 1200):
        errors.setdefault("certificate_valid_months", []).append("Give a validity between 1 and 1200 months.")
    scale: tuple[tuple[str, float], ...] = arithmetic.CANVAS_DEFAULT_SCALE
    scale_name = current.scale_name if draft.scale_id == current.scale_id else ""
    if draft.scale_id is not None:
        found = GradingScale.objects.filter(pk=draft.scale_id, university_id=offering.university_id).first()
        if found is None:
            errors.setdefault("grading_scale", []).append(FOREIGN_SCALE)
        else:
            scale = tuple(
                (letter, float(bound))
                for letter, bound in found.rows.order_by("-lower_bound").values_list("letter", "lower_bound")
            )
            scale_name = found.name
    if errors:
        raise ValidationError(errors)
    categories = [
        PolicyCategory(
            key=f"draft:{index}",
            id=c.id,
            name=c.name.strip(),
            weight=c.weight,
            drop_lowest=c.drop_lowest,
            default_kind=c.default_kind,
        )
        for index, c in enumerate(draft.categories)
    ]
    by_name = {category.name: category.key for category in categories}
    drafted = {item.item_id: item for item in draft.items}
    items, placement = [], {}
    for item in current.items:
        row = drafted.get(item.id)
        if row is not None:
            item = replace(item, never_drop=row.never_drop, extra_credit=row.extra_credit)
            placement[item.id] = by_name[row.category.strip()]
        else:  # not in the draft: its kind's default category, else the first
            by_kind = {c.default_kind: c.key for c in categories if c.default_kind}
            placement[item.id] = by_kind.get(item.kind, categories[0].key)
        items.append(item)
    return OfferingPolicy(
        offering_id=offering.pk,
        is_default=False,
        categories=categories,
        items=items,
        item_category=placement,
        scale=scale,
        scale_id=draft.scale_id,
        scale_name=scale_name,
        pass_mark=draft.pass_mark,
        certificate_rule=draft.certificate_rule,
        certificate_valid_months=months,
        finalized_at=current.finalized_at,
    )


@dataclass(frozen=True)
class PreviewRow:
    student_id: int
    name: str
    current_before: Decimal | None
    current_after: Decimal | None
    final_before: Decimal
    final_after: Decimal
    letter_before: str | None
    letter_after: str | None
    passed_before: bool | None
    passed_after: bool | None

    @property
    def changed(self) -> bool:
        return (self.current_before, self.final_before, self.letter_before, self.passed_before) != (
            self.current_after,
            self.final_after,
            self.letter_after,
            self.passed_after,
        )


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]  # the first ``limit`` students whose grades change, by name
    students: int
    changed: int
    passing_before: int
    passing_after: int
    letters_before: dict[str, int]
    letters_after: dict[str, int]
    letters: list[str]  # the union, best first

    @property
    def distribution(self) -> list[tuple[str, int, int]]:
        return [
            (letter, self.letters_before.get(letter, 0), self.letters_after.get(letter, 0)) for letter in self.letters
        ]


def preview_policy(*, offering, draft: PolicyDraft, limit: int = 50) -> Preview:
    """How the learners' grades change from the saved policy to ``draft`` (raises like ``validate_draft``)."""
    before = offering_policy(offering)
    after = validate_draft(offering=offering, draft=draft, current=before)
    data = offering_scores(offering)
    rows, changed = [], 0
    letters_before: Counter[str] = Counter()
    letters_after: Counter[str] = Counter()
    passing_before = passing_after = 0
    for student in data.students:
        scores = data.policy_scores(student.id)
        old, new = before.grade(scores), after.grade(scores)
        final_before, final_after = arithmetic.cent(old.final), arithmetic.cent(new.final)
        row = PreviewRow(
            student_id=student.id,
            name=student.full_name or student.email,
            current_before=arithmetic.cent(old.current),
            current_after=arithmetic.cent(new.current),
            final_before=final_before,
            final_after=final_after,
            letter_before=before.letter(final_before),
            letter_after=after.letter(final_after),
            passed_before=before.passed(final_before),
            passed_after=after.passed(final_after),
        )
        letters_before[row.letter_before or "—"] += 1
        letters_after[row.letter_after or "—"] += 1
        passing_before += bool(row.passed_before)
        passing_after += bool(row.passed_after)
        if row.changed:
            changed += 1
            if len(rows) < limit:
                rows.append(row)
    order = [letter for letter, _ in sorted(set(before.scale) | set(after.scale), key=lambda r: -r[1])]
    letters = list(dict.fromkeys(order + sorted(set(letters_before) | set(letters_after))))
    letters = [letter for letter in letters if letters_before[letter] or letters_after[letter]]
    return Preview(
        rows=rows,
        students=len(data.students),
        changed=changed,
        passing_before=passing_before,
        passing_after=passing_after,
        letters_before=dict(letters_before),
        letters_after=dict(letters_after),
        letters=letters,
    )


def save_grading_policy(*, actor, offering, draft: PolicyDraft) -> OfferingPolicy:
    if not can_manage_grading(actor, offering):
        raise PermissionDenied(NOT_ALLOWED)
    with transaction.atomic():
        CourseOffering.objects.select_for_update().filter(pk=offering.pk).values_list("pk").first()
        validate_draft(offering=offering, draft=draft)
        GradingPolicy.objects.update_or_create(
            course_offering_id=offering.pk,
            defaults={
                "grading_scale_id": draft.scale_id,
                "pass_mark": draft.pass_mark,
                "certificate_rule": draft.certificate_rule,
                "certificate_valid_months": draft.certificate_valid_months,
            },
            create_defaults={
                "university_id": offering.university_id,
                "grading_scale_id": draft.scale_id,
                "pass_mark": draft.pass_mark,
                "certificate_rule": draft.certificate_rule,
                "certificate_valid_months": draft.certificate_valid_months,
            },
        )
        kept = [c.id for c in draft.categories if c.id is not None]
        GradingCategory.objects.filter(course_offering_id=offering.pk).exclude(pk__in=kept).delete()
        # Free the names and default kinds first, so that swapping two names never trips the unique keys.
        GradingCategory.objects.filter(pk__in=kept).update(
            name=Concat(Value("\x01"), Cast("pk", output_field=CharField())), default_kind=None
        )
        existing, new = [], []
        for position, c in enumerate(draft.categories, start=1):
            row = GradingCategory(
                pk=c.id,
                university_id=offering.university_id,
                course_offering_id=offering.pk,
                name=c.name.strip(),
                weight=c.weight,
                drop_lowest=c.drop_lowest,
                default_kind=c.default_kind or None,
                position=position,
            )
            (existing if c.id is not None else new).append(row)
        GradingCategory.objects.bulk_update(existing, ["name", "weight", "drop_lowest", "default_kind", "position"])
        GradingCategory.objects.bulk_create(new)
        saved = {row.name: row for row in existing + new}
        GradingItem.objects.bulk_create(
            [
                GradingItem(
                    university_id=offering.university_id,
                    course_offering_id=offering.pk,
                    content_item_id=item.item_id,
                    category_id=saved[item.category.strip()].pk,
                    never_drop=item.never_drop,
                    extra_credit=item.extra_credit,
                )
                for item in draft.items
            ],
            update_conflicts=True,
            unique_fields=["course_offering", "content_item"],
            update_fields=["category", "never_drop", "extra_credit"],
        )
        schedule_recompute(offering.pk)
    return offering_policy(offering)


# --- scales ----------------------------------------------------------------------------------------------


def parse_scale_rows(text: str) -> list[tuple[str, Decimal]]:
    """``A 94`` / ``A-: 90`` / ``1,0 90`` per line → [(letter, bound)]; raises ``ValidationError``."""
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        letter, _, bound = line.replace(":", " ").replace("\t", " ").rpartition(" ")
        letter = letter.strip()
        try:
            value = Decimal(bound.strip().rstrip("%"))
        except ArithmeticError:
            raise ValidationError(SCALE_ROWS) from None
        if not letter or len(letter) > 8 or not value.is_finite() or not (0 <= value <= 100):
            raise ValidationError(SCALE_ROWS)
        rows.append((letter, value.quantize(Decimal("0.01"))))
    return rows


def create_grading_scale(*, actor, university, name: str, rows: list[tuple[str, Decimal]]) -> GradingScale:
    if not can_manage_scales(actor, university):
        raise PermissionDenied(SCALE_NOT_ALLOWED)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationError({"name": ["Give the scale a name of at most 100 characters."]})
    _check_scale_rows(rows)
    try:
        with transaction.atomic():
            scale = GradingScale.objects.create(university_id=university.pk, name=name)
            GradingScaleRow.objects.bulk_create(
                [GradingScaleRow(scale=scale, letter=letter, lower_bound=bound) for letter, bound in rows]
            )
    except IntegrityError:
        raise ValidationError({"name": [SCALE_EXISTS]}) from None
    return scale


def _check_scale_rows(rows: list[tuple[str, Decimal]]) -> None:
    if len(rows) < 2:
        raise ValidationError({"rows": [SCALE_ROWS]})
    if len({letter for letter, _ in rows}) != len(rows) or len({bound for _, bound in rows}) != len(rows):
        raise ValidationError({"rows": [SCALE_DUPLICATE]})
    if not any(bound == 0 for _, bound in rows):
        raise ValidationError({"rows": [SCALE_NEEDS_ZERO]})


def update_grading_scale_rows(*, actor, scale: GradingScale, rows: list[tuple[str, Decimal]]) -> GradingScale:
    """Replace the scale's rows (checked like a new scale's; its admins only). The offerings whose policy uses it
    are recomputed after commit: their letters (and nothing else) may change; finalised ones stay as they are."""
    if not can_manage_scales(actor, scale.university):
        raise PermissionDenied(SCALE_NOT_ALLOWED)
    _check_scale_rows(rows)
    with transaction.atomic():
        GradingScale.objects.select_for_update().filter(pk=scale.pk).values_list("pk").first()
        GradingScaleRow.objects.filter(scale_id=scale.pk).delete()
        GradingScaleRow.objects.bulk_create(
            [GradingScaleRow(scale_id=scale.pk, letter=letter, lower_bound=bound) for letter, bound in rows]
        )
        for offering_id in GradingPolicy.objects.filter(grading_scale_id=scale.pk).values_list(
            "course_offering_id", flat=True
        ):
            schedule_recompute(offering_id)
    return scale
