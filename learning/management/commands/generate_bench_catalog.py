"""Build the catalog benchmark dataset: 100,000 courses, 300,000 offerings, 1,000,000 enrollments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench .venv/bin/python manage.py generate_bench_catalog

Set-based SQL (``INSERT … SELECT generate_series``), not the ORM per row: a few minutes on a laptop.
Idempotent: does nothing when the dataset is already there (``--force`` adds another batch is not
supported; drop the database instead). The course-root trigger inserts one root module per course.

Layout: 50 universities (``BN01``…``BN50``) with 10 departments each; 5 domains × 10 subjects × 4
children = 250 subjects; every course has a primary subject (child subjects mostly) and three offerings
(past, current, next term); visibility 80 % public, 10 % private, 5 % invite-only, 5 % unlisted;
20,000 students with 50 enrollments each. The student ``bench-catalog@example.edu`` (password
``bench-pass-2026``, a role at BN01) has 8 enrollments with progress rows and two preferred subjects
for the dashboard.

The offerings' ``enrolled_count``/``waitlist_count`` are set by one set-based UPDATE at the end: a dataset
builder, like a data migration, writes the summary in bulk (the enrollment service, its only writer at
run time, would take hours to replay a million requests one by one).
"""

from __future__ import annotations

import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from catalog.pagecache import bump_catalog_version

BENCH_EMAIL = "bench-catalog@example.edu"
BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - a benchmark account on a throwaway database
UNIVERSITIES = 50
DEPARTMENTS = 10
DOMAINS = 5
ROOT_SUBJECTS = 10
CHILD_SUBJECTS = 4

WORDS = [
    "Linear", "Quantum", "Applied", "Discrete", "Organic", "Statistical", "Computational", "Modern",
    "Advanced", "Introductory", "Numerical", "Structural", "Molecular", "Digital", "Classical", "Nonlinear",
]
NOUNS = [
    "Algebra", "Mechanics", "Thermodynamics", "Chemistry", "Optics", "Analysis", "Geometry", "Circuits",
    "Biology", "Statistics", "Materials", "Networks", "Control", "Signals", "Topology", "Robotics",
]
TOPICS = [
    "eigenvalues", "entropy", "photosynthesis", "semiconductors", "fluid dynamics", "graph theory",
    "stochastic processes", "crystallography", "machine learning", "cryptography", "heat transfer",
    "electromagnetism", "differential equations", "protein folding", "compilers", "orbital mechanics",
]


def _array(values):
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


