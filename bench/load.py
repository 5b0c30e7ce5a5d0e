"""Load: a bounded locust run against the server `make run` starts, with a realistic mix, 100 then 200 users.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_load .venv/bin/python -m bench.load [--seconds 90] [--users 100,200]

Prepares the database named by DATABASE_URL (created and migrated when missing): the demo world
(``seed_demo``) and 200 more students enrolled in NIT MATH101, all with the demo password. Starts the
server as `make run` does — gunicorn with ``lms/gunicorn_conf.py`` (WEB_CONCURRENCY workers ×
WEB_THREADS threads) and a ``db_worker`` for background tasks — then, for each user count, runs locust
(installed into its own virtual environment, ``var/peers/locust-venv``, so its gevent never meets our
process) headless for ``--seconds`` with ``bench/locustfile.py``'s mix: anonymous catalog, search, home and
course pages; students who log in through the form (Argon2), read in the player, start or resume the
practice quiz and save an answer, and ask the tutor (offline provider, the reply streamed to its end);
instructors in the gradebook. Prints requests per second, median/p95/p99 and errors per request name and
in total, and the load average. Every loop is bounded by locust's run time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bench.harness import BASE_DIR, Gunicorn, install_in_venv, load_average, setup_django

LOCUST_VERSION = "2.47.0"
VENV = BASE_DIR / "var" / "peers" / "locust-venv"
OUT = BASE_DIR / "var" / "bench"
EXTRA_STUDENTS = 200
PASSWORD = "demo-pass-2026"  # the demo accounts' password (README, "Demo data")


def install_locust() -> Path:
    return install_in_venv(VENV, f"locust=={LOCUST_VERSION}") / "locust"


def prepare() -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import User
    from learning.models import CourseEnrollment, EnrollmentStatus
    from syllabus.models import ContentItem

    call_command("seed_demo", "--if-empty", verbosity=0)
    student = User.objects.get(email="student1@nit.example.edu")
    offering = (CourseEnrollment.objects.select_related("course_offering__course__university")
                .get(user=student, course_offering__course__code="MATH101").course_offering)
    emails = [f"load-student-{n}@nit.example.edu" for n in range(EXTRA_STUDENTS)]
    known = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    hashed = make_password(PASSWORD)  # one Argon2 hash for all: each log-in still verifies one
    User.objects.bulk_create([User(email=e, full_name=f"Load Student {e.split('-')[2].split('@')[0]}", password=hashed)
                              for e in emails if e not in known])
    users = list(User.objects.filter(email__in=emails))
    enrolled = set(CourseEnrollment.objects.filter(course_offering=offering, user__in=users).values_list("user_id", flat=True))
    CourseEnrollment.objects.bulk_create([CourseEnrollment(user=u, course_offering=offering, status=EnrollmentStatus.ACTIVE)
                                          for u in users if u.pk not in enrolled])
    items = list(ContentItem.objects.filter(course=offering.course, is_active=True, module__is_published=True)
                 .select_related("content_type").order_by("module_id", "sequence_index"))
    kind = {item.pk: item.content_type.name for item in items}
    quiz = next(pk for pk, name in kind.items() if "quiz" in name.lower())
    text = next(pk for pk, name in kind.items() if "text" in name.lower())
    return {
        "password": PASSWORD,
        "offering": offering.pk,
        "items": list(kind),
        "quiz_item": quiz,
        "tutor_item": text,
        "students": emails + ["student1@nit.example.edu", "student2@nit.example.edu"],
        "instructors": ["instructor@nit.example.edu", "ta@nit.example.edu"],
        "gradebook": f"/learn/offerings/{offering.pk}/gradebook/",
    }


def run_locust(locust: Path, server: Gunicorn, plan_file: Path, users: int, seconds: int) -> list[dict]:
    prefix = OUT / f"load-{users}"
    env = {**os.environ, "LOAD_PLAN": str(plan_file)}
    subprocess.run(
        [str(locust), "-f", str(BASE_DIR / "bench" / "locustfile.py"), "--headless", "--users", str(users),
         "--spawn-rate", str(max(1, users // 10)), "--run-time", f"{seconds}s", "--stop-timeout", "10",
         "--host", f"http://127.0.0.1:{server.port}", "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR"],
        env=env, cwd=BASE_DIR, check=False, stdout=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    return rows, failures


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench_load")
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--users", default="100,200")
    parser.add_argument("--workers", type=int, help="gunicorn workers (WEB_CONCURRENCY; make run's default: one per usable core)")
    parser.add_argument("--threads", type=int, help="threads per worker (WEB_THREADS; default in lms/gunicorn_conf.py)")
    args = parser.parse_args()
    if args.threads:
        os.environ["WEB_THREADS"] = str(args.threads)
    os.environ.setdefault("TUTOR_PROVIDER", "offline")
    setup_django()
    locust = install_locust()
    plan = prepare()
    OUT.mkdir(parents=True, exist_ok=True)
    plan_file = OUT / "load-plan.json"
    plan_file.write_text(json.dumps(plan))
    # Every simulated user comes from 127.0.0.1: the per-address log-in limit (20 a minute, made for one
    # person's address) would refuse most of them, so it is lifted here; the per-account lockout stays.
    env = {"DEBUG": "false", "TUTOR_PROVIDER": os.environ["TUTOR_PROVIDER"], "LOGIN_RATE_LIMIT": "1000000"}
    log = OUT / "load-gunicorn.log"
    log.unlink(missing_ok=True)
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
                              cwd=BASE_DIR, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with Gunicorn(workers=args.workers, env=env, extra_args=("--error-logfile", str(log))) as server:
            # The course pages an anonymous visitor finds: the ones the catalog links (hidden courses answer 404).
            _status, body = server.get("/courses/")
            plan["course_pages"] = sorted(set(re.findall(r'href="(/courses/[A-Za-z0-9_-]+/[A-Za-z0-9_.-]+/)"', body.decode())))
            plan_file.write_text(json.dumps(plan))
            print(f"server: {server.workers} workers × {os.environ.get('WEB_THREADS', '100')} threads (lms/gunicorn_conf.py)")
            for users in [int(n) for n in args.users.split(",")]:
                rows, failures = run_locust(locust, server, plan_file, users, args.seconds)
                print(f"\n{users} users, {args.seconds} s, {load_average()}")
                print(f"{'request':<28} {'count':>7} {'errors':>6} {'req/s':>7} {'median':>8} {'p95':>8} {'p99':>8}")
                for row in rows:
                    print(f"{row['Name'][:28]:<28} {row['Request Count']:>7} {row['Failure Count']:>6} "
                          f"{float(row['Requests/s']):7.1f} {row['50%']:>6}ms {row['95%']:>6}ms {row['99%']:>6}ms")
                for failure in failures:
                    print(f"  failed {failure['Occurrences']}×: {failure['Method']} {failure['Name']}: {failure['Error'][:120]}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        problems = [line for line in log.read_text().splitlines() if "[ERROR]" in line or "[CRITICAL]" in line] if log.exists() else []
        print(f"\ngunicorn errors logged: {len(problems)} ({log})")
        for line in problems[:10]:
            print("  " + line)


if __name__ == "__main__":
    main()
