"""Autograding throughput: graded submissions per second and the time from submit to result.

Two measurements of a trivial Python lab with three hidden tests (``TRIVIAL_*`` below):

1. **Sandbox alone** (no database): ``run_python_lab`` for N submissions, one at a time and with 2 in
   parallel (the machine has 2 cores). Every run is the real thing: two bubblewrap sandboxes, pytest in the
   harness, the submission in the student host. This is the figure to put beside Jobe's published
   ~2.25 Python jobs/s/core (hello-world programs, one process per job, no test framework).
2. **End to end** (``DATABASE_URL``, created and migrated when missing): students hand in through
   ``labs.submit_lab``; the grading tasks go through the project's django-tasks database queue, served by
   2 ``manage.py db_worker`` processes started here; we poll the database until every submission is graded
   and report submit→graded latency (median, p95, max) and throughput.

Run: ``flock /tmp/sigma-bench.lock env DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_autograde
.venv/bin/python -m bench.autograde [N]`` (default N = 40). Every loop is bounded by a count and a deadline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TRIVIAL_SOLUTION = b"def add(a, b):\n    return a + b\n"
TRIVIAL_TESTS = b"""from calc import add


def test_small():
    assert add(1, 2) == 3


def test_negative():
    assert add(-1, -2) == -3


def test_float():
    assert add(0.5, 0.25) == 0.75
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def sandbox_only(count: int) -> None:
    from learning.assessments.sandbox import Limits, run_python_lab

    limits = Limits(wall_seconds=30)

    def one(_):
        started = time.monotonic()
        report = run_python_lab(
            submission={"calc.py": TRIVIAL_SOLUTION}, hidden_tests={"tests/test_calc.py": TRIVIAL_TESTS}, limits=limits
        )
        assert report.status == "completed" and report.passed == 3, report.as_json()
        return time.monotonic() - started

    for workers in (1, 2):
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            latencies = list(pool.map(one, range(count)))
        wall = time.monotonic() - started
        print(
            f"sandbox alone, {workers} in parallel: {count} graded in {wall:.1f} s = {count / wall:.2f} graded/s "
            f"({count / wall / 2:.2f}/s per core); per run median {statistics.median(latencies):.2f} s, "
            f"p95 {percentile(latencies, 0.95):.2f} s",
            flush=True,
        )


def end_to_end(count: int) -> None:
    import django

    from bench.harness import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
    os.environ["TASKS_BACKEND"] = "database"
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from types import SimpleNamespace

    from django.db import transaction

    from accounts.models import User
    from catalog.models import CourseOffering
    from conftest import build_world
    from learning.assessments import labs
    from learning.assessments.tests.lab_fixtures import build_lab
    from learning.models import LabSubmission

    offering = CourseOffering.objects.select_related("course").filter(university__short_code="ALPHA").first()
    if offering is None:  # first run on this database: the tests' two-university world
        with transaction.atomic():
            tenant = build_world().a
    else:  # a later run: the same world, a new lab item
        tenant = SimpleNamespace(
            course=offering.course, offering=offering, student=User.objects.get(email="student@a.example.edu")
        )
    trivial = {
        "runtime": "python",
        "timeout_seconds": 30,
        "max_attempts": None,
        "files": [
            {"path": "calc.py", "role": "student_visible", "content": "def add(a, b):\n    pass\n"},
            {"path": "tests/test_calc.py", "role": "hidden_test", "content": TRIVIAL_TESTS.decode()},
        ],
    }
    lab = build_lab(tenant, **trivial)
    env = {**os.environ, "TASKS_BACKEND": "database"}
    workers = [
        subprocess.Popen(  # noqa: S603 - our own manage.py
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                "*",
                "--interval",
                "0.1",
                "--no-reload",
                "--no-startup-delay",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(2)
    ]
    try:
        time.sleep(3)  # workers up
        alone = []  # one submission at a time into an idle queue: the time a student waits
        for _ in range(5):
            began = time.monotonic()
            pk = labs.submit_lab(
                actor=lab.student, offering=lab.offering, item=lab.item, files={"calc.py": TRIVIAL_SOLUTION}
            ).pk
            until = time.monotonic() + 120
            while time.monotonic() < until:
                if LabSubmission.objects.filter(pk=pk, status__in=("graded", "error")).exists():
                    break
                time.sleep(0.02)
            alone.append(time.monotonic() - began)
        print(
            f"end to end, one submission at a time: submit→graded median {statistics.median(alone):.2f} s, "
            f"max {max(alone):.2f} s",
            flush=True,
        )
        submitted: dict[int, float] = {}
        started = time.monotonic()
        for _ in range(count):
            submission = labs.submit_lab(
                actor=lab.student, offering=lab.offering, item=lab.item, files={"calc.py": TRIVIAL_SOLUTION}
            )
            submitted[submission.pk] = time.monotonic()
        done: dict[int, float] = {}
        deadline = time.monotonic() + 60 + count * 5
        while len(done) < count and time.monotonic() < deadline:
            for pk, status in LabSubmission.objects.filter(pk__in=list(submitted)).values_list("pk", "status"):
                if pk not in done and status in ("graded", "error"):
                    done[pk] = time.monotonic()
            time.sleep(0.05)
        wall = max(done.values(), default=started) - started
        latencies = [done[pk] - submitted[pk] for pk in done]
        graded = LabSubmission.objects.filter(pk__in=list(submitted), status="graded", score_obtained=100).count()
        print(
            f"end to end, a burst of {count} (db queue, 2 db_workers): {len(done)}/{count} finished, {graded} graded 100/100, "
            f"in {wall:.1f} s = {len(done) / wall:.2f} graded/s; submit→graded median "
            f"{statistics.median(latencies):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s",
            flush=True,
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    print(f"load average before: {os.getloadavg()}", flush=True)
    if os.environ.get("SKIP_SANDBOX_ONLY") != "1":
        sandbox_only(count)
    if os.environ.get("DATABASE_URL"):
        end_to_end(count)
    print(f"load average after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
