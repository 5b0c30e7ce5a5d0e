"""Built-in content schemas: realistic payloads pass, broken ones fail with every error at its JSON path,
and the data migration installed exactly ``BUILTIN_CONTENT_SCHEMAS``."""

import copy
import importlib

import pytest
from jsonschema import Draft202012Validator

from syllabus.content_schemas import BUILTIN_CONTENT_SCHEMAS, json_path, validate_data_json
from syllabus.models import ContentType

BUILTIN_MIGRATION = importlib.import_module("syllabus.migrations.0003_builtin_content_types")
QUIZ_MIGRATION = importlib.import_module("syllabus.migrations.0006_quiz_pass_mark_and_review")
GRADING_MIGRATION = importlib.import_module("syllabus.migrations.0007_lab_and_assignment_grading_options")

VALID_PAYLOADS = {
    "video": {
        "provider": "youtube",
        "video_id": "abc123",
        "url": "https://www.youtube.com/watch?v=abc123",
        "duration_seconds": 2700,
        "transcript": {
            "language": "en",
            "segments": [
                {"start": 0.0, "end": 8.5, "text": "Welcome to thermodynamics."},
                {"start": 8.5, "end": 15.0, "text": "Today: the first law."},
            ],
        },
        "thumbnail_url": "https://i.ytimg.com/vi/abc123/hqdefault.jpg",
        "asset_id": 42,
    },
    "quiz": {
        "question_pool_id": 12345,
        "quiz_mode": "practice",
        "num_questions_per_attempt": 10,
        "randomize_order": True,
        "time_limit_seconds": None,
        "mastery": {"points": 50, "threshold_correct_in_row": 3, "max_attempts": 5},
    },
    "engineering_lab": {
        "lab_type": "code",
        "runtime": "python-datascience",
        "container_image": "registry.example.edu/labs/python-ds:2026.1",
        "cpu_limit": "1",
        "memory_limit": "2Gi",
        "timeout_seconds": 3600,
        "entrypoint": "jupyter-lab",
        "env": {"VAR1": "value"},
        "files": [
            {"path": "notebooks/lab.ipynb", "role": "student_visible"},
            {"path": "tests/test_basic.py", "role": "hidden_test"},
        ],
        "grading": {"type": "unit_tests", "max_points": 100},
    },
    "text": {
        "layout": "rich_text_v1",
        "title": "What are linear equations and inequalities?",
        "blocks": [
            {"type": "paragraph", "text": "A linear equation sets two degree-one expressions equal."},
            {"type": "math", "latex": "2x + 1 = 5"},
            {"type": "image", "asset_id": 42, "caption": "The line y = 2x + 1"},
            {"type": "link_list", "items": [{"label": "Khan Academy", "url": "https://www.khanacademy.org/"}]},
        ],
    },
    "assignment": {
        "instructions": [
            {"type": "paragraph", "text": "Solve the three problems and upload your working."},
            {"type": "math", "latex": "\\int_0^1 x^2\\,dx"},
        ],
        "due_offset_days": 14,
        "max_points": 20,
        "submission_types": ["file_upload", "text_entry"],
        "allowed_file_types": [".pdf", ".png"],
        "late_policy": {"accept_late": True, "penalty_percent_per_day": 10, "max_late_days": 3},
    },
    "resource": {
        "resources": [
            {"label": "Lecture notes", "url": "https://example.edu/notes.pdf", "kind": "pdf"},
            {"label": "Background reading", "url": "https://example.edu/article", "kind": "article"},
        ]
    },
}

# One broken payload per type, with every error we expect (path, fragment of the message).
BROKEN = {
    "video": (
        {"provider": "dailymotion", "transcript": {"language": "en", "segments": [{"start": -1, "end": 2}]}},
        {
            ("$.provider", "is not one of"),
            ("$", "is not valid under any of the given schemas"),  # none of video_id / url / asset_id
            ("$.transcript.segments[0].start", "less than the minimum"),
            ("$.transcript.segments[0].text", "is a required property"),
        },
    ),
    "quiz": (
        {"quiz_mode": "homework", "num_questions_per_attempt": 0},
        {
            ("$.question_pool_id", "is a required property"),
            ("$.quiz_mode", "is not one of"),
            ("$.num_questions_per_attempt", "less than the minimum"),
        },
    ),
    "engineering_lab": (
        {"lab_type": "code", "runtime": "fortran", "container_image": "bad image", "env": {"1BAD": "x"}},
        {
            ("$.runtime", "is not one of"),
            ("$.container_image", "does not match"),
            ("$.env", "does not match"),
        },
    ),
    "text": (
        {
            "blocks": [
                {"type": "paragraph", "text": "fine"},
                {"type": "math"},
                {"type": "math", "latex": 5},
                {"type": "video"},
                {"type": "link_list", "items": [{"label": "x", "url": "ftp://nope"}]},
            ],
            "colour": "red",
        },
        {
            ("$", "Additional properties are not allowed"),
            ("$.blocks[1].latex", "is a required property"),
            ("$.blocks[2].latex", "is not of type 'string'"),
            ("$.blocks[3]", "is not valid under any of the given schemas"),
            ("$.blocks[4].items[0].url", "does not match"),
        },
    ),
    "assignment": (
        {
            "instructions": [{"type": "paragraph"}],
            "due_at": "next friday",
            "max_points": 0,
            "submission_types": ["fax"],
            "allowed_file_types": ["pdf"],
            "late_policy": {"penalty_percent_per_day": 150},
        },
        {
            ("$.instructions[0].text", "is a required property"),
            ("$.due_at", "does not match"),
            ("$.max_points", "less than or equal to the minimum"),
            ("$.submission_types[0]", "is not one of"),
            ("$.allowed_file_types[0]", "does not match"),
            ("$.late_policy.accept_late", "is a required property"),
            ("$.late_policy.penalty_percent_per_day", "greater than the maximum"),
        },
    ),
    "resource": (
        {"resources": [{"label": "", "url": "https://example.edu/x", "kind": "podcast"}]},
        {("$.resources[0].label", "should be non-empty"), ("$.resources[0].kind", "is not one of")},
    ),
}


