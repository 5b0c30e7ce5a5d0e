"""Rows that data migrations install, and putting them back after a flush.

A flush (a transactional test's teardown, or the browser tests' module teardown in ``e2e/conftest.py``)
empties every table, these rows with them; a test that runs later in the same process and reads them
(the built-in content types, the prompt editors' group, the tutor's default prompt) would then fail
depending on the order the tests ran in. Whatever flushes outside pytest-django's transactional tests puts
them back with :func:`restore_migration_data` (pytest-django already runs its transactional tests last).
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

# (migration module, function): each is idempotent (get_or_create / update_or_create).
DATA_MIGRATIONS = (
    ("syllabus.migrations.0003_builtin_content_types", "install_builtin_types"),
    ("syllabus.migrations.0006_quiz_pass_mark_and_review", "forwards"),
    ("syllabus.migrations.0007_lab_and_assignment_grading_options", "forwards"),
    ("tutoring.migrations.0004_default_tutor_prompt", "create"),
    ("prompts.migrations.0003_prompt_editors_group", "create_group"),
)


def restore_migration_data() -> None:
    """Run the data migrations' forward functions again on the current database."""
    from django.apps import apps
    from django.db import connection

    schema_editor = SimpleNamespace(connection=connection)  # what the migrations read of it: the alias
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, schema_editor)
