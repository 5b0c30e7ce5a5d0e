"""Benchmark of the catalog, a course page and "My learning" on a large catalog, beside /hello.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench .venv/bin/python -m bench.catalog

On the dedicated database named by DATABASE_URL (created if missing): migrate, build (once; reused on the next run) the
dataset of ``manage.py generate_bench_catalog`` (100,000 courses, 300,000 offerings, 1,000,000
enrollments), log the bench student in (a real session), then measure under gunicorn (2 workers), in the
same run: /hello, the catalog with no filter, with a search term and filters in several combinations,
and sorted by start date and by rating, a whole domain, a course page (signed in, with its enroll panel) and the
dashboard. Prints median, p95 and requests per second of each (4 client threads, hello and the pages
interleaved in five rounds), each page's rate as a share of hello's, and then each page's median and p95
with one client (the time one request takes alone). Pages are measured warm: the catalog's shared page
cache (catalog.pagecache) holds them after the first request, as it does for a catalog's popular pages.
With ``--detail``, only hello, the course page and My learning are measured.
"""

from __future__ import annotations

import os
import sys


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
    call_command("generate_bench_catalog")

    from accounts.models import User
    from catalog.models import Course, Subject

    student = User.objects.get(email="bench-catalog@example.edu")
    _rollups_current(student)
    course = Course.objects.select_related("university").get(code="BC1")
    subject = Subject.objects.select_related("domain").filter(code__startswith="BS_", depth=0).order_by("code").first()
    university = course.university.short_code
    return student, course, subject, university


def _rollups_current(student) -> None:
    """The steady state of a live system: every progress change and structure change recomputes the student's
    module rollups (learning/progress), so My learning reads them instead of computing progress live. The
    generated dataset has none: compute them once for the measured student's offerings (the stale path, one
    more query, is what a student sees only right after a course's structure changed)."""
    from catalog.models import CourseOffering
    from learning.progress.rollups import recompute_course_rollups, rollups_version

    for offering in CourseOffering.objects.filter(enrollments__user=student).select_related("course"):
        if rollups_version(offering_id=offering.pk) != offering.course.structure_version:
            recompute_course_rollups(offering=offering)


def query_counts(pages: list[tuple[str, str, str]]) -> list[tuple[str, int]]:
    """SQL queries each page runs, warm (second request), read in-process with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = []
    for label, path, cookie in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        client.get(path, secure=True)
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path, secure=True).status_code
        if status != 200:
            sys.exit(f"{path} answered {status} in-process")
        counts.append((label, len(queries)))
    return counts


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench")
    only_detail = "--detail" in sys.argv[1:]
    student, course, subject, university = _setup()
    from bench.harness import Gunicorn, measure, measure_interleaved
    from bench.player import _session_cookie

    cookie = _session_cookie(student)
    pages = [
        ("catalog: no filter", "/courses/", ""),
        ("catalog: search", "/courses/?q=entropy", ""),
        ("catalog: search+filters", "/courses/?q=thermodynamics+entropy&level=graduate&language=en&open=true", ""),
        ("catalog: subject tree+rating", f"/courses/?subject={subject.code}&sort=rating", ""),
        ("catalog: univ+difficulty+start", f"/courses/?university={university}&difficulty=advanced&sort=start", ""),
        ("catalog: signed in, page 50", "/courses/?sort=title&page=50", cookie),
        ("catalog: start date, no filter", "/courses/?sort=start", ""),
        ("catalog: domain (signed in)", f"/courses/?domain={subject.domain.code}", cookie),
        ("course page (signed in)", f"/courses/{course.university.short_code}/{course.code}/", cookie),
        ("my learning", "/learn/", cookie),
    ]
    if only_detail:
        # ``--detail``: only the course page and My learning (beside hello), the two per-user pages.
        pages = pages[-2:]
    with Gunicorn() as server:
        for _label, path, cook in pages:
            status, body = server.get(path, cook)
            if status != 200:
                sys.exit(f"{path} answered {status}")
        # Interleaved (hello, page, page, …, hello, … in five rounds): on a machine shared with other work, the
        # load then falls on hello and every page alike, and the ratios stay comparable within the run.
        results = measure_interleaved(
            server,
            [("hello (trivial view)", "/hello", "", 2000), *((label, path, cook, 300) for label, path, cook in pages)],
        )
        # The target is per request ("the whole request takes under 100 ms"): one client, so no
        # request waits for another in the queue.
        alone = [measure(server, label, path, cookie=cook, requests=60, concurrency=1) for label, path, cook in pages]
    for result in results:
        print(result.line())
    counts = query_counts(pages)
    hello = results[0].rps
    for result in results[1:]:
        print(f"{result.label}: {result.rps / hello:.3f} of hello's requests per second")
    print("SQL queries per page (warm, in-process):")
    for label, count in counts:
        print(f"  {label:<32} {count}")
    print("one request at a time (one client):")
    for result in alone:
        print(f"  {result.label:<32} median {result.median_ms:8.2f} ms   p95 {result.p95_ms:8.2f} ms")


if __name__ == "__main__":
    main()
