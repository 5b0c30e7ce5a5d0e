"""Benchmark: 100 concurrent tutor streams while /hello and the player page are measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_tutor .venv/bin/python -m bench.tutor [--sync]

Builds (once) a small course with a transcript video, 100 enrolled students and their sessions on the
dedicated database named by DATABASE_URL (created and migrated if missing). A fake OpenAI-compatible
server in this process (``tutoring/tests/fake_openai.py``: real HTTP) streams a fixed reply of 50 pieces
0.2 s apart (10 s); gunicorn runs with the serving model of ``make run`` (``lms/gunicorn_conf.py``:
gthread) or, with ``--sync``, gunicorn's default sync workers, for comparison.

Phase 1 measures /hello and the player item page alone; phase 2 gives each of the 100 students a message
and a pending reply (through the services), opens the 100 reply streams at once, waits until every one
has its first piece, and measures the same pages (4 s each) while they run. The fake server holds every
stream's first piece until all 100 requests have reached it, so the 100 replies run together for their
10 s and the measurement window falls inside them (the time to open 100 streams is printed apart). It prints both, the ratio (the issue asks for at least half of the no-stream throughput) and
the number of streams that failed (no ``done`` with status ``complete``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import threading
import time
from datetime import timedelta

STREAMS = 100
BENCH_PREFIX = "bench-tutor-"
WINDOW_S = 8.0  # hello and the player page get half each, inside the streams' 10 s


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
    from catalog.models import Country, Course, CourseOffering, OfferingVisibility, University
    from learning.models import CourseEnrollment, EnrollmentStatus
    from lms.services import set_system_setting
    from syllabus.models import ContentItem, Module, ModuleType
    from syllabus.tests.factories import builtin_content_type

    # Budgets off for the bench students (they each send one message, but the bench may be re-run).
    for key in ("daily_messages", "daily_tokens", "per_minute"):
        set_system_setting(key=f"tutor.budget.{key}", value="0", is_encrypted=False)
    item = ContentItem.objects.filter(course__code="TUTORBENCH").first()
    if item is None:
        country, _ = Country.objects.get_or_create(iso_code="ZY", defaults={"name": "Tutorland"})
        university = University.objects.create(name="Tutor Bench University", short_code="TBENCH", country=country)
        course = Course.objects.create(university=university, code="TUTORBENCH", title="Calculus", is_published=True)
        now = timezone.now()
        offering = CourseOffering.objects.create(
            course=course,
            university=university,
            term_name="Bench term",
            visibility=OfferingVisibility.PUBLIC,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=90),
        )
        root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)
        lesson = Module.objects.create(
            course=course,
            parent_module=root,
            module_type=ModuleType.LESSON,
            depth=1,
            sequence_index=1,
            is_published=True,
            title="Derivatives",
        )
        segments = [
            {"start": 5.0 * i, "end": 5.0 * i + 5, "text": f"Segment {i} about slopes and limits."} for i in range(60)
        ]
        item = ContentItem.objects.create(
            module=lesson,
            course=course,
            university=university,
            sequence_index=1,
            content_type=builtin_content_type("video"),
            title="What a derivative is",
            data_json={
                "provider": "youtube",
                "video_id": "7K1sB05pE0A",
                "transcript": {"language": "en", "segments": segments},
            },
        )
        with __import__("django.db").db.connection.cursor() as cursor:
            cursor.execute("UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [course.pk])
        for n in range(STREAMS):
            student = User.objects.create_user(
                email=f"{BENCH_PREFIX}{n}@example.edu",
                password="bench-pass-2026",  # noqa: S106 - a bench database's throwaway account
                full_name=f"Bench Student {n}",
            )
            CourseEnrollment.objects.create(user=student, course_offering=offering, status=EnrollmentStatus.ACTIVE)
    offering = CourseOffering.objects.get(course=item.course)
    students = list(User.objects.filter(email__startswith=BENCH_PREFIX).order_by("email")[:STREAMS])
    return item, offering, students


def _cookie(user) -> str:
    from bench.player import _session_cookie

    return _session_cookie(user)


def _pending_replies(offering, item, students) -> list[str]:
    """Each student's message and a pending reply, made through the services (as the send view does);
    answers the stream URLs."""
    from django.urls import reverse

    from tutoring import chat
    from tutoring.permissions import get_tutor_access

    urls = []
    for student in students:
        access = get_tutor_access(user=student, offering_id=offering.pk, item_id=item.pk)
        session = chat.start_session(actor=student, access=access)
        sent = chat.send_message(actor=student, access=access, session=session, text="What is a slope?")
        urls.append(reverse("tutoring:stream", args=[offering.pk, item.pk, sent.reply.pk]))
    return urls


def _stream(server, url: str, cookie: str, opened: threading.Semaphore, outcome: list, lock: threading.Lock) -> None:
    ok = False
    signalled = False
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request("GET", url, headers={"Cookie": cookie, "Accept": "text/event-stream"})
        response = conn.getresponse()
        text = ""
        while True:
            line = response.readline()
            if not line:
                break
            text += line.decode()
            if not signalled and text.count("event: delta") >= 1:
                opened.release()
                signalled = True
        conn.close()
        done = re.findall(r"event: done\ndata: (.*)\n", text)
        ok = response.status == 200 and bool(done) and json.loads(done[-1])["status"] == "complete"
        if not ok:
            print(f"stream {url}: HTTP {response.status}, last event {text[-200:]!r}", flush=True)
    except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
        print(f"stream {url}: {error!r}", flush=True)
        ok = False
    if not signalled:
        opened.release()
    with lock:
        outcome.append(ok)


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench_tutor")
    sync = "--sync" in sys.argv
    item, offering, students = _setup()
    from bench.harness import Gunicorn, _result, _run
    from tutoring.tests.fake_openai import FakeOpenAI

    fake = FakeOpenAI()
    fake.reply = " ".join(f"word{i}" for i in range(50))
    fake.chunks, fake.delay = 50, 0.2  # 10 s per reply
    fake.server.request_queue_size = 256
    fake.gate = threading.Event()
    fake.start()
    env = {
        "TUTOR_PROVIDER": "openai",
        "TUTOR_OPENAI_BASE_URL": fake.base_url,
        "TUTOR_OPENAI_MODEL": "bench",
        "TUTOR_STREAM_HEARTBEAT_SECONDS": "5",
    }
    cookies = [_cookie(s) for s in students]
    page = f"/learn/{offering.pk}/item/{item.pk}/"
    print(f"serving model: {'sync workers (gunicorn default)' if sync else 'gthread (lms/gunicorn_conf.py)'}")
    with Gunicorn(env=env, config=None if sync else "lms/gunicorn_conf.py") as server:
        status, _ = server.get(page, cookies[0])
        if status != 200:
            sys.exit(f"{page} answered {status}")
        for _ in range(20):
            server.get("/hello")
            server.get(page, cookies[0])
        before = {}
        for label, path, cookie in (("hello", "/hello", ""), ("player item", page, cookies[0])):
            lat, err, wall = _run(server, path, cookie=cookie, requests=100_000, concurrency=4, deadline_s=WINDOW_S / 2)
            before[label] = _result(label, path, lat, err, wall)
        urls = _pending_replies(offering, item, students)
        fake.requests.clear()
        outcome: list[bool] = []
        lock = threading.Lock()
        opened = threading.Semaphore(0)
        threads = [
            threading.Thread(target=_stream, args=(server, url, c, opened, outcome, lock))
            for url, c in zip(urls, cookies, strict=True)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        # Every stream's request reached the model server: release them together (10 s each from now).
        last_count, last_change = 0, time.monotonic()
        while len(fake.requests) < STREAMS and time.monotonic() - last_change < 15:
            time.sleep(0.05)
            if len(fake.requests) != last_count:
                last_count, last_change = len(fake.requests), time.monotonic()
        print(
            f"{len(fake.requests)} streams waiting on the model after {time.monotonic() - began:.1f} s; releasing them"
        )
        fake.gate.set()
        for _ in threads:  # every stream has its first piece: all 100 are running
            opened.acquire(timeout=60)
        print(f"all streams have their first piece {time.monotonic() - began:.1f} s after opening")
        during = {}
        for label, path, cookie in (("hello", "/hello", ""), ("player item", page, cookies[0])):
            lat, err, wall = _run(server, path, cookie=cookie, requests=100_000, concurrency=4, deadline_s=WINDOW_S / 2)
            during[label] = _result(label, path, lat, err, wall)
        for thread in threads:
            thread.join(timeout=180)
        streams_wall = time.monotonic() - began
    fake.stop()
    for label in before:
        print("no streams   " + before[label].line())
        print("100 streams  " + during[label].line())
        print(f"{label}: {during[label].rps / before[label].rps:.2f} of its no-stream throughput")
    failed = outcome.count(False) + (STREAMS - len(outcome))
    print(
        f"streams: {STREAMS} opened, {outcome.count(True)} complete, {failed} failed, all done in {streams_wall:.1f} s"
    )


if __name__ == "__main__":
    main()
