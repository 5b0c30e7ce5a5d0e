"""Progress's receivers of other apps' signals (connected in ``LearningConfig.ready``)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from catalog.signals import structure_changed
from learning.progress.tasks import schedule_recompute


@receiver(structure_changed, dispatch_uid="learning.schedule_rollup_recompute")
def schedule_rollup_recompute(sender, *, course_id: int, structure_version: int, **kwargs) -> None:
    """A structural edit or publish: recompute the course's progress rollups once the edit commits
    (never before: the task must see the new structure, and a rolled-back edit enqueues nothing).
    ``robust``: a queue that cannot take the task must not turn the author's saved edit into an error;
    the player never shows stale completion meanwhile and asks again later (``learning.progress.freshness.rollup_state``)."""
    transaction.on_commit(
        partial(schedule_recompute, course_id=course_id, structure_version=structure_version),
        robust=True,
    )