def test_there_are_six_builtin_schemas_and_each_is_a_valid_draft_2020_12_schema():
    assert set(BUILTIN_CONTENT_SCHEMAS) == {"video", "quiz", "engineering_lab", "text", "assignment", "resource"}
    for schema in BUILTIN_CONTENT_SCHEMAS.values():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(VALID_PAYLOADS))
def test_builtin_schema_accepts_a_realistic_payload(name):
    assert validate_data_json(BUILTIN_CONTENT_SCHEMAS[name], VALID_PAYLOADS[name]) == []


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_builtin_schema_reports_every_error_of_a_broken_payload_at_its_path(name):
    payload, expected = BROKEN[name]
    errors = validate_data_json(BUILTIN_CONTENT_SCHEMAS[name], payload)
    assert {path for path, _ in errors} == {path for path, _ in expected}
    for path, fragment in expected:
        assert any(p == path and fragment in message for p, message in errors), (path, fragment, errors)


def test_assignment_needs_exactly_one_of_due_at_and_due_offset_days():
    schema = BUILTIN_CONTENT_SCHEMAS["assignment"]
    payload = copy.deepcopy(VALID_PAYLOADS["assignment"])
    payload["due_at"] = "2026-12-01T23:59:00Z"
    assert [path for path, _ in validate_data_json(schema, payload)] == ["$"]
    del payload["due_offset_days"]
    assert validate_data_json(schema, payload) == []
    del payload["due_at"]
    assert [path for path, _ in validate_data_json(schema, payload)] == ["$"]


def test_a_text_block_error_is_reported_inside_the_block_kind_it_names():
    errors = validate_data_json(BUILTIN_CONTENT_SCHEMAS["text"], {"blocks": [{"type": "image", "asset_id": "42"}]})
    assert errors == [("$.blocks[0].asset_id", "'42' is not of type 'integer'")]


def test_validate_data_json_works_for_any_admin_schema():
    schema = {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}}
    assert validate_data_json(schema, {"body": "hi"}) == []
    assert validate_data_json(schema, {"body": 1}) == [("$.body", "1 is not of type 'string'")]
    assert validate_data_json(schema, []) == [("$", "[] is not of type 'object'")]


def test_json_path_quotes_keys_that_are_not_identifiers():
    assert json_path(["blocks", 2, "latex"]) == "$.blocks[2].latex"
    assert json_path(["env", "my-var"]) == "$.env['my-var']"


def test_the_migration_literals_equal_the_app_schemas():
    # The migrations embed their own copies (migrations never import app code); they must not drift.
    # 0006 replaced the quiz schema (pass mark and review setting), 0007 the lab and assignment schemas.
    replaced = {
        "quiz": QUIZ_MIGRATION.QUIZ_SCHEMA,
        "engineering_lab": GRADING_MIGRATION.LAB_SCHEMA,
        "assignment": GRADING_MIGRATION.ASSIGNMENT_SCHEMA,
    }
    assert {**BUILTIN_MIGRATION.SCHEMAS, **replaced} == BUILTIN_CONTENT_SCHEMAS
    assert set(BUILTIN_MIGRATION.LABELS) == set(BUILTIN_CONTENT_SCHEMAS)


@pytest.mark.django_db
def test_the_migration_installed_the_builtin_types():
    installed = {ct.name: ct for ct in ContentType.objects.filter(is_builtin=True)}
    assert set(installed) == set(BUILTIN_CONTENT_SCHEMAS)
    for name, content_type in installed.items():
        assert content_type.json_schema == BUILTIN_CONTENT_SCHEMAS[name]
        assert content_type.is_active
