"""Benchmark of the instructor gradebook on a 1,000-student × 100-item offering, beside /hello.

    flock /tmp/sigma-bench.lock env DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_gradebook \\
        .venv/bin/python -m bench.gradebook

Builds (once; reused on the next run) on the dedicated database named by DATABASE_URL (created and migrated
if missing) a university with one offering of 1,000 active learners and 100 graded items (40 quizzes, 30 labs,
30 assignments) with ~95,000 attempts/submissions (``learning.gradebook.tests.bigbook``, set-based: a few
seconds), and its instructor. Then measures, printing the machine's load average beside the figures:

1. the gradebook page under gunicorn (2 workers) beside /hello, in five alternating rounds
   (``bench.harness.measure_interleaved``): sorted by name (SQL paging: only the page's 50 students are read
   and graded) and sorted by final grade (every student read and graded in one pass, then paged);
2. the same two pages one request at a time in process (Django's test client): wall time and CPU time, since
   on a shared, loaded machine the wall time mostly measures the wait for a core;
3. computing every student's course grade: ``offering_scores`` + one pass of ``policy.compute_grade`` over
   1,000 students (the grid's computation), and the course-grade recompute service when it exists;
4. the CSV export of 100,000 rows (one row per student and item, ``stream_scores_csv``) and of the
   one-row-per-student grid, in process: seconds, and peak Python memory (``tracemalloc``, a second pass)
   against the bytes written; then the same export over HTTP from gunicorn.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc

STUDENTS, ITEMS = 1000, 100
INSTRUCTOR_EMAIL = "bench-gradebook-instructor@example.edu"


def _setup():
    from bench.harness import setup_django

    setup_django()
    from datetime import timedelta

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
    from learning.gradebook.tests.bigbook import build_big_gradebook

    instructor = User.objects.filter(email=INSTRUCTOR_EMAIL).first()
    if instructor is None:
        country, _ = Country.objects.get_or_create(iso_code="ZZ", defaults={"name": "Benchland"})
        university = University.objects.create(name="Gradebook Bench University", short_code="GBBENCH", country=country)
        course = Course.objects.create(university=university, code="GB1000", title="A very large class",
                                       is_published=True)  # fmt: skip
        now = timezone.now()
        offering = CourseOffering.objects.create(
            course=course, university=university, term_name="Bench term", visibility=OfferingVisibility.PUBLIC,
            starts_at=now - timedelta(days=30), ends_at=now + timedelta(days=60),
        )  # fmt: skip
        instructor = User.objects.create_user(email=INSTRUCTOR_EMAIL, password="bench-pass-2026",  # noqa: S106
                                              full_name="Bench Instructor")  # fmt: skip
        CourseOfferingInstructor.objects.create(course_offering=offering, user=instructor,
                                                role=OfferingStaffRole.INSTRUCTOR)  # fmt: skip
        started = time.perf_counter()
        build_big_gradebook(offering=offering, students=STUDENTS, items=ITEMS, prefix="gb")
        print(f"built {STUDENTS} learners × {ITEMS} graded items in {time.perf_counter() - started:.1f} s")
    staffing = CourseOfferingInstructor.objects.select_related(
        "course_offering__course", "course_offering__university"
    ).get(user=instructor)
    return instructor, staffing.course_offering


def _timed(label: str, work, repeat: int = 5) -> list[float]:
    """Wall time and this process's CPU time (the CPU time is what the work costs; on a loaded machine the
    wall time also counts the wait for a core)."""
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"{label:<52} wall median {statistics.median(times) * 1000:8.1f} ms   "
          f"CPU median {statistics.median(cpu) * 1000:8.1f} ms   ({repeat} runs)")  # fmt: skip
    return times


def _grades(offering):
    from learning.gradebook.grid import Grader
    from learning.gradebook.scores import offering_policy, offering_scores

    def run():
        policy = offering_policy(offering)
        grader = Grader(policy)
        book = offering_scores(offering)
        return [grader.row(student, book.items, book.scores) for student in book.students]

    return run


def _recompute_service(offering):
    """gbpolicy's course-grade recompute, when it exists (``learning.gradebook.grades``)."""
    try:
        from learning.gradebook import grades
    except ImportError:
        return None
    service = getattr(grades, "recompute_course_grades", None)
    if service is None:
        return None
    return lambda: service(offering=offering)


