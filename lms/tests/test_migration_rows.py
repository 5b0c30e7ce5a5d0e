"""The rows data migrations install come back after a flush (lms/tests/migration_rows.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.special import RunPython

from lms.tests.migration_rows import DATA_MIGRATIONS, restore_migration_data
from prompts.models import Prompt
from syllabus.models import ContentType

# RunPython operations that change the schema, not rows: a flush does not undo them.
SCHEMA_ONLY = {("lms.migrations.0002_database_cache_table", "create_cache_tables")}


def test_every_data_migration_is_listed():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = set()
    for (app, _name), migration in loader.disk_migrations.items():
        if app not in {"lms", "accounts", "catalog", "syllabus", "learning", "tutoring", "prompts"}:
            continue
        for operation in migration.operations:
            if isinstance(operation, RunPython) and operation.code is not RunPython.noop:
                found.add((migration.__module__, operation.code.__name__))
    assert found - SCHEMA_ONLY == set(DATA_MIGRATIONS)


@pytest.mark.django_db(transaction=True)
def test_a_flush_then_restore_gives_back_what_migrate_installed():
    def rows():
        return (
            sorted(ContentType.objects.values_list("name", "label", "json_schema")),
            sorted(Group.objects.values_list("name", flat=True)),
            sorted(Prompt.objects.values_list("name", "version", "labels")),
        )

    before = rows()
    restore_migration_data()  # an earlier transactional test in this process may have flushed them
    migrated = rows()
    assert migrated[0] and migrated[1] and migrated[2]
    if before[0] and before[1] and before[2]:  # not flushed yet: these are migrate's own rows, restore adds nothing
        assert migrated == before
    call_command("flush", interactive=False, verbosity=0)
    assert rows() == ([], [], [])
    restore_migration_data()
    assert rows() == migrated
