"""Benchmark of the discussion pages beside /hello: a course with 10,000 threads and a thread with 1,000
posts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_community .venv/bin/python -m bench.community

Builds (once; reused on the next run) on the dedicated database named by DATABASE_URL (created and
migrated if missing) a course with one offering, a student and an instructor, 10,000 threads (half of
them questions, a quarter answered) and one thread of 1,000 posts (answers with nested replies), with
set-based SQL; then logs the student in and measures, under gunicorn (2 workers) in five alternating
rounds (``bench.harness.measure_interleaved``): the thread list (no filter, "unanswered", a full-text
search, a deep page) and the big thread's first and last pages.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

THREADS = 10_000
POSTS = 1_000
BENCH_EMAIL = "bench-community@example.edu"


def _build(offering, student, instructor) -> None:
    from django.db import connection

    from learning.community import services
    from learning.community.models import ThreadKind
    from learning.community.selectors import get_offering_access

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO discussion_threads (course_offering_id, created_by_user_id, title, created_at, is_locked,
                kind, is_pinned, is_answered, is_removed, post_count, last_activity_at)
            SELECT %(o)s, %(u)s, 'Thread ' || n || ' about ' || (ARRAY['limits','derivatives','integrals',
                   'series','vectors'])[1 + n %% 5], now(), false,
                   CASE WHEN n %% 2 = 0 THEN 'question' ELSE 'discussion' END, false, n %% 4 = 0, false, 0,
                   now() - n * interval '1 minute'
            FROM generate_series(1, %(n)s) n
            """,
            {"o": offering.pk, "u": student.pk, "n": THREADS},
        )
    thread = services.create_thread(
        actor=student,
        access=get_offering_access(student, offering.pk),
        kind=ThreadKind.QUESTION,
        title="The big thread",
        body="Why does the chain rule work?",
    )
    with connection.cursor() as cursor:
        # 100 answers, each with a chain of 9 nested replies: 1,000 posts under the opening one. Ids are
        # reserved as one block of the sequence: post (a, level) is base + 10 * (a - 1) + level.
        cursor.execute("SELECT nextval(pg_get_serial_sequence('discussion_posts', 'id'))")
        base = cursor.fetchone()[0] + 1
        cursor.execute("SELECT setval(pg_get_serial_sequence('discussion_posts', 'id'), %s)", [base + POSTS])
        cursor.execute(
            """
            WITH opening AS (
                SELECT id, path FROM discussion_posts WHERE thread_id = %(t)s AND parent_post_id IS NULL
            )
            INSERT INTO discussion_posts (id, thread_id, parent_post_id, user_id, body, body_html, path, created_at,
                updated_at, is_deleted, is_anonymous, by_staff, upvote_count, removed_reason)
            SELECT %(b)s + 10 * (a - 1) + lvl, %(t)s,
                   CASE WHEN lvl = 0 THEN opening.id ELSE %(b)s + 10 * (a - 1) + lvl - 1 END, %(u)s,
                   'Reply ' || a || '.' || lvl,
                   '<p>Reply ' || a || '.' || lvl || ' with <strong>some</strong> text</p>',
                   opening.path || ARRAY(SELECT (%(b)s + 10 * (a - 1) + k)::bigint FROM generate_series(0, lvl) k),
                   now(), now(), false, false, false, 0, ''
            FROM opening, generate_series(1, 100) a, generate_series(0, 9) lvl
            """,
            {"t": thread.pk, "u": instructor.pk, "b": base},
        )
        cursor.execute("UPDATE discussion_threads SET post_count = %s WHERE id = %s", [POSTS, thread.pk])


def _setup():
    import django

    from bench.harness import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from django.utils import timezone

    from accounts.models import User
    from catalog.models import (
        Country,
        Course,
        CourseOffering,
        CourseOfferingInstructor,
        OfferingStaffRole,
        OfferingVisibility,
        University,
    )
    from learning.community.models import DiscussionThread
    from learning.enrollment.models import CourseEnrollment, EnrollmentStatus

    student = User.objects.filter(email=BENCH_EMAIL).first()
    if student is None:
        country, _ = Country.objects.get_or_create(iso_code="ZZ", defaults={"name": "Benchland"})
        university = University.objects.create(name="Community Bench University", short_code="CBENCH", country=country)
        course = Course.objects.create(
            university=university, code="TALK101", title="A talkative course", is_published=True
        )
        now = timezone.now()
        offering = CourseOffering.objects.create(
            course=course,
            university=university,
            term_name="Bench term",
            visibility=OfferingVisibility.PUBLIC,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=90),
        )
        student = User.objects.create_user(email=BENCH_EMAIL, password="bench-pass-2026", full_name="Bench Student")  # noqa: S106
        instructor = User.objects.create_user(
            email="bench-community-teacher@example.edu",
            password="bench-pass-2026",  # noqa: S106
            full_name="Bench Teacher",
        )
        CourseEnrollment.objects.create(user=student, course_offering=offering, status=EnrollmentStatus.ACTIVE)
        CourseOfferingInstructor.objects.create(
            course_offering=offering, user=instructor, role=OfferingStaffRole.INSTRUCTOR
        )
        _build(offering, student, instructor)
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as autovacuum would have them in production
        cursor.execute("ANALYZE discussion_threads, discussion_posts, discussion_thread_follows")
    offering = CourseEnrollment.objects.get(user=student).course_offering
    thread = DiscussionThread.objects.get(course_offering=offering, title="The big thread")
    return student, offering, thread


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit(
            "Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench_community"
        )
    student, offering, thread = _setup()
    from bench.player import _session_cookie

    cookie = _session_cookie(student)
    base = f"/learn/{offering.pk}/discussions/"
    pages = [
        ("threads: list", base),
        ("threads: unanswered", base + "?unanswered=on"),
        ("threads: search", base + "?q=derivatives"),
        ("threads: page 300", base + "?page=300"),
        ("thread 1,000 posts: p1", f"{base}{thread.pk}/"),
        ("thread 1,000 posts: p21", f"{base}{thread.pk}/?page=21"),
    ]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(student)
    for label, path in pages:
        client.get(path, secure=True)  # warm
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path, secure=True).status_code
        print(f"{label}: {status}, {len(queries)} queries (in-process, warm)")

    from bench.harness import Gunicorn, measure_interleaved

    with Gunicorn() as server:
        for _, path in pages:
            status, _body = server.get(path, cookie)
            if status != 200:
                sys.exit(f"{path} answered {status}")
        results = measure_interleaved(
            server,
            [("hello (trivial view)", "/hello", "", 2000)] + [(label, path, cookie, 300) for label, path in pages],
            rounds=5,
        )
    for result in results:
        print(result.line())
    hello = results[0].rps
    for result in results[1:]:
        print(f"{result.label}: {result.rps / hello:.3f} of hello's requests per second")


if __name__ == "__main__":
    main()
