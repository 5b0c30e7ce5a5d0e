"""A thread with 1,000 posts and a course with 10,000 threads render in a fixed number of queries and page
on the server (timings: bench/community.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from learning.community import selectors, services
from learning.community.models import DiscussionThread, ThreadKind
from learning.community.tests.conftest import access_for

pytestmark = pytest.mark.slow

THREAD_PAGE_QUERIES = 12
LIST_QUERIES = 8


def bulk_posts(thread: DiscussionThread, *, user_id: int, replies: int) -> None:
    """``replies`` posts under the opening post: answers each with a chain of nested replies (set-based SQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH opening AS (SELECT id, path FROM discussion_posts WHERE thread_id = %(t)s AND parent_post_id IS NULL),
            ids AS (SELECT n, nextval(pg_get_serial_sequence('discussion_posts', 'id')) AS id
                    FROM generate_series(1, %(n)s) n)
            INSERT INTO discussion_posts (id, thread_id, parent_post_id, user_id, body, body_html, path, created_at,
                                          updated_at, is_deleted, is_anonymous, by_staff, upvote_count, removed_reason)
            SELECT ids.id, %(t)s, opening.id, %(u)s, 'Reply ' || n, '<p>Reply ' || n || '</p>',
                   opening.path || ids.id, now(), now(), false, false, false, 0, ''
            FROM ids, opening
            """,
            {"t": thread.pk, "u": user_id, "n": replies},
        )
        cursor.execute("UPDATE discussion_threads SET post_count = %s WHERE id = %s", [replies, thread.pk])


def bulk_threads(offering, *, user_id: int, count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO discussion_threads (course_offering_id, created_by_user_id, title, created_at, is_locked,
                kind, is_pinned, is_answered, is_removed, post_count, last_activity_at)
            SELECT %(o)s, %(u)s, 'Bulk thread ' || n, now(), false,
                   CASE WHEN n %% 2 = 0 THEN 'question' ELSE 'discussion' END, false, n %% 4 = 0, false, 0,
                   now() - n * interval '1 minute'
            FROM generate_series(1, %(n)s) n
            """,
            {"o": offering.pk, "u": user_id, "n": count},
        )


def test_thread_page_queries_do_not_grow_with_a_thousand_posts(client, world, django_assert_max_num_queries):
    a = world.a
    thread = services.create_thread(
        actor=a.student, access=access_for(a.student, a.offering), kind=ThreadKind.QUESTION, title="Big", body="Go"
    )
    client.force_login(a.student)
    url = reverse("community:thread-detail", kwargs={"offering_id": a.offering.pk, "thread_id": thread.pk})
    with django_assert_max_num_queries(THREAD_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    bulk_posts(thread, user_id=a.ta.pk, replies=1000)
    with django_assert_max_num_queries(THREAD_PAGE_QUERIES):
        html = client.get(url).content.decode()
    assert html.count("data-post=") == selectors.POSTS_PER_PAGE and "Page 1 of 21" in html
    with django_assert_max_num_queries(THREAD_PAGE_QUERIES + 2):  # ?post= finds its page (two small reads)
        last = client.get(
            url, {"post": str(DiscussionThread.objects.get(pk=thread.pk).posts.order_by("-path").first().pk)}
        )
    assert "Reply 1000" in last.content.decode() and "Page 21 of 21" in last.content.decode()


def test_thread_list_queries_do_not_grow_with_ten_thousand_threads(client, world, django_assert_max_num_queries):
    a = world.a
    client.force_login(a.student)
    url = reverse("community:thread-list", kwargs={"offering_id": a.offering.pk})
    bulk_threads(a.offering, user_id=a.student.pk, count=5)
    with django_assert_max_num_queries(LIST_QUERIES):
        client.get(url)
    bulk_threads(a.offering, user_id=a.student.pk, count=10_000)
    for params in ({}, {"unanswered": "on"}, {"mine": "on"}, {"followed": "on"}, {"q": "bulk"}, {"page": "300"}):
        with django_assert_max_num_queries(LIST_QUERIES):
            html = client.get(url, params).content.decode()
        assert html.count("data-thread=") <= selectors.THREADS_PER_PAGE
    assert "Page 1 of 401" in client.get(url).content.decode()


def test_each_thread_list_filter_is_served_by_an_index(world):
    """EXPLAIN of each filter's page query names its index (planner settings forbid a sequential scan of
    the threads so the small test table does not hide a missing index)."""
    a = world.a
    bulk_threads(a.offering, user_id=a.ta.pk, count=2000)
    bulk_threads(a.offering, user_id=a.student.pk, count=3)
    access = access_for(a.student, a.offering)
    expected = {
        "": "ix_discussion_threads_offering_activity",
        "unanswered": "ix_discussion_threads_unanswered",
        # The author's rows are few: the planner may read the seed's foreign-key index and sort them.
        "mine": ("ix_discussion_threads_author_activity", "discussion_threads_created_by_user_id"),
        "item": "ix_discussion_threads_item_activity",
        "module": "ix_discussion_threads_module_activity",
        # Titles through their GIN index, the posts' text through theirs (the EXISTS of the OR).
        "q": ("ix_discussion_threads_search", "ix_discussion_posts_search"),
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE discussion_threads")
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, index in expected.items():
            filters = selectors.ThreadFilters(
                unanswered=name == "unanswered",
                mine=name == "mine",
                item_id=1 if name == "item" else None,
                module_id=1 if name == "module" else None,
                q="bulk" if name == "q" else "",
            )
            sql, params = selectors.thread_list(access, filters)[:25].query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            names = index if isinstance(index, tuple) else (index,)
            assert any(n in plan for n in names), (name, plan)
