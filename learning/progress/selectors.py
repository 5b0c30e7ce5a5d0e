"""Progress reads: module completion computed from a structure and a student's completed items, and
the whole percents pages show.

Contract: pure functions and reads (at most one query each, stated per function); no writes. The
percents here are the ones every page shows (player outline, My learning, rosters), so they agree.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from learning.progress.structure import CourseStructure

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def exact_percent(done: int, total: int) -> Decimal:
    """``done`` of ``total`` as a two-place percent (the stored rollup value); 0 for an empty total."""
    if total <= 0:
        return Decimal(0)
    return (Decimal(done) * HUNDRED / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


def live_module_progress(
    *, user_id: int, offering_id: int, structure: CourseStructure
) -> tuple[list[int], dict[int, int]]:
    """The student's module completion computed from the *current* structure and their completed items
    (one query), for pages whose stored rollups are older than the structure: the completed module ids
    and {module id: whole percent} of the started, incomplete ones — the shape the player's overlay and
    the page query use. A module with a required item the student has not completed is never complete
    and never shows 100 %."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT content_item_id FROM user_content_progress "
            "WHERE user_id = %s AND course_offering_id = %s AND completed_at IS NOT NULL",
            [user_id, offering_id],
        )
        rows = cursor.fetchall()
    return module_states_from_items(structure, (iid for (iid,) in rows))


def module_states_from_items(structure: CourseStructure, completed_item_ids) -> tuple[list[int], dict[int, int]]:
    """Completed modules and whole percents of started ones, from completed item ids (see
    :func:`live_module_progress`); items outside the published tree do not count."""
    per_module = Counter(structure.item_module[iid] for iid in completed_item_ids if iid in structure.item_module)
    done: Counter[int] = Counter()
    for mid, count in per_module.items():
        current: int | None = mid
        while current is not None:
            done[current] += count
            current = structure.module_parent[current]
    completed, percents = [], {}
    for mid, count in done.items():
        total = structure.subtree_total[mid]
        if total > 0 and count >= total:
            completed.append(mid)
        elif count > 0:
            percents[mid] = whole_percent(count, total)
    return completed, percents


def shown_percent(stored: Decimal | None, *, complete: bool) -> int:
    """The whole percent a page shows for a stored rollup: 100 only when complete; else the two-place
    percent floored, and never 100 while an item is missing (99.996 rounds to 100.00 in storage)."""
    if complete:
        return 100
    return min(int(stored), 99) if stored else 0


def whole_percent(done: int, total: int) -> int:
    """The whole percent shown for an incomplete module with ``done`` of ``total`` required items."""
    return shown_percent(exact_percent(done, total), complete=False)
