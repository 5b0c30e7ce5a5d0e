"""Every foreign key's ON DELETE rule in the database is the one docs/schema.md documents.

Django 5.2 applies ``on_delete`` in Python and creates each key as ``NO ACTION DEFERRABLE INITIALLY
DEFERRED``; only the composite tenant keys (``RunSQL``) and the two prompts keys carry a database rule. The
seeds state rules (CASCADE, SET NULL) that our database therefore does not repeat for most keys.
docs/schema.md ("Foreign keys and ON DELETE") says which, and why. ``EXPECTED_RULES`` pins what
``pg_constraint`` holds, so a migration that changes a rule, adds or drops a key fails here until this dict
and the documentation are updated together; the docs table is checked against the database and the seeds.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from lms.tests.test_schema_fidelity import SEEDS_DIR

pytestmark = [pytest.mark.django_db]

SCHEMA_DOC = Path(settings.BASE_DIR) / "docs" / "schema.md"
DOC_SECTION = "## Foreign keys and ON DELETE"

# pg_constraint.confdeltype → the SQL words.
_RULES = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

# "table.column" (single-column key) or "table(col1,col2)" (composite key) → (referenced table, ON DELETE).
# "SET NULL (col)" is PostgreSQL 15's column list: only that column is nulled.
EXPECTED_RULES = {
    "assignment_submissions.content_item_id": ("content_items", "NO ACTION"),
    "assignment_submissions.course_offering_id": ("course_offerings", "NO ACTION"),
    "assignment_submissions.graded_by_id": ("users", "NO ACTION"),
    "assignment_submissions.university_id": ("universities", "NO ACTION"),
    "assignment_submissions.user_id": ("users", "NO ACTION"),
    "grade_changes.actor_id": ("users", "NO ACTION"),
    "grade_changes.content_item_id": ("content_items", "NO ACTION"),
    "grade_changes.course_offering_id": ("course_offerings", "NO ACTION"),
    "grade_changes.student_id": ("users", "NO ACTION"),
    "grade_changes.target_type_id": ("django_content_type", "NO ACTION"),
    "grade_changes.university_id": ("universities", "NO ACTION"),
    "course_grades.overridden_by_id": ("users", "NO ACTION"),
    "grading_categories.course_offering_id": ("course_offerings", "NO ACTION"),
    "grading_categories.university_id": ("universities", "NO ACTION"),
    "grading_items.category_id": ("grading_categories", "NO ACTION"),
    "grading_items.content_item_id": ("content_items", "NO ACTION"),
    "grading_items.course_offering_id": ("course_offerings", "NO ACTION"),
    "grading_items.university_id": ("universities", "NO ACTION"),
    "grading_policies.course_offering_id": ("course_offerings", "NO ACTION"),
    "grading_policies.grades_finalized_by_id": ("users", "NO ACTION"),
    "grading_policies.grading_scale_id": ("grading_scales", "NO ACTION"),
    "grading_policies.university_id": ("universities", "NO ACTION"),
    "grading_scale_rows.scale_id": ("grading_scales", "NO ACTION"),
    "grading_scales.university_id": ("universities", "NO ACTION"),
    "item_score_overrides.content_item_id": ("content_items", "NO ACTION"),
    "item_score_overrides.course_offering_id": ("course_offerings", "NO ACTION"),
    "item_score_overrides.created_by_id": ("users", "NO ACTION"),
    "item_score_overrides.student_id": ("users", "NO ACTION"),
    "item_score_overrides.university_id": ("universities", "NO ACTION"),
    "item_score_overrides.updated_by_id": ("users", "NO ACTION"),
    "notifications.university_id": ("universities", "NO ACTION"),
    "notifications.user_id": ("users", "NO ACTION"),
    "notification_digests.user_id": ("users", "NO ACTION"),
    "course_review_moderations.review_id": ("course_reviews", "NO ACTION"),
    "course_review_moderations.actor_id": ("users", "NO ACTION"),
    "submission_files.assignment_submission_id": ("assignment_submissions", "NO ACTION"),
    "submission_files.course_offering_id": ("course_offerings", "NO ACTION"),
    "submission_files.lab_submission_id": ("lab_submissions", "NO ACTION"),
    "submission_files.university_id": ("universities", "NO ACTION"),
    "submission_files.uploaded_by_id": ("users", "NO ACTION"),
    "accommodations.content_item_id": ("content_items", "NO ACTION"),
    "accommodations.course_offering_id": ("course_offerings", "NO ACTION"),
    "accommodations.created_by_id": ("users", "NO ACTION"),
    "accommodations.student_id": ("users", "NO ACTION"),
    "accommodations.university_id": ("universities", "NO ACTION"),
    "assets.university_id": ("universities", "NO ACTION"),
    # django-axes (log-in lockouts): its own table, Django's default rule.
    "axes_accessattemptexpiration.access_attempt_id": ("axes_accessattempt", "NO ACTION"),
    "auth_group_permissions.group_id": ("auth_group", "NO ACTION"),
    "auth_group_permissions.permission_id": ("auth_permission", "NO ACTION"),
    "auth_permission.content_type_id": ("django_content_type", "NO ACTION"),
    "certificates.course_offering_id": ("course_offerings", "NO ACTION"),
    "certificates.user_id": ("users", "NO ACTION"),
    "chat_messages.session_id": ("chat_sessions", "NO ACTION"),
    "chat_notes.message_id": ("chat_messages", "NO ACTION"),
    "chat_notes(message_id,session_id)": ("chat_messages", "SET NULL (message_id)"),
    "chat_notes.session_id": ("chat_sessions", "NO ACTION"),
    "chat_sessions.content_item_id": ("content_items", "NO ACTION"),
    "chat_sessions.user_id": ("users", "NO ACTION"),
    "tutor_course_settings.course_id": ("courses", "NO ACTION"),
    "tutor_course_settings.university_id": ("universities", "NO ACTION"),
    "tutor_item_settings.content_item_id": ("content_items", "NO ACTION"),
    "tutor_item_settings.university_id": ("universities", "NO ACTION"),
    "content_items.content_type_id": ("content_types", "NO ACTION"),
    "content_items.course_id": ("courses", "NO ACTION"),
    "content_items(course_id,university_id)": ("courses", "CASCADE"),
    "content_items.module_id": ("modules", "NO ACTION"),
    "content_items(module_id,course_id)": ("modules", "CASCADE"),
    "content_items.university_id": ("universities", "NO ACTION"),
    "course_enrollments.course_offering_id": ("course_offerings", "NO ACTION"),
    "course_enrollments.user_id": ("users", "NO ACTION"),
    "course_grades.course_offering_id": ("course_offerings", "NO ACTION"),
    "course_grades.user_id": ("users", "NO ACTION"),
    "course_invitations.course_offering_id": ("course_offerings", "NO ACTION"),
    "course_invitations.created_by_id": ("users", "NO ACTION"),
    "course_offering_instructors.course_offering_id": ("course_offerings", "NO ACTION"),
    "course_offering_instructors.user_id": ("users", "NO ACTION"),
    "course_offerings.course_id": ("courses", "NO ACTION"),
    "course_offerings(course_id,university_id)": ("courses", "CASCADE"),
    "course_offerings.university_id": ("universities", "NO ACTION"),
    "course_prerequisites.course_id": ("courses", "NO ACTION"),
    "course_prerequisites.prerequisite_course_id": ("courses", "NO ACTION"),
    "course_reviews.course_offering_id": ("course_offerings", "NO ACTION"),
    "course_reviews.user_id": ("users", "NO ACTION"),
    "course_reviews.hidden_by_id": ("users", "NO ACTION"),
    "discussion_post_upvotes.post_id": ("discussion_posts", "NO ACTION"),
    "discussion_post_upvotes.user_id": ("users", "NO ACTION"),
    "discussion_posts.endorsed_by_id": ("users", "NO ACTION"),
    "discussion_posts.removed_by_id": ("users", "NO ACTION"),
    "discussion_settings.course_offering_id": ("course_offerings", "NO ACTION"),
    "discussion_thread_follows.thread_id": ("discussion_threads", "NO ACTION"),
    "discussion_thread_follows.user_id": ("users", "NO ACTION"),
    "course_subjects.course_id": ("courses", "NO ACTION"),
    "course_subjects.subject_id": ("subjects", "NO ACTION"),
    "courses.department_id": ("departments", "NO ACTION"),
    "courses(department_id,university_id)": ("departments", "SET NULL (department_id)"),
    "courses.primary_subject_id": ("subjects", "NO ACTION"),
    "courses.university_id": ("universities", "NO ACTION"),
    "departments.university_id": ("universities", "NO ACTION"),
    "discussion_posts.parent_post_id": ("discussion_posts", "NO ACTION"),
    "discussion_posts(parent_post_id,thread_id)": ("discussion_posts", "CASCADE"),
    "discussion_posts.thread_id": ("discussion_threads", "NO ACTION"),
    "discussion_posts.user_id": ("users", "NO ACTION"),
    "discussion_threads.content_item_id": ("content_items", "NO ACTION"),
    "discussion_threads.course_offering_id": ("course_offerings", "NO ACTION"),
    "discussion_threads.created_by_user_id": ("users", "NO ACTION"),
    "discussion_threads.module_id": ("modules", "NO ACTION"),
    "django_admin_log.content_type_id": ("django_content_type", "NO ACTION"),
    "django_admin_log.user_id": ("users", "NO ACTION"),
    "lab_submissions.content_item_id": ("content_items", "NO ACTION"),
    "lab_submissions.course_offering_id": ("course_offerings", "NO ACTION"),
    "lab_submissions.user_id": ("users", "NO ACTION"),
    "module_templates.university_id": ("universities", "NO ACTION"),
    "modules.course_id": ("courses", "NO ACTION"),
    "modules.module_template_id": ("module_templates", "NO ACTION"),
    "modules.parent_module_id": ("modules", "NO ACTION"),
    "modules(parent_module_id,course_id)": ("modules", "CASCADE"),
    "prompt_dependencies.parent_id": ("prompts", "CASCADE"),
    "prompt_labels.prompt_id": ("prompts", "CASCADE"),
    "question_pools.course_id": ("courses", "NO ACTION"),
    "question_pools(course_id,university_id)": ("courses", "CASCADE"),
    "question_pools.university_id": ("universities", "NO ACTION"),
    "questions.pool_id": ("question_pools", "NO ACTION"),
    "quiz_attempt_questions.attempt_id": ("quiz_attempts", "NO ACTION"),
    "quiz_attempt_questions.question_id": ("questions", "NO ACTION"),
    "quiz_attempt_questions.university_id": ("universities", "NO ACTION"),
    "quiz_attempts.content_item_id": ("content_items", "NO ACTION"),
    "quiz_attempts.course_offering_id": ("course_offerings", "NO ACTION"),
    "quiz_attempts.user_id": ("users", "NO ACTION"),
    "quiz_mastery.content_item_id": ("content_items", "NO ACTION"),
    "quiz_mastery.course_offering_id": ("course_offerings", "NO ACTION"),
    "quiz_mastery.university_id": ("universities", "NO ACTION"),
    "quiz_mastery.user_id": ("users", "NO ACTION"),
    "quiz_regrades.actor_id": ("users", "NO ACTION"),
    "quiz_regrades.attempt_id": ("quiz_attempts", "NO ACTION"),
    "quiz_regrades.university_id": ("universities", "NO ACTION"),
    "subjects.domain_id": ("domains", "NO ACTION"),
    "subjects.parent_subject_id": ("subjects", "NO ACTION"),
    "subjects(parent_subject_id,domain_id)": ("subjects", "SET NULL (parent_subject_id)"),
    "universities.country_id": ("countries", "NO ACTION"),
    "user_content_progress.content_item_id": ("content_items", "NO ACTION"),
    "user_content_progress.course_offering_id": ("course_offerings", "NO ACTION"),
    "user_content_progress.user_id": ("users", "NO ACTION"),
    "user_module_progress.course_offering_id": ("course_offerings", "NO ACTION"),
    "user_module_progress.module_id": ("modules", "NO ACTION"),
    "user_module_progress.user_id": ("users", "NO ACTION"),
    "user_profiles.user_id": ("users", "NO ACTION"),
    "user_sessions.user_id": ("users", "NO ACTION"),
    "user_subject_preferences.subject_id": ("subjects", "NO ACTION"),
    "user_subject_preferences.user_id": ("users", "NO ACTION"),
    "user_university_roles.department_id": ("departments", "NO ACTION"),
    "user_university_roles(department_id,university_id)": ("departments", "SET NULL (department_id)"),
    "user_university_roles.university_id": ("universities", "NO ACTION"),
    "user_university_roles.user_id": ("users", "NO ACTION"),
    "users_groups.group_id": ("auth_group", "NO ACTION"),
    "users_groups.user_id": ("users", "NO ACTION"),
    "users_user_permissions.permission_id": ("auth_permission", "NO ACTION"),
    "users_user_permissions.user_id": ("users", "NO ACTION"),
}


def live_foreign_keys() -> dict[str, tuple[str, str, str]]:
    """``{key: (referenced table, ON DELETE, constraint name)}`` for every foreign key of the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text,
                   ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord),
                   c.confrelid::regclass::text, c.confdeltype,
                   ARRAY(SELECT a.attname FROM unnest(c.confdelsetcols) k(num)
                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num),
                   c.conname
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype = 'f' AND n.nspname = current_schema()
            """
        )
        rows = cursor.fetchall()
    found = {}
    for table, columns, target, deltype, set_columns, name in rows:
        key = f"{table}.{columns[0]}" if len(columns) == 1 else f"{table}({','.join(columns)})"
        rule = _RULES[deltype] + (f" ({', '.join(set_columns)})" if set_columns else "")
        assert key not in found, f"two foreign keys on {key}: {found[key][2]} and {name}"
        found[key] = (target, rule, name)
    return found


def rule_differences(expected: dict[str, tuple[str, str]], live: dict[str, tuple[str, str, str]]) -> list[str]:
    problems = [f"{key}: not in the database" for key in sorted(set(expected) - set(live))]
    problems += [f"{key}: in the database but not documented" for key in sorted(set(live) - set(expected))]
    for key in sorted(set(expected) & set(live)):
        target, rule, name = live[key]
        if (target, rule) != expected[key]:
            problems.append(f"{key} ({name}): database says {target} ON DELETE {rule}, expected {expected[key]}")
    return problems


def test_every_foreign_key_has_the_documented_on_delete_rule():
    assert rule_differences(EXPECTED_RULES, live_foreign_keys()) == []


def test_the_comparison_reports_a_changed_added_or_dropped_rule():
    # The check above can fail: a migration turning a key into CASCADE, adding or dropping one is reported.
    as_documented = {key: (target, rule, f"{key}_fk") for key, (target, rule) in EXPECTED_RULES.items()}
    assert rule_differences(EXPECTED_RULES, as_documented) == []
    changed = {
        **as_documented,
        "departments.university_id": ("universities", "CASCADE", "departments_university_id_fk"),
    }
    changed["new_table.user_id"] = ("users", "NO ACTION", "new_table_user_id_fk")
    del changed["prompt_labels.prompt_id"]
    assert rule_differences(EXPECTED_RULES, changed) == [
        "prompt_labels.prompt_id: not in the database",
        "new_table.user_id: in the database but not documented",
        "departments.university_id (departments_university_id_fk): database says universities ON DELETE CASCADE, "
        "expected ('universities', 'NO ACTION')",
    ]


# --- the seeds' rules -------------------------------------------------------------------------------------


def seed_foreign_keys() -> dict[str, tuple[str, str | None]]:
    """``{"table.column": (referenced table, seed rule)}`` of both seeds; ``None`` = the seed states no rule.

    Seed 000 is DDL: a ``REFERENCES`` without ``ON DELETE`` is NO ACTION. Seed 001 is prose and states a
    rule for one key only (``FK → prompts.id (CASCADE)``); seed 000's rule wins where both name a key.
    """
    found: dict[str, tuple[str, str | None]] = {}
    text = next(SEEDS_DIR.glob("001_*.txt")).read_text()
    table = None
    for line in text.splitlines():
        heading = re.match(r"^Table: (\w+)", line)
        if heading:
            table = heading.group(1)
            continue
        fk = re.match(r"^\| (\w+) \| [^|]+ \| FK → (\w+)\.id(?: \(([^)]*)\))?", line)
        if fk and table:
            rule = fk.group(3) if fk.group(3) in {"CASCADE", "SET NULL", "RESTRICT"} else None
            found[f"{table}.{fk.group(1)}"] = (fk.group(2), rule)
    text = next(SEEDS_DIR.glob("000_*.txt")).read_text()
    for block in re.finditer(r"CREATE TABLE (\w+) \((.*?)\n\);", text, re.S):
        for line in block.group(2).splitlines():
            fk = re.match(r"^(\w+) BIGINT .*REFERENCES (\w+)\(id\)(?: ON DELETE (CASCADE|SET NULL))?", line.strip())
            if fk:
                found[f"{block.group(1)}.{fk.group(1)}"] = (fk.group(2), fk.group(3) or "NO ACTION")
    return found


SEED_FKS = seed_foreign_keys()


def documented_rows() -> dict[str, dict[str, str]]:
    """The rows of the two tables under "Foreign keys and ON DELETE" in docs/schema.md."""
    text = SCHEMA_DOC.read_text()
    section = text[text.index(DOC_SECTION) :]
    section = section[: section.find("\n## ", len(DOC_SECTION))]
    rows = {}
    for line in section.splitlines():
        row = re.match(r"^\| `(\w+)\.(\w+)` → `(\w+)` \| ([^|]*) \| ([^|]*) \| ([^|]*) \|", line)
        if row:
            key = f"{row.group(1)}.{row.group(2)}"
            assert key not in rows, f"{key} is documented twice"
            rows[key] = {
                "target": row.group(3),
                "seed": row.group(4).strip(),
                "db": row.group(5).strip(),
                "django": row.group(6).strip(),
            }
    return rows


def test_the_seed_parser_finds_every_foreign_key():
    assert len([k for k in SEED_FKS if k.split(".")[0] in {"chat_notes", "prompt_dependencies"}]) == 3
    assert SEED_FKS["subjects.parent_subject_id"] == ("subjects", "SET NULL")
    assert SEED_FKS["modules.module_template_id"] == ("module_templates", "NO ACTION")
    assert SEED_FKS["prompt_dependencies.parent_id"] == ("prompts", "CASCADE")
    assert SEED_FKS["chat_sessions.content_item_id"] == ("content_items", None)
    assert len(SEED_FKS) == 60


def test_docs_list_every_seed_foreign_key_with_the_seed_rule():
    rows = documented_rows()
    assert sorted(rows) == sorted(SEED_FKS)
    for key, (target, seed_rule) in SEED_FKS.items():
        assert rows[key]["target"] == target, key
        documented = rows[key]["seed"]
        if seed_rule is None:
            assert documented.startswith("—"), f"{key}: the seeds state no rule, the docs say {documented}"
        else:
            assert documented == seed_rule, f"{key}: seed {seed_rule}, docs {documented}"


def test_docs_state_the_database_rule_of_every_key_they_list():
    live = live_foreign_keys()
    by_name = {name: rule for _, rule, name in live.values()}
    for key, row in documented_rows().items():
        single = re.match(r"^(NO ACTION|CASCADE|SET NULL|RESTRICT)", row["db"])
        assert single, f"{key}: the database cell must start with the single-column key's rule"
        assert single.group(1) == EXPECTED_RULES[key][1], (
            f"{key}: docs {single.group(1)}, expected {EXPECTED_RULES[key]}"
        )
        for name, rule in re.findall(r"`(fk_\w+)` (CASCADE|SET NULL \(\w+\)|SET NULL|NO ACTION)", row["db"]):
            assert by_name.get(name) == rule, f"{key}: docs say {name} is {rule}, database {by_name.get(name)}"


def test_docs_state_the_django_on_delete_of_every_key_they_list():
    django_rules = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation:
                django_rules[f"{model._meta.db_table}.{field.column}"] = field.remote_field.on_delete.__name__
    for key, row in documented_rows().items():
        assert row["django"] == f"`{django_rules[key]}`", f"{key}: docs {row['django']}, model {django_rules[key]}"
