"""The table of Django's database cache (the default ``CACHE_URL``), so ``manage.py migrate`` alone gives a
working site. ``createcachetable`` reads ``settings.CACHES`` and creates each missing ``DatabaseCache``
table (none with Redis or in tests with the local-memory cache); it is idempotent, so ``make run`` calling it
again, or a ``CACHE_URL`` naming another table later, is harmless (run the command then)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("lms", "0001_system_settings")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]
