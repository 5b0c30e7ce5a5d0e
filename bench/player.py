"""Benchmark of the course player on a 2,000-module / 10,000-item course, beside /hello.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_player .venv/bin/python -m bench.player

Builds (once; reused on the next run) a course of exactly 2,000 modules (20 units × 9 chapters × 10
lessons, plus the root's children) and 10,000 active content items on the dedicated database named by
DATABASE_URL (created and migrated if missing), enrolls a student who has completed the first 3,000
items, logs the student in (a real session cookie through the login form's backend), then measures the
player page (the resume URL and one item page) and /hello under gunicorn (2 workers) in the same run,
in five alternating rounds (``bench.harness.measure_interleaved``) so that load from other processes on a
shared machine falls on hello and the player alike.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

UNITS, CHAPTERS, LESSONS = 20, 9, 10  # 20 + 180 + 1,800 = 2,000 modules
ITEMS = 10_000
COMPLETED = 3_000
BENCH_EMAIL = "bench-student@example.edu"


def build_big_course(*, university, course, offering, student, completed: int = COMPLETED):
    """A 2,000-module / 10,000-item published tree under ``course``'s root, built with bulk_create
    (a few seconds), and ``completed`` completed items for ``student`` with their rollups."""
    from django.db import connection
    from django.utils import timezone

    from learning.models import UserContentProgress
    from learning.progress import rollups
    from syllabus.models import ContentItem, Module, ModuleType
    from syllabus.tests.factories import builtin_content_type

    root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)

    def level(parents, count, module_type, depth, label):
        rows = [
            Module(
                course=course,
                parent_module=parent,
                module_type=module_type,
                depth=depth,
                sequence_index=i + 1,
                is_published=True,
                title=f"{label} {parent.sequence_index}.{i + 1}",
            )
            for parent in parents
            for i in range(count)
        ]
        return Module.objects.bulk_create(rows, batch_size=2000)

    units = level([root], UNITS, ModuleType.UNIT, 1, "Unit")
    chapters = level(units, CHAPTERS, ModuleType.CHAPTER, 2, "Chapter")
    lessons = level(chapters, LESSONS, ModuleType.LESSON, 3, "Lesson")
    text, video = builtin_content_type("text"), builtin_content_type("video")
    per_lesson, extra = divmod(ITEMS, len(lessons))
    items = []
    for n, lesson in enumerate(lessons):
        for i in range(per_lesson + (1 if n < extra else 0)):
            is_video = i == 1
            items.append(
                ContentItem(
                    module=lesson,
                    course=course,
                    university=university,
                    sequence_index=i + 1,
                    content_type=video if is_video else text,
                    title=f"Item {n + 1}.{i + 1}",
                    data_json={"provider": "youtube", "video_id": "7K1sB05pE0A", "duration_seconds": 600}
                    if is_video
                    else {
                        "layout": "rich_text_v1",
                        "blocks": [
                            {"type": "paragraph", "text": f"Paragraph of item {n + 1}.{i + 1} with $x^{i + 2}$."},
                            {"type": "math", "latex": "\\int_0^1 x^2\\,dx = \\tfrac{1}{3}"},
                        ],
                    },
                )
            )
    items = ContentItem.objects.bulk_create(items, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [course.pk])
    course.refresh_from_db()
    offering.course = course
    now = timezone.now()
    from learning.progress.structure import get_course_structure

    structure = get_course_structure(course_id=course.pk, structure_version=course.structure_version)
    ordered = structure.item_order[:completed]
    UserContentProgress.objects.bulk_create(
        [
            UserContentProgress(
                user=student,
                course_offering=offering,
                content_item_id=iid,
                first_started_at=now - timedelta(minutes=completed - n),
                last_interacted_at=now - timedelta(minutes=completed - n),
                completed_at=now - timedelta(minutes=completed - n),
                progress_percent=100,
                attempts_count=1,
            )
            for n, iid in enumerate(ordered)
        ],
        batch_size=2000,
    )
    rollups.recompute_course_rollups(offering=offering)
    return structure


def _setup():
    from bench.harness import setup_django

    setup_django()

    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Country, Course, CourseOffering, OfferingVisibility, University
    from learning.models import CourseEnrollment, EnrollmentStatus

    student = User.objects.filter(email=BENCH_EMAIL).first()
    if student is None:
        country, _ = Country.objects.get_or_create(iso_code="ZZ", defaults={"name": "Benchland"})
        university = University.objects.create(name="Bench University", short_code="BENCH", country=country)
        course = Course.objects.create(
            university=university, code="BIG2000", title="A very large course", is_published=True
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
        CourseEnrollment.objects.create(user=student, course_offering=offering, status=EnrollmentStatus.ACTIVE)
        build_big_course(university=university, course=course, offering=offering, student=student)
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as autovacuum would have them in production
        cursor.execute("ANALYZE modules, content_items, user_content_progress, user_module_progress")
    enrollment = CourseEnrollment.objects.select_related("course_offering__course").get(user=student)
    offering = enrollment.course_offering
    return student, offering


def _session_cookie(student) -> str:
    from bench.harness import session_cookie

    return session_cookie(student)


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench_player")
    student, offering = _setup()
    from learning.progress.structure import get_course_structure

    course = offering.course
    structure = get_course_structure(course_id=course.pk, structure_version=course.structure_version)
    item = structure.item_order[len(structure.item_order) // 2]
    cookie = _session_cookie(student)
    print(
        f"course {course.pk}: {len(structure.module_parent)} published modules, "
        f"{len(structure.item_order)} items; student has completed {COMPLETED}"
    )

    from bench.harness import Gunicorn, measure_interleaved

    with Gunicorn() as server:
        for path in (f"/learn/{offering.pk}/", f"/learn/{offering.pk}/item/{item}/"):
            status, body = server.get(path, cookie)
            if status != 200:
                sys.exit(f"{path} answered {status}")
            print(f"{path}: {len(body) // 1024} KiB")
        results = measure_interleaved(
            server,
            [
                ("hello (trivial view)", "/hello", "", 3000),
                ("player: resume", f"/learn/{offering.pk}/", cookie, 1000),
                ("player: item page", f"/learn/{offering.pk}/item/{item}/", cookie, 1000),
            ],
            rounds=5,
        )
    for result in results:
        print(result.line())
    hello = results[0].rps
    for result in results[1:]:
        print(f"{result.label}: {result.rps / hello:.3f} of hello's requests per second")


if __name__ == "__main__":
    main()
