"""System settings' constraint, and a guard that every named constraint of the schema apps is proven by a test."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from accounts.tests.db_helpers import rejects
from lms.tests.factories import SystemSettingFactory

pytestmark = pytest.mark.django_db

SCHEMA_APPS = ("accounts", "catalog", "syllabus", "learning", "tutoring", "lms")
# Unique (id, x) pairs exist only as targets of composite foreign keys; id is the primary key, so no
# write can violate them. The composite keys that use them are tested.
UNBREAKABLE = {
    "ux_departments_id_university",
    "ux_subjects_id_domain",
    "ux_courses_id_university",
    "ux_modules_id_course",
    "ux_discussion_posts_id_thread",
    "ux_chat_messages_id_session",
    # The seed's rule, implied by ck_subjects_depth_matches_parent (root 0, child >= 1), which PostgreSQL
    # checks first (check constraints run in name order), so no row can break it alone.
    "ck_subjects_depth_nonnegative",
}


def test_setting_key_is_unique():
    setting = SystemSettingFactory()
    rejects(
        "ux_system_settings_setting_key",
        "INSERT INTO system_settings (setting_key) VALUES (%s)",
        [setting.setting_key],
    )


def schema_constraint_names() -> set[str]:
    models = [model for label in SCHEMA_APPS for model in apps.get_app_config(label).get_models()]
    names = {constraint.name for model in models for constraint in model._meta.constraints}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = ANY(%s) AND (conname LIKE 'fk\\_%%' OR conname LIKE '%%\\_key')",
            [[model._meta.db_table for model in models]],
        )
        names |= {row[0] for row in cursor.fetchall()}
    return names


def test_every_named_constraint_is_broken_by_some_test():
    base = Path(settings.BASE_DIR)
    sources = "\n".join(
        path.read_text()
        for label in SCHEMA_APPS
        for path in (base / label).rglob("tests/test_*.py")
        if path.name != "test_schema_fidelity.py"
    )
    names = schema_constraint_names()
    assert "fk_content_items_course_same_university" in names and "user_profiles_user_id_key" in names
    untested = sorted(name for name in names - UNBREAKABLE if not re.search(rf'"{re.escape(name)}"', sources))
    assert untested == []
