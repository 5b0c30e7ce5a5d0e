"""A large gradebook in a few seconds: ``students`` learners × ``items`` graded items (quizzes, labs and
assignments in a ratio of 4:3:3) in an existing offering, with a score for most (student, item) pairs, written
set-based (users, enrollments and items with ``bulk_create``; the 100,000 attempts/submissions with one
``INSERT … SELECT`` per table over ``generate_series``-free joins of the rows just made). Real rows, no mocks.

Shared by the gradebook's query-bound tests (a ``slow`` fixture) and ``bench/gradebook.py``.

The data, deterministic from ids:
- a pair's percent is ``(user_id * 37 + item_id * 11) % 101``; one pair in 20 has no row (nothing handed in);
- one assignment submission in 10 is late (``seconds_late``), and counts;
- assignments are due in the past, so a pair without a row is *missing* for assignments; quizzes and labs
  are missing only after the offering ends (it is running).
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from django.db import connection

from accounts.models import User
from learning.enrollment.models import CourseEnrollment, EnrollmentStatus
from syllabus.models import ContentItem, Module, ModuleType, QuestionPool
from syllabus.tests.factories import ModuleFactory, builtin_content_type

DUE = datetime(2020, 1, 10, 12, 0, tzinfo=UTC)
KINDS = ("quiz", "quiz", "quiz", "quiz", "engineering_lab", "engineering_lab", "engineering_lab",
         "assignment", "assignment", "assignment")  # fmt: skip
ITEMS_PER_LESSON = 25


def _payload(kind: str, pool_id: int) -> dict:
    if kind == "quiz":
        return {"question_pool_id": pool_id, "quiz_mode": "practice", "num_questions_per_attempt": 5}
    if kind == "engineering_lab":
        return {"lab_type": "code", "runtime": "python", "grading": {"type": "unit_tests", "max_points": 100}}
    return {
        "instructions": [{"type": "paragraph", "text": "Solve it."}],
        "due_at": DUE.isoformat().replace("+00:00", "Z"),
        "max_points": 50,
        "submission_types": ["text_entry"],
    }


def build_big_gradebook(*, offering, students: int = 1000, items: int = 100, prefix: str = "big") -> SimpleNamespace:
    """Add ``students`` active learners and ``items`` graded items to ``offering`` (and its course), with their
    scores. Answers ``SimpleNamespace(users=[…], items=[…])``."""
    course, university = offering.course, offering.university
    root = Module.objects.get(course=course, module_type=ModuleType.COURSE_ROOT)
    pool = QuestionPool.objects.create(course=course, university=university, title=f"{prefix} pool")
    types = {kind: builtin_content_type(kind) for kind in set(KINDS)}
    lessons = [
        ModuleFactory(parent_module=root, title=f"{prefix} graded work {n + 1}")
        for n in range((items + ITEMS_PER_LESSON - 1) // ITEMS_PER_LESSON)
    ]
    made = ContentItem.objects.bulk_create(
        [
            ContentItem(
                module=lessons[n // ITEMS_PER_LESSON],
                course=course,
                university=university,
                content_type=types[KINDS[n % len(KINDS)]],
                title=f"{KINDS[n % len(KINDS)].replace('engineering_', '').title()} {n + 1}",
                sequence_index=n % ITEMS_PER_LESSON + 1,
                data_json=_payload(KINDS[n % len(KINDS)], pool.pk),
            )
            for n in range(items)
        ]
    )
    users = User.objects.bulk_create(
        [
            User(email=f"{prefix}{n:05d}@{university.short_code.lower()}.example.edu",
                 full_name=f"{prefix.title()} Learner {n:05d}", password="!")  # fmt: skip
            for n in range(students)
        ],
        batch_size=2000,
    )
    CourseEnrollment.objects.bulk_create(
        [CourseEnrollment(user=user, course_offering=offering, status=EnrollmentStatus.ACTIVE) for user in users],
        batch_size=2000,
    )
    user_ids = [user.pk for user in users]
    item_ids = {kind: [item.pk for item in made if item.content_type_id == types[kind].pk] for kind in types}
    percent = "((u.id * 37 + i.id * 11) %% 101)"
    present = "((u.id * 7 + i.id * 3) %% 20) <> 0"
    pairs = "FROM unnest(%(users)s::bigint[]) AS u(id) CROSS JOIN unnest(%(items)s::bigint[]) AS i(id) WHERE " + present
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO quiz_attempts (user_id, course_offering_id, content_item_id, started_at, submitted_at, "
            "score_obtained, max_score, passed, attempt_number, mode) "
            f"SELECT u.id, %(offering)s, i.id, now(), now(), {percent} / 10.0, 10, {percent} >= 50, 1, 'practice' "
            + pairs,
            {"users": user_ids, "items": item_ids["quiz"], "offering": offering.pk},
        )
        cursor.execute(
            "INSERT INTO lab_submissions (user_id, course_offering_id, content_item_id, submitted_at, status, "
            "score_obtained, auto_score, max_score, attempt_number, graded_at) "
            f"SELECT u.id, %(offering)s, i.id, now(), 'graded', {percent}, {percent}, 100, 1, now() " + pairs,
            {"users": user_ids, "items": item_ids["engineering_lab"], "offering": offering.pk},
        )
        cursor.execute(
            "INSERT INTO assignment_submissions (university_id, course_offering_id, user_id, content_item_id, status, "
            "submitted_at, submission_count, raw_score, score, max_score, seconds_late, graded_at, posted_at) "
            f"SELECT %(university)s, %(offering)s, u.id, i.id, 'submitted', now(), 1, {percent} / 2.0, "
            f"{percent} / 2.0, 50, CASE WHEN (u.id + i.id) %% 10 = 0 THEN 3600 ELSE 0 END, now(), now() " + pairs,
            {"users": user_ids, "items": item_ids["assignment"], "offering": offering.pk,
             "university": university.pk},  # fmt: skip
        )
        cursor.execute("UPDATE courses SET structure_version = structure_version + 1 WHERE id = %s", [course.pk])
        cursor.execute("ANALYZE quiz_attempts, lab_submissions, assignment_submissions, course_enrollments, users")
    course.refresh_from_db(fields=["structure_version"])
    return SimpleNamespace(users=users, items=made)
