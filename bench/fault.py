"""Restart PostgreSQL under a write load: failed requests, seconds until normal, and no acknowledged write lost.

    .venv/bin/python -m bench.fault [--clients 6] [--users-per-client 40] [--settle 8] [--after 20] \
        [--modes fast immediate]

Starts its OWN embedded PostgreSQL (``pgserver``, through ``lms.embedded_db``) in a fresh temporary
directory; ``DATABASE_URL`` is ignored, so the shared server is never touched. Migrates a fresh
database, builds a small world (a published course with 200 text items whose offering every bench user is
enrolled in, and 60 more open courses to enroll in), gives each user a real session, and serves the LMS
with gunicorn exactly as ``make run`` does (``lms/gunicorn_conf.py``, ``WEB_CONCURRENCY`` workers, the
real settings: the psycopg pool with its health check, the 503 page).

Then ``--clients`` threads write through the real views over HTTP, each rotating over its own users and
three writes: enroll in the next open course (POST, acknowledged by the redirect to the course page),
mark the next item done (the player's htmx POST, acknowledged by its 200), start a discussion thread (POST,
acknowledged by the redirect to the new thread, whose id it carries). Every acknowledged write is
recorded. After ``--settle`` seconds of steady load (the baseline), for each ``--modes`` entry the
database is restarted with ``pg_ctl restart -m <mode>`` (``fast``: clean shutdown; ``immediate``: no
shutdown checkpoint, crash recovery on start) and the load runs on for ``--after`` seconds.

Reported per restart: how long PostgreSQL was away (the ``pg_ctl restart`` call), the requests that
failed (by status; 503 is the app's "briefly unavailable" page, "conn" a failed connection) and the
seconds from the restart's start until requests succeed normally again (the end of the last request that
failed or took more than ``max(3 × baseline p95, 0.5 s)``). At the end, with the load stopped, every
acknowledged write is looked up in the database: lost must be 0.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bench.harness import FormClient, Gunicorn, load_average, measure, percentiles, session_cookie, setup_django

ITEMS = 200
OPEN_COURSES = 60
UNIVERSITY_CODE = "FAULT"
_THREAD = re.compile(r"/discussions/(\d+)/")


def _setup(users_needed: int):
    """Migrate the fresh database and build the world; answer (home offering, its items, open offerings,
    users)."""
    setup_django()

    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Country, Course, CourseOffering, OfferingVisibility, University
    from learning.models import CourseEnrollment, EnrollmentStatus
    from syllabus.models import ContentItem, Module, ModuleType
    from syllabus.tests.factories import builtin_content_type

    now = timezone.now()
    country, _ = Country.objects.get_or_create(iso_code="ZF", defaults={"name": "Faultland"})
    university = University.objects.create(name="Fault Bench University", short_code=UNIVERSITY_CODE, country=country)

    def offering_of(course):
        return CourseOffering.objects.create(
            course=course,
            university=university,
            term_name="Fault term",
            visibility=OfferingVisibility.PUBLIC,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=365),
        )

    home_course = Course.objects.create(university=university, code="FAULT100", title="Home", is_published=True)
    home = offering_of(home_course)
    root = Module.objects.get(course=home_course, module_type=ModuleType.COURSE_ROOT)
    unit = Module.objects.create(
        course=home_course, parent_module=root, module_type=ModuleType.UNIT, depth=1, sequence_index=1,
        is_published=True, title="Everything",
    )
    text = builtin_content_type("text")
    data = {"layout": "rich_text_v1", "title": "A page", "blocks": [{"type": "paragraph", "text": "Read me."}]}
    items = ContentItem.objects.bulk_create(
        ContentItem(module=unit, course=home_course, university=university, content_type=text,
                    title=f"Page {n + 1}", sequence_index=n + 1, data_json=data)
        for n in range(ITEMS)
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [home_course.pk])
    open_offerings = [
        offering_of(Course.objects.create(university=university, code=f"FAULT{n + 200}", title=f"Open course {n}",
                                          is_published=True))
        for n in range(OPEN_COURSES)
    ]
    password = make_password("bench-pass-2026")
    users = User.objects.bulk_create(
        User(email=f"fault-{n:04d}@bench.example.edu", full_name=f"Fault Student {n}", password=password)
        for n in range(users_needed)
    )
    CourseEnrollment.objects.bulk_create(
        CourseEnrollment(user=user, course_offering=home, status=EnrollmentStatus.ACTIVE) for user in users
    )
    return home, [item.pk for item in items], [offering.pk for offering in open_offerings], users


@dataclass
class Sample:
    kind: str
    started: float
    ended: float
    status: str  # "302", "200", "503", "conn", …
    ok: bool


@dataclass
class Load:
    samples: list[Sample] = field(default_factory=list)
    enrolled: list[tuple[int, int]] = field(default_factory=list)  # (user, offering)
    done: list[tuple[int, int]] = field(default_factory=list)  # (user, item)
    threads: list[tuple[int, str]] = field(default_factory=list)  # (thread id, title)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


def _client(port: int, number: int, users: list[tuple[int, str]], home: int, items: list[int],
            offerings: list[int], load: Load) -> None:
    clients = [(user_id, FormClient(port, cookie, timeout=30)) for user_id, cookie in users]
    counters = {user_id: 0 for user_id, _ in users}  # each user's own sequence of writes
    n = 0
    while not load.stop.is_set():
        user_id, client = clients[n % len(clients)]
        kind = ("enroll", "done", "post")[n % 3]
        step = counters[user_id]
        counters[user_id] += 1
        n += 1
        started = time.monotonic()
        try:
            if kind == "enroll":
                offering = offerings[step % len(offerings)]
                status, location, _ = client.request("POST", f"/learn/enroll/{offering}/", {})
                ok = status == 302 and "/courses/" in location
                record = ("enrolled", (user_id, offering))
            elif kind == "done":
                item = items[step % len(items)]
                status, _, _ = client.request("POST", f"/learn/{home}/item/{item}/done/", {},
                                              headers={"HX-Request": "true"})
                ok = status == 200
                record = ("done", (user_id, item))
            else:
                title = f"Fault run thread {number}-{n}"
                status, location, _ = client.request(
                    "POST", f"/learn/{home}/discussions/new/",
                    {"kind": "discussion", "title": title, "body": "Does the database keep this?", "item": ""},
                )
                found = _THREAD.search(location)
                ok = status == 302 and found is not None
                record = ("threads", (int(found.group(1)), title) if found else None)
            label = str(status)
        except (OSError, http.client.HTTPException):
            ok, label, record = False, "conn", None
        ended = time.monotonic()
        with load.lock:
            load.samples.append(Sample(kind, started, ended, label, ok))
            if ok:
                getattr(load, record[0]).append(record[1])


def _window(load: Load, start: float, end: float) -> list[Sample]:
    with load.lock:
        return [s for s in load.samples if start <= s.started < end]


def _lost(load: Load) -> dict[str, tuple[int, int]]:
    """For each kind of write: (acknowledged, missing from the database)."""
    from django.db import connection

    from learning.models import CourseEnrollment, DiscussionThread, UserContentProgress

    connection.close()  # the bench process's connection died with the restarts
    enrolled = set(load.enrolled)
    found = set(CourseEnrollment.objects.filter(user_id__in={u for u, _ in enrolled}).values_list("user_id", "course_offering_id"))
    done = set(load.done)
    completed = set(
        UserContentProgress.objects.filter(user_id__in={u for u, _ in done}, completed_at__isnull=False)
        .values_list("user_id", "content_item_id")
    )
    threads = dict(load.threads)
    stored = dict(DiscussionThread.objects.filter(pk__in=threads).values_list("pk", "title"))
    return {
        "enrollments": (len(enrolled), len(enrolled - found)),
        "items marked done": (len(done), len(done - completed)),
        "discussion threads": (len(threads), sum(1 for pk, title in threads.items() if stored.get(pk) != title)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--users-per-client", type=int, default=40, help="the posting rate limit is per user")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds of steady load before the first restart")
    parser.add_argument("--after", type=float, default=20.0, help="seconds of load after each restart")
    parser.add_argument("--modes", nargs="+", default=["fast", "immediate"], choices=["fast", "immediate"])
    args = parser.parse_args()

    from lms import embedded_db

    parent = Path(tempfile.mkdtemp(prefix="lmsfault"))  # short: the server's socket lives under it
    data_dir = parent / "pgdata"
    os.environ.pop("DATABASE_URL", None)
    try:
        url = embedded_db.database_url(data_dir, database="fault")
        os.environ["DATABASE_URL"] = url  # this process, manage.py and gunicorn: the bench's own server only
        os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
        print(f"own PostgreSQL in {data_dir}", flush=True)
        _run(args, data_dir, embedded_db)
    finally:
        embedded_db.stop(data_dir)
        shutil.rmtree(parent, ignore_errors=True)


def _run(args, data_dir: Path, embedded_db) -> None:
    from django.db import connection

    users_needed = args.clients * args.users_per_client
    home, items, offerings, users = _setup(users_needed)
    cookies = [(user.pk, session_cookie(user)) for user in users]
    connection.close()
    load = Load()
    # The app's own log (a traceback per 503 while the database is away) is silenced: every answer's status
    # is counted here.
    with Gunicorn(env={"LOG_LEVEL": "CRITICAL"}) as server:
        print(load_average(), flush=True)
        hello = measure(server, "hello (trivial view)", "/hello", requests=300)
        print(hello.line(), flush=True)
        workers = [
            threading.Thread(
                target=_client,
                args=(server.port, n, cookies[n * args.users_per_client:(n + 1) * args.users_per_client],
                      home.pk, items, offerings, load),
                daemon=True,
            )
            for n in range(args.clients)
        ]
        began = time.monotonic()
        for worker in workers:
            worker.start()
        time.sleep(args.settle)
        baseline = [s for s in _window(load, began + 1, time.monotonic()) if s.ok]  # the first second warms up
        if not baseline:
            load.stop.set()
            sys.exit("no write succeeded before the first restart")
        latencies = sorted(s.ended - s.started for s in baseline)
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        slow = max(3 * p95, 0.5)
        base_window = time.monotonic() - began - 1
        print(f"baseline ({args.clients} clients, {base_window:.0f} s): {len(baseline) / base_window:.1f} writes/s, "
              f"{percentiles([s.ended - s.started for s in baseline])}; 'normal' = ok within {slow * 1000:.0f} ms",
              flush=True)
        restarts: list[tuple[str, float, float, float]] = []  # (mode, began, pg_ctl seconds, window end)
        for mode in args.modes:
            started = time.monotonic()
            embedded_db.restart(data_dir, mode)
            down = time.monotonic() - started
            print(f"restart -m {mode}: PostgreSQL back after {down:.2f} s; load goes on for {args.after:.0f} s",
                  flush=True)
            time.sleep(args.after)
            restarts.append((mode, started, down, time.monotonic()))
        load.stop.set()
        restarts[-1] = (*restarts[-1][:3], float("inf"))  # the last window takes the requests still in flight
        for worker in workers:
            worker.join(timeout=60)

    def in_window(sample: Sample, start: float, end: float) -> bool:  # answered during it
        return start <= sample.ended < end

    for mode, started, down, end in restarts:
        window = [s for s in load.samples if in_window(s, started, end)]
        failed = [s for s in window if not s.ok]
        bad = [s for s in window if not s.ok or s.ended - s.started > slow]
        normal_after = max((s.ended for s in bad), default=started) - started
        statuses = Counter(s.status for s in failed)
        ok_after = [s.ended - s.started for s in window if s.ok and s.started > started + normal_after]
        print(f"restart -m {mode:<9}: pg_ctl restart {down:5.2f} s; {len(window)} requests answered in the "
              f"{min(end, time.monotonic()) - started:.0f} s from its start, {len(failed)} failed "
              f"({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items())) or 'none'}); normal again "
              f"{normal_after:5.2f} s after the restart began; after that {percentiles(ok_after)}")
    total = len(load.samples)
    print(f"total: {total} write requests, {sum(s.ok for s in load.samples)} acknowledged; "
          f"by kind {dict(Counter(s.kind for s in load.samples if s.ok))}")
    outside = [s for s in load.samples if not s.ok and not any(in_window(s, a, b) for _, a, _, b in restarts)]
    print(f"failed away from the restarts: {len(outside)} "
          f"({', '.join(f'{k} {st}: {n}' for (k, st), n in Counter((s.kind, s.status) for s in outside).items()) or 'none'})")
    lost = _lost(load)
    for kind, (acknowledged, missing) in lost.items():
        print(f"acknowledged {kind}: {acknowledged}, missing afterwards: {missing}")
    missing_total = sum(missing for _, missing in lost.values())
    print(f"lost acknowledged writes: {missing_total}; {load_average()}")
    if missing_total:
        sys.exit(1)


if __name__ == "__main__":
    main()
