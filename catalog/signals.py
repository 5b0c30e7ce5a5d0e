"""Signals the catalog sends for higher apps to act on (the catalog never imports them).

``structure_changed`` (sender ``Course``; kwargs ``course_id``, ``structure_version``): sent by
``catalog.services.bump_structure_version`` inside the caller's transaction whenever a structural edit
or a publish changes a course's published tree. Receivers that do work outside the database (or heavy
work) schedule it with ``transaction.on_commit``; learning recomputes progress rollups that way.
"""

from django.dispatch import Signal

structure_changed = Signal()
