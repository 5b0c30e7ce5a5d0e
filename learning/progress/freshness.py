"""Whether a page may show a student's stored rollups, and what to do when they predate the structure.

Contract: :func:`rollup_state` is called by the player on load, before it shows stored rollups. It
answers ``ROLLUPS_CURRENT`` (show them), ``ROLLUPS_RECOMPUTED`` (this student's rows of a small course
were just recomputed inline: re-read them) or ``ROLLUPS_STALE`` (a large course whose background
recompute has not run: show :func:`learning.progress.selectors.live_module_progress` instead, no
write). It asks for the background recompute (:func:`learning.progress.tasks.schedule_recompute`)
when nobody has for an hour. Per-process memos make the steady state free; :func:`clear_memo` forgets
them (tests).
"""

from __future__ import annotations

from collections import OrderedDict

from learning.progress.rollups import recompute_student_rollups, rollups_version
from learning.progress.structure import CourseStructure
from learning.progress.tasks import schedule_recompute

# Up to this many required items the player recomputes a student's stale rollups inline on load; above
# it the page shows live completion until the background task has run (see rollup_state).
LAZY_RECOMPUTE_MAX_ITEMS = 5000
# Results of rollup_state (what the player does next).
ROLLUPS_CURRENT = "current"
ROLLUPS_RECOMPUTED = "recomputed"  # re-read the page: this student's rows were just rewritten
ROLLUPS_STALE = "stale"  # large course, task pending: show live_module_progress instead of stored rows

_current_memo: set[tuple[int, int]] = set()
_asked_memo: set[tuple[int, int]] = set()  # (course, version) this process asked a recompute for
# (offering, version, user) of students recomputed inline; bounded, a lost entry costs one recompute.
_student_memo: OrderedDict[tuple[int, int, int], None] = OrderedDict()
_STUDENT_MEMO_SIZE = 10_000


def rollup_state(*, user, offering, structure: CourseStructure) -> str:
    """Called by the player on load, before it shows stored rollups.

    Current when the offering's rollups were computed for this structure version or a newer one (a
    per-process memo makes the steady state free). Otherwise the background task
    (``learning.progress.tasks.recompute_course_rollups``, enqueued when the structure changed) has not run yet:
    a course of at most ``LAZY_RECOMPUTE_MAX_ITEMS`` required items has this student's rows recomputed
    inline (cheap, once per process); a larger one is never recomputed on a request: the caller shows
    :func:`learning.progress.selectors.live_module_progress` (one query, no write) until the task has run."""
    key = (offering.pk, structure.version)
    if key in _current_memo:
        return ROLLUPS_CURRENT
    marker = rollups_version(offering_id=offering.pk)
    if marker is not None and marker >= structure.version:
        _current_memo.add(key)
        return ROLLUPS_CURRENT
    # Normally the structural change already enqueued the task; this asks again only when nobody has
    # for an hour: an offering added after the last change, an evicted marker, a lost enqueue. Once per
    # process and version at most (the cache add is a few queries with the database cache).
    asked = (offering.course_id, structure.version)
    if asked not in _asked_memo:
        schedule_recompute(course_id=offering.course_id, structure_version=structure.version)
        _asked_memo.add(asked)
    if structure.required_total > LAZY_RECOMPUTE_MAX_ITEMS:
        return ROLLUPS_STALE
    student_key = (offering.pk, structure.version, user.pk)
    if student_key in _student_memo:
        return ROLLUPS_CURRENT
    recompute_student_rollups(user=user, offering=offering, structure=structure)
    _student_memo[student_key] = None
    while len(_student_memo) > _STUDENT_MEMO_SIZE:
        _student_memo.popitem(last=False)
    return ROLLUPS_RECOMPUTED


def clear_memo() -> None:
    """Forget the per-process memos (tests)."""
    _current_memo.clear()
    _student_memo.clear()
    _asked_memo.clear()
