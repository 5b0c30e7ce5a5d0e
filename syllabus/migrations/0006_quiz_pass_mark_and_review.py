"""The built-in quiz type's schema gains ``pass_mark_percent`` and ``review`` (docs/assessments.md).

A literal copy, as in ``0003_builtin_content_types``: a test asserts that ``QUIZ_SCHEMA`` here equals
``syllabus.content_schemas.BUILTIN_CONTENT_SCHEMAS["quiz"]``. Reversing restores 0003's schema.
"""

import importlib

from django.db import migrations

QUIZ_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Quiz",
    "type": "object",
    "required": ["question_pool_id"],
    "properties": {
        "question_pool_id": {"type": "integer", "minimum": 1},
        "quiz_mode": {"enum": ["practice", "exam"]},
        "num_questions_per_attempt": {"type": "integer", "minimum": 1},
        "randomize_order": {"type": "boolean"},
        "time_limit_seconds": {"type": ["integer", "null"], "minimum": 1},
        "mastery": {
            "type": "object",
            "properties": {
                "points": {"type": "integer", "minimum": 0},
                "threshold_correct_in_row": {"type": "integer", "minimum": 1},
                "max_attempts": {"type": ["integer", "null"], "minimum": 1},
            },
            "additionalProperties": False,
        },
        "pass_mark_percent": {"type": "number", "minimum": 0, "maximum": 100},
        "review": {"enum": ["immediately", "after_due", "never"]},
    },
    "additionalProperties": False,
}


def _set_quiz_schema(apps, schema):
    ContentType = apps.get_model("syllabus", "ContentType")
    ContentType.objects.filter(name="quiz", is_builtin=True).update(json_schema=schema)


def forwards(apps, schema_editor):
    _set_quiz_schema(apps, QUIZ_SCHEMA)


def backwards(apps, schema_editor):
    previous = importlib.import_module("syllabus.migrations.0003_builtin_content_types").SCHEMAS["quiz"]
    _set_quiz_schema(apps, previous)


class Migration(migrations.Migration):
    dependencies = [("syllabus", "0005_asset_urls_guarded")]

    operations = [migrations.RunPython(forwards, backwards)]
