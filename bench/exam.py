"""The synchronised exam start: 1,000 students with distinct sessions start the same 16-question timed
exam within one minute, answer with think time, submit; then every acknowledged write is checked.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_exam .venv/bin/python -m bench.exam \
        [--students 1000] [--ramp 60] [--think 30 90] [--max-minutes 30]

Builds (once; reused) a university, a course with a 48-question pool (every question kind) and an exam
item drawing 16 questions (time limit 40 min), on the dedicated database named by DATABASE_URL (created
and migrated if missing); enrolls ``--students`` students and gives each a real session (the session
store's own rows, as ``django.contrib.auth.login`` writes them) and a CSRF cookie. Each run uses a fresh
exam item, so attempts of earlier runs do not count.

Under gunicorn (2 workers, like ``make run``), one thread per student: start at a uniformly random moment
of the ``--ramp`` window (POST start, follow to the attempt page), then for each of the 16 questions think
``--think`` seconds (uniform) and autosave an answer (the JSON endpoint the page's script uses), then
submit and open the result page. Meanwhile an "instructor" edits the course every 2 s (a transaction
holding the course and item rows for 0.5 s): starting must not wait for it. Everything is bounded by
``--max-minutes``; a student still busy then is counted as unfinished.

Reported: /hello (a trivial view) in the same gunicorn before and after the run; the time from the first start to the last acknowledged start; errors (any non-2xx/3xx answer
or connection failure); median and p95 of start (POST + attempt page), answer save, submit (POST +
result page); and the lost writes: every acknowledged answer must be in ``quiz_attempt_questions`` with
the value sent, and every acknowledged submit must have a submitted attempt.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from bench.harness import FormClient, percentiles

POOL_SIZE = 48
QUESTIONS = 16
TIME_LIMIT = 40 * 60
UNIVERSITY_CODE = "EXAMB"


def _setup(students: int):
    import django

    from bench.harness import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Country, Course, CourseOffering, OfferingVisibility, University
    from learning.models import CourseEnrollment, EnrollmentStatus
    from syllabus.models import ContentItem, Module, ModuleType, Question, QuestionPool, QuestionType
    from syllabus.tests.factories import builtin_content_type

    university = University.objects.filter(short_code=UNIVERSITY_CODE).first()
    now = timezone.now()
    if university is None:
        country, _ = Country.objects.get_or_create(iso_code="ZY", defaults={"name": "Examland"})
        university = University.objects.create(
            name="Exam Bench University", short_code=UNIVERSITY_CODE, country=country
        )
        course = Course.objects.create(university=university, code="EXAM1000", title="The big exam", is_published=True)
        CourseOffering.objects.create(
            course=course,
            university=university,
            term_name="Exam term",
            visibility=OfferingVisibility.PUBLIC,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=365),
        )
        pool = QuestionPool.objects.create(course=course, university=university, title="Exam pool")
        kinds = [
            (QuestionType.MULTIPLE_CHOICE, [{"key": k, "text": f"Option {k}"} for k in "abcd"], "b", None),
            (QuestionType.MULTIPLE_SELECT, [{"key": k, "text": f"Pick {k}"} for k in "abcd"], ["a", "c"], None),
            (QuestionType.TRUE_FALSE, [], True, None),
            (QuestionType.NUMERIC, [], 1000.5, 0.5),
            (QuestionType.SHORT_TEXT, [], ["eigenvalue", "eigen value"], None),
        ]
        Question.objects.bulk_create(
            Question(
                pool=pool,
                question_type=kind,
                prompt=f"Question {n + 1} ({kind})",
                choices=choices,
                correct_answer=correct,
                numeric_tolerance=tolerance,
                points=1,
                sequence_index=n + 1,
            )
            for n, (kind, choices, correct, tolerance) in ((n, kinds[n % len(kinds)]) for n in range(POOL_SIZE))
        )
        root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)
        Module.objects.create(
            course=course,
            parent_module=root,
            module_type=ModuleType.UNIT,
            depth=1,
            sequence_index=1,
            is_published=True,
            title="Exams",
        )
    course = Course.objects.get(university=university, code="EXAM1000")
    offering = CourseOffering.objects.get(course=course)
    pool = QuestionPool.objects.get(course=course)
    unit = Module.objects.get(course=course, module_type=ModuleType.UNIT)
    # A fresh exam item per run: attempts of earlier runs stay on earlier items.
    index = ContentItem.objects.filter(module=unit).count() + 1
    item = ContentItem.objects.create(
        module=unit,
        course=course,
        university=university,
        content_type=builtin_content_type("quiz"),
        title=f"Final exam, run {index}",
        sequence_index=index,
        data_json={
            "question_pool_id": pool.pk,
            "quiz_mode": "exam",
            "num_questions_per_attempt": QUESTIONS,
            "randomize_order": True,
            "time_limit_seconds": TIME_LIMIT,
            "review": "after_due",
            "mastery": {"max_attempts": 1},
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [course.pk])
    have = User.objects.filter(email__startswith="exam-student-", email__endswith="@bench.example.edu").count()
    if have < students:
        password = make_password("bench-pass-2026")
        users = User.objects.bulk_create(
            User(email=f"exam-student-{n:05d}@bench.example.edu", full_name=f"Exam Student {n}", password=password)
            for n in range(have, students)
        )
        CourseEnrollment.objects.bulk_create(
            CourseEnrollment(user=user, course_offering=offering, status=EnrollmentStatus.ACTIVE) for user in users
        )
    users = list(
        User.objects.filter(email__startswith="exam-student-", email__endswith="@bench.example.edu").order_by("email")[
            :students
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE quiz_attempts, quiz_attempt_questions, course_enrollments, user_sessions")
    return offering, item, users


@dataclass
class Stats:
    start: list[float] = field(default_factory=list)
    save: list[float] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    started_at: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: list[tuple[int, int, object]] = field(default_factory=list)  # (attempt, position, sent)
    submitted: list[int] = field(default_factory=list)
    unfinished: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_ATTEMPT = re.compile(r"/attempts/(\d+)/")
_QUESTION = re.compile(r'data-position="(\d+)" data-kind="(\w+)"')


def _answer_for(kind: str, rng: random.Random):
    if kind == "multiple_choice":
        return rng.choice("abcd")
    if kind == "multiple_select":
        return sorted(rng.sample("abcd", rng.randint(1, 3)))
    if kind == "true_false":
        return rng.choice(["true", "false"])
    if kind == "numeric":
        return rng.choice(["1,000.5", "1000.5", "1.0005e3", "999"])
    return rng.choice(["Eigenvalue", "eigen  value", "determinant"])


def _student(port, cookie, offering_id, item_id, stats: Stats, *, start_delay, think, stop_at, seed):
    rng = random.Random(seed)
    client = FormClient(port, cookie)
    time.sleep(start_delay)
    try:
        began = time.perf_counter()
        status, location, _ = client.request("POST", f"/learn/{offering_id}/quiz/{item_id}/start/", {})
        found = _ATTEMPT.search(location)
        if status != 302 or not found:
            raise RuntimeError(f"start answered {status} {location}")
        attempt_id = int(found.group(1))
        status, _, page = client.request("GET", location)
        if status != 200:
            raise RuntimeError(f"attempt page answered {status}")
        with stats.lock:
            stats.start.append(time.perf_counter() - began)
            stats.started_at.append(time.monotonic())
        questions = [(int(p), kind) for p, kind in _QUESTION.findall(page.decode())]
        answer_url = f"/learn/{offering_id}/quiz/{item_id}/attempts/{attempt_id}/answer/"
        for position, kind in questions:
            pause = rng.uniform(*think)
            if time.monotonic() + pause > stop_at:
                with stats.lock:
                    stats.unfinished += 1
                return
            time.sleep(pause)
            value = _answer_for(kind, rng)
            body = {"position": position, f"q{position}": value}
            if kind == "multiple_select":
                body["multiple"] = "1"
            began = time.perf_counter()
            status, _, reply = client.request("POST", answer_url, body)
            elapsed = time.perf_counter() - began
            with stats.lock:
                if status == 200:
                    stats.save.append(elapsed)
                    stats.acknowledged.append((attempt_id, position, value))
                else:
                    stats.errors.append(f"save {status}: {reply[:120]!r}")
        began = time.perf_counter()
        status, location, _ = client.request(
            "POST", f"/learn/{offering_id}/quiz/{item_id}/attempts/{attempt_id}/submit/", {}
        )
        if status != 302:
            raise RuntimeError(f"submit answered {status}")
        status, _, _ = client.request("GET", location)
        if status != 200:
            raise RuntimeError(f"result page answered {status}")
        with stats.lock:
            stats.submit.append(time.perf_counter() - began)
            stats.submitted.append(attempt_id)
    except Exception as exc:  # noqa: BLE001 - every failure is an error of the run
        with stats.lock:
            stats.errors.append(f"{type(exc).__name__}: {exc}")


def _editor(item_id: int, course_id: int, stop: threading.Event, edits: list[float]):
    """An instructor saving the course every 2 s: a transaction holding the course and item rows 0.5 s."""
    from django.db import connection, transaction

    while not stop.wait(2.0):
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT id FROM courses WHERE id = %s FOR UPDATE", [course_id])
            cursor.execute("SELECT id FROM content_items WHERE id = %s FOR UPDATE", [item_id])
            cursor.execute(
                "UPDATE content_items SET description = %s WHERE id = %s", [f"edited {time.time()}", item_id]
            )
            time.sleep(0.5)
        edits.append(time.perf_counter() - began)
    connection.close()


def _lost_writes(stats: Stats) -> tuple[int, int]:
    """(answers acknowledged but not stored as sent, submits acknowledged but not stored)."""
    from learning.models import QuizAttempt, QuizAttemptQuestion

    stored = {
        (attempt_id, position): answer
        for attempt_id, position, answer in QuizAttemptQuestion.objects.filter(
            attempt_id__in={a for a, _, _ in stats.acknowledged}
        ).values_list("attempt_id", "position", "answer")
    }
    lost_answers = 0
    for attempt_id, position, sent in stats.acknowledged:
        answer = stored.get((attempt_id, position))
        expected = sent
        if isinstance(sent, str) and sent in ("true", "false") and isinstance(answer, bool):
            expected = sent == "true"
        elif isinstance(sent, str):
            expected = sent.strip()
        elif isinstance(sent, list) and isinstance(answer, list):  # stored in the order the options were shown
            expected, answer = sorted(sent), sorted(answer)
        if answer != expected:
            lost_answers += 1
    submitted = set(
        QuizAttempt.objects.filter(pk__in=stats.submitted, submitted_at__isnull=False).values_list("pk", flat=True)
    )
    return lost_answers, len(set(stats.submitted) - submitted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which the starts are spread")
    parser.add_argument("--think", type=float, nargs=2, default=(30.0, 90.0), help="think time per answer, s")
    parser.add_argument("--max-minutes", type=float, default=30.0)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench_exam")
    threading.stack_size(256 * 1024)
    offering, item, users = _setup(args.students)
    from bench.player import _session_cookie

    cookies = [_session_cookie(user) for user in users]
    print(f"offering {offering.pk}, exam item {item.pk}: {len(users)} students, {QUESTIONS} of {POOL_SIZE} questions")

    from django.db import connection

    from bench.harness import Gunicorn, measure

    connection.close()
    stats = Stats()
    edits: list[float] = []
    with Gunicorn() as server:
        status, _ = server.get("/hello")
        if status != 200:
            sys.exit(f"/hello answered {status}")
        hello = measure(server, "hello (trivial view)", "/hello", requests=1000)
        print(hello.line(), flush=True)
        stop_at = time.monotonic() + args.max_minutes * 60
        rng = random.Random(2026)
        threads = [
            threading.Thread(
                target=_student,
                args=(server.port, cookie, offering.pk, item.pk, stats),
                kwargs={
                    "start_delay": rng.uniform(0, args.ramp),
                    "think": tuple(args.think),
                    "stop_at": stop_at,
                    "seed": n,
                },
                daemon=True,
            )
            for n, cookie in enumerate(cookies)
        ]
        stop = threading.Event()
        editor = threading.Thread(target=_editor, args=(item.pk, offering.course_id, stop, edits), daemon=True)
        began = time.monotonic()
        editor.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, stop_at + 60 - time.monotonic()))
        stop.set()
        editor.join(timeout=10)
        still_running = sum(thread.is_alive() for thread in threads)
        hello_after = measure(server, "hello (after the run)", "/hello", requests=1000)
    wall = time.monotonic() - began
    all_started = (max(stats.started_at) - began) if stats.started_at else float("nan")
    lost_answers, lost_submits = _lost_writes(stats)
    print(hello_after.line())
    print(f"wall time {wall:.0f} s; instructor edits during the run: {len(edits)} ({percentiles(edits)})")
    print(
        f"attempts started: {len(stats.start)} of {len(users)}; all started {all_started:.1f} s after the first request"
    )
    print(f"start  (POST + attempt page)  {percentiles(stats.start)}")
    print(f"answer save                   {percentiles(stats.save)}")
    print(f"submit (POST + result page)   {percentiles(stats.submit)}")
    print(f"errors: {len(stats.errors)}; unfinished at the time bound: {stats.unfinished + still_running}")
    for error in sorted(set(stats.errors))[:10]:
        print(f"  {error}")
    print(
        f"acknowledged: {len(stats.acknowledged)} answers, {len(stats.submitted)} submits; "
        f"lost: {lost_answers} answers, {lost_submits} submits"
    )


if __name__ == "__main__":
    main()
