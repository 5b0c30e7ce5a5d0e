"""Database pieces that belong to no single app.

``updated_at`` must move on every UPDATE, including queryset ``.update()`` which bypasses
``auto_now``; a trigger on every table that has the column does this reliably. The triggers are
(re)installed after every ``migrate`` so tables added by later migrations get one too.
"""

from contextlib import contextmanager, suppress

import psycopg
from django.db import DatabaseError, IntegrityError, connections
from django.db.backends.utils import CursorDebugWrapper

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


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs the statement with its parameters (a prepared statement has no query text of its own for
    Django's ``last_executed_query``), so query-count assertions and their messages see it as usual."""

    @contextmanager
    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        if use_last_executed_query and not many:
            with suppress(ValueError, TypeError, DatabaseError, psycopg.Error):  # logging only: keep the placeholders
                sql = self.db.ops.compose_sql(sql, params)
        with super().debug_sql(sql, params, use_last_executed_query=False, many=many):
            yield


def prepared_cursor(using: str = "default"):
    """A Django cursor (counted by query-count assertions, run through execute wrappers) whose queries
    are bound server-side and executed as prepared statements, so PostgreSQL parses and plans each query
    text once per connection. For the hot fixed-text raw queries read on every request (the player's page
    query: 0.35 ms of planning for 0.17 ms of execution; the session user). Django itself keeps prepared
    statements off (``prepare_threshold=None``, for transaction-mode poolers); settings.py sets a threshold
    no query reaches, so only these are prepared (``DB_PREPARED_STATEMENTS=false``: none), and psycopg
    keeps at most ``prepared_max`` (100) per connection. Parameters are sent typed, so a placeholder must
    stand where PostgreSQL can infer its type; select explicit columns, so a migration that adds a column
    does not change a prepared statement's result type.
    """

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    connection = connections[using]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = PreparingCursor(connection.connection)
    if connection.queries_logged:
        return _PreparedDebugWrapper(raw, connection)
    return connection.make_cursor(raw)


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint or unique index PostgreSQL reports behind ``error`` (``None`` when it
    names none), so a service can turn the one race it expects into a field error and re-raise the rest."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


def release_connection(using: str = "default") -> None:
    """Give the request's pooled connection back before a long wait that needs no database (a model's reply,
    a password hash), so the pool serves other requests meanwhile; the next query takes one again. Never
    inside a transaction (a test's, or ``atomic``): the connection then stays."""
    connection = connections[using]
    if not connection.in_atomic_block:
        connection.close()
