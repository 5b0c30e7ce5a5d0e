"""``updated_at`` moves on every UPDATE, including queryset ``.update()`` (the trigger of lms/db.py)."""

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.tests import factories as account_factories
from catalog.tests import factories as catalog_factories
from learning.tests import factories as learning_factories
from lms.tests import factories as lms_factories
from syllabus.tests import factories as syllabus_factories
from tutoring.tests import factories as tutoring_factories

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)
FACTORY_MODULES = [account_factories, catalog_factories, syllabus_factories, learning_factories, tutoring_factories, lms_factories]
SCHEMA_APPS = ("accounts", "catalog", "syllabus", "learning", "tutoring", "lms")


def factory_for(model):
    """The factory that creates a new ``model`` row (not one that may fetch an existing row)."""
    candidates = [
        getattr(module, name)
        for module in FACTORY_MODULES
        for name in dir(module)
        if name.endswith("Factory") and getattr(getattr(module, name)._meta, "model", None) is model
    ]
    creating = [factory for factory in candidates if not factory._meta.django_get_or_create]
    return (creating or candidates)[0]


MODELS_WITH_UPDATED_AT = sorted(
    (
        model
        for label in SCHEMA_APPS
        for model in apps.get_app_config(label).get_models()
        if any(field.name == "updated_at" for field in model._meta.fields)
    ),
    key=lambda model: model._meta.db_table,
)


def test_the_tables_with_updated_at_are_the_expected_ones():
    tables = {model._meta.db_table for model in MODELS_WITH_UPDATED_AT}
    assert {"users", "courses", "modules", "content_items", "discussion_posts", "system_settings"} <= tables


@pytest.mark.parametrize("model", MODELS_WITH_UPDATED_AT, ids=lambda model: model._meta.db_table)
def test_queryset_update_moves_updated_at(model):
    row = factory_for(model)(updated_at=LONG_AGO)
    assert model.objects.get(pk=row.pk).updated_at == LONG_AGO
    before = timezone.now()
    # Even an update that tries to keep the old value gets the current time.
    model.objects.filter(pk=row.pk).update(updated_at=F("updated_at"))
    moved = model.objects.get(pk=row.pk).updated_at
    assert moved > LONG_AGO
    assert abs((moved - before).total_seconds()) < 3600  # now() is the transaction's start


@pytest.mark.parametrize("model", MODELS_WITH_UPDATED_AT, ids=lambda model: model._meta.db_table)
def test_every_table_with_updated_at_has_its_trigger(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = %s AND t.tgname = %s",
            [table, f"trg_{table}_updated_at"],
        )
        assert cursor.fetchone() is not None
