"""Grading-policy arithmetic: pure functions over plain values, no database.

Contract:
- A policy is weighted categories (weights in percent, totalling 100), each with "drop the lowest N"; an
  item belongs to one category, may be "never drop" and may be extra credit (its points count towards
  the category's earned points, never its possible points).
- ``compute_grade`` answers both grades a person needs to read a standing honestly:
  * **current**: graded work only. A category with nothing graded yet is left out and the remaining
    weights are scaled up to 100 (what the student has earned so far);
  * **final**: every item counts, ungraded or missing work as zero, every category at its full weight
    (what the student ends with if nothing more is handed in).
  Excused items count in neither.
- Dropping is by effect on the category total, not by the lowest percentage: the kept set is the one
  that maximises earned/possible (Kane & Kane's method: bisection on the achievable ratio, then keep the
  items with the largest ``earned - ratio * possible``). Never-drop and extra-credit items are never
  dropped; in the final grade missing work may be dropped like any other zero.
- ``letter_for`` reads a scale of (letter, lower bound in percent) against the percent rounded to two
  decimals, so 89.995 % is an A- on Canvas's default scale, as a person reading "90.00 %" expects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CANVAS_DEFAULT_SCALE: tuple[tuple[str, float], ...] = (
    ("A", 94), ("A-", 90), ("B+", 87), ("B", 84), ("B-", 80), ("C+", 77), ("C", 74),
    ("C-", 70), ("D+", 67), ("D", 64), ("D-", 61), ("F", 0),
)  # fmt: skip
DEFAULT_PASS_MARK = 50.0


@dataclass(frozen=True)
class Category:
    key: str
    weight: float  # percent of the course grade
    drop_lowest: int = 0


@dataclass(frozen=True)
class GradedItem:
    key: str
    category: str
    points_possible: float
    never_drop: bool = False
    extra_credit: bool = False


@dataclass(frozen=True)
class Score:
    earned: float | None = None  # None: not graded (yet), or missing
    excused: bool = False


@dataclass(frozen=True)
class CategoryResult:
    percent: float | None  # None: nothing counted in this category
    earned: float
    possible: float
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class GradeResult:
    current: float | None  # None: nothing graded yet
    final: float
    current_categories: Mapping[str, CategoryResult] = field(default_factory=dict)
    final_categories: Mapping[str, CategoryResult] = field(default_factory=dict)


def validate_weights(categories: Sequence[Category]) -> None:
    """Raise ``ValueError`` unless the weights total 100 and every drop count is sane."""
    total = round(sum(c.weight for c in categories), 6)
    if categories and total != 100:
        raise ValueError(f"Category weights must total 100 %, not {total:g} %.")
    for c in categories:
        if c.weight < 0 or c.drop_lowest < 0:
            raise ValueError("Weights and drop counts cannot be negative.")


def _best_kept(
    rows: list[tuple[str, float, float]], keep: int, *, fixed_earned: float = 0.0, fixed_possible: float = 0.0
) -> tuple[list[tuple[str, float, float]], list[str]]:
    """Of ``rows`` (key, earned, possible) keep ``keep`` maximising the category's earned/possible, the
    never-drop items' sums (``fixed_*``) counted alongside."""
    if keep >= len(rows):
        return rows, []

    def top(ratio: float) -> list[tuple[str, float, float]]:
        return sorted(rows, key=lambda r: (r[1] - ratio * r[2], -r[2]), reverse=True)[:keep]

    low, high = 0.0, max((e / p for _, e, p in rows if p > 0), default=0.0) + 1.0
    if fixed_possible > 0:
        high = max(high, fixed_earned / fixed_possible + 1.0)
    for _ in range(60):
        mid = (low + high) / 2
        if fixed_earned - mid * fixed_possible + sum(e - mid * p for _, e, p in top(mid)) >= 0:
            low = mid
        else:
            high = mid
    kept = top(low)
    kept_keys = {key for key, _, _ in kept}
    return kept, [key for key, _, _ in rows if key not in kept_keys]


def _category(
    category: Category, items: list[GradedItem], scores: Mapping[str, Score], *, final: bool
) -> CategoryResult:
    regular: list[tuple[str, float, float]] = []
    fixed: list[tuple[str, float, float]] = []  # never dropped
    extra = 0.0
    for item in items:
        score = scores.get(item.key, Score())
        if score.excused or (score.earned is None and not final):
            continue
        earned = score.earned or 0.0
        if item.extra_credit:
            extra += earned
        elif item.never_drop:
            fixed.append((item.key, earned, item.points_possible))
        else:
            regular.append((item.key, earned, item.points_possible))
    dropped: list[str] = []
    if category.drop_lowest and regular:
        regular, dropped = _best_kept(
            regular,
            max(len(regular) - category.drop_lowest, 0),
            fixed_earned=sum(e for _, e, _ in fixed),
            fixed_possible=sum(p for _, _, p in fixed),
        )
    counted = regular + fixed
    earned = sum(e for _, e, _ in counted) + extra
    possible = sum(p for _, _, p in counted)
    if possible <= 0:  # nothing to divide by (extra credit alone does not make a category count)
        return CategoryResult(None, earned, possible, tuple(dropped))
    return CategoryResult(100.0 * earned / possible, earned, possible, tuple(dropped))


def _weighted(categories: Sequence[Category], results: Mapping[str, CategoryResult], *, final: bool) -> float | None:
    total_weight = 0.0
    total = 0.0
    for category in categories:
        percent = results[category.key].percent
        if percent is None:
            if final:
                total_weight += category.weight  # an empty category is a zero in the final grade
            continue
        total_weight += category.weight
        total += category.weight * percent
    if total_weight <= 0:
        return None if not final else 0.0
    return total / total_weight


def compute_grade(
    categories: Sequence[Category], items: Iterable[GradedItem], scores: Mapping[str, Score]
) -> GradeResult:
    by_category: dict[str, list[GradedItem]] = {c.key: [] for c in categories}
    for item in items:
        by_category[item.category].append(item)
    current = {c.key: _category(c, by_category[c.key], scores, final=False) for c in categories}
    final = {c.key: _category(c, by_category[c.key], scores, final=True) for c in categories}
    return GradeResult(
        current=_weighted(categories, current, final=False),
        final=_weighted(categories, final, final=True) or 0.0,
        current_categories=current,
        final_categories=final,
    )


def round_percent(percent: float) -> Decimal:
    return Decimal(str(percent)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def cent(percent: float | None) -> Decimal | None:
    """``round_percent`` that lets "no grade" (None) through."""
    return None if percent is None else round_percent(percent)


def letter_for(percent: float | None, scale: Sequence[tuple[str, float]] = CANVAS_DEFAULT_SCALE) -> str | None:
    if percent is None:
        return None
    shown = round_percent(percent)
    for letter, lower in sorted(scale, key=lambda row: row[1], reverse=True):
        if shown >= Decimal(str(lower)):
            return letter
    return None


def passed(percent: float | None, pass_mark: float = DEFAULT_PASS_MARK) -> bool | None:
    return None if percent is None else round_percent(percent) >= Decimal(str(pass_mark))
