"""lms.db.prepared_cursor: prepared once per connection, still counted and logged like any query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.db import prepared_cursor

pytestmark = pytest.mark.django_db

SQL = "SELECT %(a)s::int + 1, %(word)s::text"


def _prepared_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", ["SELECT $1::int + 1, $2::text"])
        return cursor.fetchone()[0]


def test_a_query_is_prepared_once_and_answers_with_each_call_s_parameters():
    answers = []
    for a in (1, 41):
        with prepared_cursor() as cursor:
            cursor.execute(SQL, {"a": a, "word": "it's"})
            answers.append(cursor.fetchone())
    assert answers == [(2, "it's"), (42, "it's")]
    assert _prepared_count() == 1


def test_the_query_is_counted_and_logged_with_its_values():
    with CaptureQueriesContext(connection) as queries, prepared_cursor() as cursor:
        cursor.execute(SQL, {"a": 7, "word": "x"})
    assert len(queries) == 1
    assert queries.captured_queries[0]["sql"] == "SELECT 7::int + 1, 'x'::text"