def _export(stream_factory) -> tuple[float, int, int]:
    started = time.perf_counter()
    rows = size = 0
    for line in stream_factory():
        rows += 1
        size += len(line)
    return time.perf_counter() - started, rows, size


def _peak(stream_factory) -> int:
    tracemalloc.start()
    for _line in stream_factory():
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. "
                 "postgres://postgres@127.0.0.1:5432/lms_bench_gradebook")  # fmt: skip
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):  # as the gunicorn run
        os.environ.setdefault(name, "false")
    instructor, offering = _setup()
    from django.db import connection

    from bench.harness import Gunicorn, load_average, measure_interleaved, session_cookie
    from learning.gradebook import grid

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quiz_attempts, lab_submissions, assignment_submissions, course_enrollments, users")
    print(f"offering {offering.pk}: {STUDENTS} learners × {ITEMS} graded items; {load_average()}")

    print("\n-- course grades of every student (in process) --")
    _timed("offering_scores + compute_grade × 1,000 (one pass)", _grades(offering))
    service = _recompute_service(offering)
    if service is not None:
        _timed("recompute_course_grades (the service, writes rows)", service, repeat=3)
    else:
        print("recompute_course_grades: not in this tree (gbpolicy's service); the grid's computation above")

    print("\n-- the page, one request at a time (in process, Django's test client, CPU of this process) --")
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(instructor)
    base = f"/learn/offerings/{offering.pk}/gradebook/"
    for label, path in (("gradebook by name (page 1)", base), ("gradebook by final grade", base + "?sort=final&dir=desc")):
        if client.get(path).status_code != 200:
            sys.exit(f"{path} answered in process with an error")
        _timed(label, lambda path=path: client.get(path), repeat=5)

    print("\n-- CSV exports (in process) --")
    for label, factory in (
        ("scores.csv (one row per student and item)", lambda: grid.stream_scores_csv(offering)),
        ("gradebook.csv (one row per student)", lambda: grid.stream_gradebook_csv(offering)),
    ):
        seconds, rows, size = _export(factory)
        peak = _peak(factory)
        print(f"{label:<44} {rows - 1:>7,} rows  {size / 1e6:6.1f} MB  {seconds:6.2f} s  "
              f"{(rows - 1) / seconds:9,.0f} rows/s  peak Python memory {peak / 1e6:5.1f} MB")  # fmt: skip
    print(load_average())

    cookie = session_cookie(instructor)
    with Gunicorn() as server:
        for path in (base, base + "?sort=final&dir=desc"):
            status, body = server.get(path, cookie)
            if status != 200:
                sys.exit(f"{path} answered {status}")
            print(f"{path}: {len(body) // 1024} KiB")
        results = measure_interleaved(
            server,
            [
                ("hello (trivial view)", "/hello", "", 1000),
                ("gradebook, by name (page 1)", base, cookie, 60),
                ("gradebook, by final grade", base + "?sort=final&dir=desc", cookie, 20),
            ],
            rounds=5,
            deadline_s=300,
        )
        for result in results:
            print(result.line())
        hello = results[0].rps
        for result in results[1:]:
            print(f"{result.label}: {result.rps / hello:.4f} of hello's requests per second")
        started = time.perf_counter()
        status, body = server.get(base + "scores.csv", cookie)
        seconds, lines = time.perf_counter() - started, body.count(b"\n")
        print(f"HTTP scores.csv: {status}, {lines - 1:,} rows, {len(body) / 1e6:.1f} MB in {seconds:.2f} s")
    print(load_average())


if __name__ == "__main__":
    main()
