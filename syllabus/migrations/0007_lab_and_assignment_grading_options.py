"""The built-in lab and assignment schemas gain their grading options (docs/labs.md, docs/assignments.md).

Lab: runtime ``python``, file ``content``, ``pass_mark_percent``, ``max_attempts``, ``score_policy``,
``show_hidden_test_names``. Assignment: ``available_from``, per-hour penalty, floor and missing score in the
late policy, ``allow_resubmission``, ``completion``, ``grade_posting``, ``anonymous_grading``, ``rubric``.
Literal copies, as in ``0003_builtin_content_types``; a test keeps them equal to ``BUILTIN_CONTENT_SCHEMAS``.
"""

import importlib

from django.db import migrations

LAB_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Engineering lab",
    "type": "object",
    "required": ["lab_type", "runtime", "container_image"],
    "properties": {
        "lab_type": {"enum": ["code"]},
        "runtime": {"enum": ["python", "python-datascience", "matlab"]},
        "container_image": {"type": "string", "pattern": "^\\S+$"},
        "cpu_limit": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?m?$"},
        "memory_limit": {"type": "string", "pattern": "^[0-9]+(Ki|Mi|Gi|Ti|K|M|G|T)?$"},
        "timeout_seconds": {"type": "integer", "minimum": 1},
        "entrypoint": {"type": "string", "minLength": 1},
        "env": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {"type": "string"},
        },
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "role"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "role": {"enum": ["student_visible", "hidden_test", "read_only", "solution"]},
                    "content": {"type": "string", "maxLength": 262144},
                },
                "additionalProperties": False,
            },
        },
        "grading": {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {"enum": ["unit_tests", "manual", "none"]},
                "max_points": {"type": "number", "minimum": 0},
            },
            "additionalProperties": False,
        },
        "pass_mark_percent": {"type": "number", "minimum": 0, "maximum": 100},
        "max_attempts": {"type": ["integer", "null"], "minimum": 1},
        "score_policy": {"enum": ["best", "latest"]},
        "show_hidden_test_names": {"type": "boolean"},
    },
    "additionalProperties": False,
}

ASSIGNMENT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Assignment",
    "type": "object",
    "required": ["instructions", "max_points", "submission_types"],
    "properties": {
        "instructions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/block"}},
        "due_at": {
            "type": "string",
            "format": "date-time",
            "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$",
        },
        "due_offset_days": {"type": "integer", "minimum": 0},
        "max_points": {"type": "number", "exclusiveMinimum": 0},
        "submission_types": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": ["file_upload", "text_entry", "url"]},
        },
        "allowed_file_types": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^\\.[A-Za-z0-9]+$"},
        },
        "late_policy": {
            "type": "object",
            "required": ["accept_late"],
            "properties": {
                "accept_late": {"type": "boolean"},
                "penalty_percent_per_day": {"type": "number", "minimum": 0, "maximum": 100},
                "penalty_percent_per_hour": {"type": "number", "minimum": 0, "maximum": 100},
                "max_late_days": {"type": "integer", "minimum": 0},
                "floor_percent": {"type": "number", "minimum": 0, "maximum": 100},
                "missing_score_percent": {"type": "number", "minimum": 0, "maximum": 100},
            },
            "additionalProperties": False,
        },
        "available_from": {
            "type": "string",
            "format": "date-time",
            "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$",
        },
        "allow_resubmission": {"type": "boolean"},
        "completion": {"enum": ["graded", "submitted"]},
        "grade_posting": {"enum": ["automatic", "manual"]},
        "anonymous_grading": {"type": "boolean"},
        "rubric": {
            "type": "object",
            "required": ["criteria"],
            "properties": {
                "criteria": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["title", "levels"],
                        "properties": {
                            "title": {"type": "string", "minLength": 1},
                            "levels": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["title", "points"],
                                    "properties": {
                                        "title": {"type": "string", "minLength": 1},
                                        "points": {"type": "number", "minimum": 0},
                                    },
                                    "additionalProperties": False,
                                },
                            },
                        },
                        "additionalProperties": False,
                    },
                }
            },
            "additionalProperties": False,
        },
    },
    "oneOf": [{"required": ["due_at"]}, {"required": ["due_offset_days"]}],
    "additionalProperties": False,
    "$defs": {
        "paragraph": {
            "type": "object",
            "required": ["type", "text"],
            "properties": {"type": {"const": "paragraph"}, "text": {"type": "string", "minLength": 1}},
            "additionalProperties": False,
        },
        "math": {
            "type": "object",
            "required": ["type", "latex"],
            "properties": {"type": {"const": "math"}, "latex": {"type": "string", "minLength": 1}},
            "additionalProperties": False,
        },
        "image": {
            "type": "object",
            "required": ["type", "asset_id"],
            "properties": {
                "type": {"const": "image"},
                "asset_id": {"type": "integer", "minimum": 1},
                "caption": {"type": "string"},
                "alt_text": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "link_list": {
            "type": "object",
            "required": ["type", "items"],
            "properties": {
                "type": {"const": "link_list"},
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["label", "url"],
                        "properties": {
                            "label": {"type": "string", "minLength": 1},
                            "url": {"type": "string", "pattern": "^https?://\\S+$", "maxLength": 2048},
                        },
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
        "block": {
            "oneOf": [
                {"$ref": "#/$defs/paragraph"},
                {"$ref": "#/$defs/math"},
                {"$ref": "#/$defs/image"},
                {"$ref": "#/$defs/link_list"},
            ]
        },
    },
}


def _set(apps, schemas):
    ContentType = apps.get_model("syllabus", "ContentType")
    for name, schema in schemas.items():
        ContentType.objects.filter(name=name, is_builtin=True).update(json_schema=schema)


def forwards(apps, schema_editor):
    _set(apps, {"engineering_lab": LAB_SCHEMA, "assignment": ASSIGNMENT_SCHEMA})


def backwards(apps, schema_editor):
    previous = importlib.import_module("syllabus.migrations.0003_builtin_content_types").SCHEMAS
    _set(apps, {"engineering_lab": previous["engineering_lab"], "assignment": previous["assignment"]})


class Migration(migrations.Migration):
    dependencies = [("syllabus", "0006_quiz_pass_mark_and_review")]

    operations = [migrations.RunPython(forwards, backwards)]
