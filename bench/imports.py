"""Benchmark of the staff console's CSV enrollment import: 10,000 new people into one offering.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_imports .venv/bin/python -m bench.imports

On the dedicated database named by DATABASE_URL (created and migrated if missing): a university, an
offering and its university admin (reused on the next run), then ``learning.enrollment.imports.import_enrollments``
of a 10,000-row CSV of new addresses, as the console runs it: accounts with unusable passwords, student
roles, enrollments in bulk, and after commit one e-mail per new account (kept in memory here, not sent).
Prints the wall time and the number of queries of each of ``--rounds`` runs (default 3); each run's
people are deleted afterwards so the next one starts from the same state.

``learning/tests/test_admin_imports.py`` asserts the structure that keeps this fast (a bounded number of
queries, no password hashed per row); the time depends on the machine and is only measured here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

ROWS = 10_000
ADMIN_EMAIL = "bench-imports-admin@example.edu"


def _setup():
    import django

    from bench.harness import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from django.utils import timezone

    from accounts.models import UniversityRole, User, UserUniversityRole
    from catalog.models import Country, Course, CourseOffering, OfferingVisibility, University

    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        country, _ = Country.objects.get_or_create(iso_code="ZZ", defaults={"name": "Benchland"})
        university = University.objects.create(name="Bench Imports University", short_code="BIMP", country=country)
        course = Course.objects.create(university=university, code="IMP100", title="Imported", is_published=True)
        now = timezone.now()
        CourseOffering.objects.create(
            course=course,
            university=university,
            term_name="Bench term",
            visibility=OfferingVisibility.PUBLIC,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=90),
        )
        admin = User.objects.create_user(email=ADMIN_EMAIL, password="bench-pass-2026", full_name="Bench Admin")  # noqa: S106
        UserUniversityRole.objects.create(user=admin, university=university, role=UniversityRole.UNIVERSITY_ADMIN)
    role = UserUniversityRole.objects.select_related("university").get(user=admin)
    offering = CourseOffering.objects.get(university=role.university, course__code="IMP100")
    return admin, offering


def _run_once(admin, offering, round_no: int) -> tuple[float, int]:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from learning.enrollment.imports import import_enrollments

    prefix = f"bench-import-{round_no}-"
    lines = ["email,full_name"] + [f"{prefix}{i:05d}@bench.example.edu,Learner {i}" for i in range(ROWS)]
    data = ("\n".join(lines) + "\n").encode()
    mail.outbox = []
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = import_enrollments(actor=admin, offering=offering, data=data, base_url="https://lms.example.edu")
    elapsed = time.perf_counter() - started
    assert result.created_users == ROWS and len(mail.outbox) == ROWS, (result, len(mail.outbox))
    # The offering's counts are recomputed under its lock by the next run's enrollment service.
    User.objects.filter(email__startswith=prefix).delete()
    return elapsed, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench_imports")
    admin, offering = _setup()
    times = []
    for round_no in range(args.rounds):
        elapsed, queries = _run_once(admin, offering, round_no)
        times.append(elapsed)
        print(
            f"round {round_no + 1}: {ROWS:,} rows in {elapsed:.2f} s ({queries} queries, {ROWS:,} e-mails)", flush=True
        )
    print(f"median {statistics.median(times):.2f} s over {len(times)} rounds")


if __name__ == "__main__":
    main()