class Command(BaseCommand):
    help = "Build 100,000 courses, 300,000 offerings and 1,000,000 enrollments for the catalog benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--courses", type=int, default=100_000)
        parser.add_argument("--students", type=int, default=20_000)
        parser.add_argument("--per-student", type=int, default=50)

    def handle(self, *args, courses: int, students: int, per_student: int, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM universities WHERE short_code = 'BN01'")
            if cursor.fetchone():
                self._prefer_subjects(cursor)
                self.stdout.write("Benchmark catalog already present; nothing to do.")
                return
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cur:
            self._step("geography, departments, subjects", started)
            cur.execute(
                "INSERT INTO countries (iso_code, name, region_name) VALUES ('ZB', 'Benchland', 'Bench') "
                "ON CONFLICT DO NOTHING"
            )
            cur.execute(
                """
                INSERT INTO universities (name, short_code, country_id, time_zone, is_active)
                SELECT 'Bench University ' || g, 'BN' || lpad(g::text, 2, '0'),
                       (SELECT id FROM countries WHERE iso_code = 'ZB'),
                       (ARRAY['UTC', 'Europe/Paris', 'Asia/Tokyo', 'America/New_York'])[1 + g %% 4], true
                FROM generate_series(1, %s) g
                """,
                [UNIVERSITIES],
            )
            cur.execute(
                """
                INSERT INTO departments (university_id, name, code)
                SELECT u.id, 'Department ' || d, 'D' || d
                FROM universities u CROSS JOIN generate_series(1, %s) d WHERE u.short_code LIKE 'BN%%'
                """,
                [DEPARTMENTS],
            )
            cur.execute(
                "INSERT INTO domains (code, name, description) SELECT 'BD' || g, 'Bench domain ' || g, "
                "'Benchmark domain' FROM generate_series(1, %s) g",
                [DOMAINS],
            )
            cur.execute(
                """
                INSERT INTO subjects (domain_id, name, code, depth)
                SELECT d.id, 'Subject ' || d.code || '-' || s, 'BS_' || d.code || '_' || s, 0
                FROM domains d CROSS JOIN generate_series(1, %s) s WHERE d.code LIKE 'BD%%'
                """,
                [ROOT_SUBJECTS],
            )
            cur.execute(
                """
                INSERT INTO subjects (parent_subject_id, domain_id, name, code, depth)
                SELECT p.id, p.domain_id, p.name || ' / ' || c, p.code || '_' || c, 1
                FROM subjects p CROSS JOIN generate_series(1, %s) c WHERE p.code LIKE 'BS\\_%%' AND p.depth = 0
                """,
                [CHILD_SUBJECTS],
            )

            self._step(f"{courses:,} courses (and their root modules, by trigger)", started)
            cur.execute(
                "CREATE TEMP TABLE b_dept AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, university_id "
                "FROM departments WHERE university_id IN (SELECT id FROM universities WHERE short_code LIKE 'BN%%')"
            )
            cur.execute(
                "CREATE TEMP TABLE b_subj AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
                "FROM subjects WHERE code LIKE 'BS\\_%%'"
            )
            cur.execute("SELECT count(*) FROM b_dept")
            (n_dept,) = cur.fetchone()
            cur.execute("SELECT count(*) FROM b_subj")
            (n_subj,) = cur.fetchone()
            words, nouns, topics = _array(WORDS), _array(NOUNS), _array(TOPICS)
            cur.execute(  # only integers and constant word lists are formatted in
                f"""
                INSERT INTO courses (university_id, department_id, primary_subject_id, title, code, description,
                                     level, difficulty, language_code, credit_hours, is_published, is_coming_soon,
                                     structure_version, rating_avg, rating_count)
                SELECT d.university_id, d.id, s.id,
                       ({words})[1 + g % 16] || ' ' || ({nouns})[1 + (g / 16) % 16] || ' ' || (g % 997),
                       'BC' || g,
                       'A course about ' || ({topics})[1 + (g * 7) % 16] || ' and ' || ({topics})[1 + (g * 11) % 16]
                         || ', with weekly problem sets and a final project. Course number ' || g || '.',
                       (ARRAY['undergraduate', 'graduate', 'postgraduate', 'certificate', 'other'])[1 + g % 5],
                       (ARRAY['introductory', 'intermediate', 'advanced', 'expert'])[1 + (g / 5) % 4],
                       (ARRAY['en', 'en', 'en', 'fr', 'de', 'es', 'ja'])[1 + g % 7],
                       1 + g % 6,
                       g % 50 <> 0,
                       g % 40 = 0,
                       1,
                       CASE WHEN g % 3 = 0 THEN NULL ELSE round((1 + (g % 400) / 100.0)::numeric, 2) END,
                       CASE WHEN g % 3 = 0 THEN 0 ELSE g % 500 END
                FROM generate_series(1, {int(courses)}) g
                JOIN b_dept d ON d.n = g % {n_dept}
                JOIN b_subj s ON s.n = (g * 31) % {n_subj}
                """  # noqa: S608
            )
            cur.execute(
                "INSERT INTO course_subjects (course_id, subject_id, is_primary) "
                "SELECT id, primary_subject_id, true FROM courses WHERE code LIKE 'BC%%' AND primary_subject_id IS NOT NULL"
            )

            self._step(f"{courses * 3:,} offerings", started)
            cur.execute(
                """
                INSERT INTO course_offerings (course_id, university_id, term_name, starts_at, ends_at,
                    enrollment_start, enrollment_end, visibility, capacity, requires_approval,
                    enrolled_count, waitlist_count)
                SELECT c.id, c.university_id,
                       (ARRAY['Fall 2025', 'Spring 2026', 'Fall 2026'])[t],
                       now() + ((t - 2) * 120 + (c.id % 30) - 15) * interval '1 day',
                       now() + ((t - 2) * 120 + (c.id % 30) + 75) * interval '1 day',
                       now() + ((t - 2) * 120 + (c.id % 30) - 45) * interval '1 day',
                       now() + ((t - 2) * 120 + (c.id % 30) + 5) * interval '1 day',
                       CASE WHEN (c.id + t) % 20 < 16 THEN 'public' WHEN (c.id + t) % 20 < 18 THEN 'private'
                            WHEN (c.id + t) % 20 = 18 THEN 'invite_only' ELSE 'unlisted' END,
                       CASE WHEN c.id % 4 = 0 THEN NULL ELSE 30 + c.id % 200 END,
                       c.id % 25 = 0, 0, 0
                FROM courses c CROSS JOIN generate_series(1, 3) t WHERE c.code LIKE 'BC%%'
                """
            )

            self._step(f"{students:,} students", started)
            password = make_password(BENCH_PASSWORD)
            cur.execute(
                """
                INSERT INTO users (email, full_name, password_hash, is_superuser, is_active, is_staff)
                SELECT 'bench-student-' || g || '@example.edu', 'Bench Student ' || g, %s, false, true, false
                FROM generate_series(1, %s) g
                """,
                [password, students],
            )
            cur.execute(
                "INSERT INTO users (email, full_name, password_hash, is_superuser, is_active, is_staff) "
                "VALUES (%s, 'Bench Catalog Student', %s, false, true, false)",
                [BENCH_EMAIL, password],
            )
            cur.execute(
                "INSERT INTO user_university_roles (user_id, university_id, role) "
                "SELECT (SELECT id FROM users WHERE email = %s), id, 'student' FROM universities WHERE short_code = 'BN01'",
                [BENCH_EMAIL],
            )

            total = students * per_student
            self._step(f"{total:,} enrollments", started)
            cur.execute(
                "CREATE TEMP TABLE b_off AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM course_offerings "
                "WHERE course_id IN (SELECT id FROM courses WHERE code LIKE 'BC%%')"
            )
            cur.execute("CREATE UNIQUE INDEX ON b_off (n)")
            cur.execute(
                "CREATE TEMP TABLE b_usr AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM users "
                "WHERE email LIKE 'bench-student-%%'"
            )
            cur.execute("SELECT count(*) FROM b_off")
            (n_off,) = cur.fetchone()
            # (user i, k-th enrollment) → offering (i·7919 + k·6007) mod n: distinct for k < n / 6007.
            cur.execute(  # only integers are formatted in
                f"""
                INSERT INTO course_enrollments (user_id, course_offering_id, status, waitlist_position)
                SELECT u.id, o.id,
                       CASE WHEN g % 10 = 0 THEN 'completed' WHEN g % 97 = 0 THEN 'dropped' ELSE 'active' END,
                       NULL
                FROM generate_series(0, {int(total)} - 1) g
                JOIN b_usr u ON u.n = g % {int(students)}
                JOIN b_off o ON o.n = ((g % {int(students)})::bigint * 7919 + (g / {int(students)})::bigint * 6007) % {n_off}
                """  # noqa: S608
            )
            cur.execute(
                """
                INSERT INTO course_enrollments (user_id, course_offering_id, status)
                SELECT (SELECT id FROM users WHERE email = %s), o.id, 'active'
                FROM course_offerings o JOIN courses c ON c.id = o.course_id
                WHERE c.code IN ('BC1', 'BC2', 'BC3', 'BC4', 'BC5', 'BC6', 'BC7', 'BC8')
                  AND o.term_name = 'Spring 2026'
                """,
                [BENCH_EMAIL],
            )

            self._prefer_subjects(cur)

            self._step("offering counts (one set-based UPDATE)", started)
            cur.execute(
                """
                UPDATE course_offerings o SET enrolled_count = s.enrolled
                FROM (SELECT course_offering_id, count(*) FILTER (WHERE status IN ('active', 'completed')) AS enrolled
                      FROM course_enrollments GROUP BY course_offering_id) s
                WHERE s.course_offering_id = o.id
                """
            )
            cur.execute(
                "UPDATE course_offerings SET capacity = enrolled_count WHERE capacity IS NOT NULL AND capacity < enrolled_count"
            )
        with connection.cursor() as cur:
            # VACUUM too, not only ANALYZE: it sets the visibility map, without which the catalog's
            # index-only probes (ix_course_offerings_course_visibility) visit the table for every row.
            self._step("VACUUM ANALYZE", started)
            cur.execute("VACUUM ANALYZE")
        bump_catalog_version()  # written in SQL, past the receivers: no catalog page cached before may answer
        self._step("done", started)

    def _prefer_subjects(self, cur) -> None:
        """The bench student prefers two root subjects, so My learning computes suggestions (a root and
        its children: ~4,000 courses). Idempotent; also run on a dataset built before this step existed."""
        cur.execute(
            """
            INSERT INTO user_subject_preferences (user_id, subject_id)
            SELECT u.id, s.id FROM users u
            CROSS JOIN (SELECT id FROM subjects WHERE code LIKE 'BS\\_%%' AND depth = 0 ORDER BY code LIMIT 2) s
            WHERE u.email = %s
            ON CONFLICT DO NOTHING
            """,
            [BENCH_EMAIL],
        )

    def _step(self, label: str, started: float) -> None:
        self.stdout.write(f"[{time.monotonic() - started:7.1f} s] {label}")
        self.stdout.flush()
