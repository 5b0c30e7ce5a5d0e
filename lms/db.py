"""Database pieces that belong to no single app.

``updated_at`` must move on every UPDATE, including queryset ``.update()`` which bypasses
``auto_now``; a trigger on every table that has the column does this reliably. The triggers are
(re)installed after every ``migrate`` so tables added by later migrations get one too.
"""

from django.db import connections

TRIGGER_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION lms_set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

TABLES_WITH_UPDATED_AT_SQL = """
SELECT c.table_name
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND c.column_name = 'updated_at' AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name
"""


def install_updated_at_triggers(using: str = "default") -> list[str]:
    """Install ``trg_<table>_updated_at`` on every table with an ``updated_at`` column; answer the tables."""
    with connections[using].cursor() as cursor:
        cursor.execute(TRIGGER_FUNCTION_SQL)
        cursor.execute(TABLES_WITH_UPDATED_AT_SQL)
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER "trg_{table}_updated_at" BEFORE UPDATE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION lms_set_updated_at()"
            )
    return tables


def _after_migrate(sender, using="default", **kwargs) -> None:
    # post_migrate is sent once per app after all migrations ran; one installation is enough.
    if sender.label == "lms":
        install_updated_at_triggers(using)
