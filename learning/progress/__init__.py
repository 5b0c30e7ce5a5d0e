"""Progress: a student's progress on each item, module rollups, streaks and their background recompute.

Modules, lowest first: ``models``, ``structure`` (the published tree of a course, cached per structure
version), ``selectors`` (percents and live completion), ``streaks``, ``services`` (the one writer of a
student's item progress), ``rollups`` (bulk recompute after structure changes), ``tasks`` (the
background task and its scheduling), ``freshness`` (what the player shows while rollups are stale),
``receivers`` (catalog's ``structure_changed``). Sits above :mod:`learning.enrollment`.
"""
