"""JSON Schemas (draft 2020-12) of the six built-in content types, and the validator that applies them.

The schemas follow the shapes in seed 000's ``COMMENT ON COLUMN content_items.data_json``; the
assignment shape is ours (docs/schema.md). Migration ``syllabus/0003_builtin_content_types`` installs
a literal copy of ``BUILTIN_CONTENT_SCHEMAS`` (migrations never import app code) and a test keeps the
two equal. ``validate_data_json`` reports every error with its JSON path, for form errors.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from django.utils.translation import gettext_noop
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

SCHEMA_INVALID = "This content type's JSON Schema is invalid ({error}); a platform admin must fix it first."

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_HTTP_URL = {"type": "string", "pattern": "^https?://\\S+$", "maxLength": 2048}
_ASSET_ID = {"type": "integer", "minimum": 1}
_ISO_DATETIME = {
    "type": "string",
    "format": "date-time",
    "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$",
}

# Blocks of a text article (and of an assignment's instructions): a oneOf discriminated by "type".
_TEXT_BLOCK_DEFS = {
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
            "asset_id": _ASSET_ID,
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
                    "properties": {"label": {"type": "string", "minLength": 1}, "url": _HTTP_URL},
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
}

VIDEO_SCHEMA = {
    "$schema": DRAFT_2020_12,
    "title": "Video",
    "type": "object",
    "required": ["provider"],
    "properties": {
        "provider": {"enum": ["youtube", "vimeo", "internal"]},
        "video_id": {"type": "string", "minLength": 1},
        "url": _HTTP_URL,
        "duration_seconds": {"type": "integer", "minimum": 0},
        "transcript": {
            "type": "object",
            "required": ["language", "segments"],
            "properties": {
                "language": {"type": "string", "minLength": 2, "maxLength": 16},
                "segments": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["start", "end", "text"],
                        "properties": {
                            "start": {"type": "number", "minimum": 0},
                            "end": {"type": "number", "minimum": 0},
                            "text": {"type": "string"},
                        },
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
        "thumbnail_url": _HTTP_URL,
        "asset_id": {"type": ["integer", "null"], "minimum": 1},
    },
    # Something must say where the video is.
    "anyOf": [{"required": ["video_id"]}, {"required": ["url"]}, {"required": ["asset_id"]}],
    "additionalProperties": False,
}

QUIZ_SCHEMA = {
    "$schema": DRAFT_2020_12,
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
        # Ours (docs/assessments.md): the percent of the points that passes (default 50), and when an
        # exam's answers and explanations are shown after submitting (default immediately).
        "pass_mark_percent": {"type": "number", "minimum": 0, "maximum": 100},
        "review": {"enum": ["immediately", "after_due", "never"]},
    },
    "additionalProperties": False,
}

ENGINEERING_LAB_SCHEMA = {
    "$schema": DRAFT_2020_12,
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
                    # the file's text (starter code, hidden tests); hidden tests never leave the server
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
        # labs (docs/labs.md): completion at the pass mark (default 50 %), attempts, which score counts
        "pass_mark_percent": {"type": "number", "minimum": 0, "maximum": 100},
        "max_attempts": {"type": ["integer", "null"], "minimum": 1},
        "score_policy": {"enum": ["best", "latest"]},
        "show_hidden_test_names": {"type": "boolean"},
    },
    "additionalProperties": False,
}

TEXT_SCHEMA = {
    "$schema": DRAFT_2020_12,
    "title": "Text",
    "type": "object",
    "required": ["blocks"],
    "properties": {
        "layout": {"enum": ["rich_text_v1"]},
        "title": {"type": "string"},
        "blocks": {"type": "array", "items": {"$ref": "#/$defs/block"}},
    },
    "additionalProperties": False,
    "$defs": _TEXT_BLOCK_DEFS,
}

ASSIGNMENT_SCHEMA = {
    "$schema": DRAFT_2020_12,
    "title": "Assignment",
    "type": "object",
    "required": ["instructions", "max_points", "submission_types"],
    "properties": {
        "instructions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/block"}},
        # An absolute due date, or a number of days after the offering starts; exactly one.
        "due_at": _ISO_DATETIME,
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
        # grading options (docs/assignments.md)
        "available_from": _ISO_DATETIME,
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
    "$defs": _TEXT_BLOCK_DEFS,
}

RESOURCE_SCHEMA = {
    "$schema": DRAFT_2020_12,
    "title": "Resource list",
    "type": "object",
    "required": ["resources"],
    "properties": {
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["label", "url", "kind"],
                "properties": {
                    "label": {"type": "string", "minLength": 1},
                    "url": _HTTP_URL,
                    "kind": {"enum": ["pdf", "article", "video"]},
                },
                "additionalProperties": False,
            },
        }
    },
    "additionalProperties": False,
}

BUILTIN_CONTENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "video": VIDEO_SCHEMA,
    "quiz": QUIZ_SCHEMA,
    "engineering_lab": ENGINEERING_LAB_SCHEMA,
    "text": TEXT_SCHEMA,
    "assignment": ASSIGNMENT_SCHEMA,
    "resource": RESOURCE_SCHEMA,
}

# English, as stored in content_types.label; pages show them through gettext (the German catalog has them).
BUILTIN_CONTENT_LABELS: dict[str, str] = {
    "video": gettext_noop("Video"),
    "quiz": gettext_noop("Quiz"),
    "engineering_lab": gettext_noop("Engineering lab"),
    "text": gettext_noop("Text"),
    "assignment": gettext_noop("Assignment"),
    "resource": gettext_noop("Resources"),
}

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def json_path(parts) -> str:
    """``["blocks", 2, "latex"]`` → ``$.blocks[2].latex`` (JSONPath notation)."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            path += "[" + repr(part) + "]"
    return path


def _branch_errors(error: ValidationError) -> list[ValidationError] | None:
    """For a failed oneOf/anyOf over objects discriminated by a ``type`` const, the errors of the branch
    the value meant (its ``type`` matched); None when no single branch is meant."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return None
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(sub.schema_path[0], []).append(sub)
    meant = []
    for index in range(len(error.validator_value)):
        errors = by_branch.get(index, [])
        if not errors:
            return None  # a valid branch: the failure is elsewhere (e.g. oneOf matched twice)
        if not any(list(sub.relative_path) == ["type"] or _missing_property(sub) == "type" for sub in errors):
            meant.append(errors)
    return meant[0] if len(meant) == 1 else None


def _missing_property(error: ValidationError) -> str | None:
    if error.validator != "required":
        return None
    match = _REQUIRED.match(error.message)
    return match.group(1) if match else None


def _flatten(error: ValidationError) -> list[tuple[str, str]]:
    branch = _branch_errors(error)
    if branch is not None:
        return [item for sub in branch for item in _flatten(sub)]
    parts = list(error.absolute_path)
    missing = _missing_property(error)
    if missing is not None:
        parts.append(missing)
    return [(json_path(parts), error.message)]


def validate_data_json(schema: dict, data) -> list[tuple[str, str]]:
    """Every error of ``data`` against ``schema`` as ``(json path, message)``, sorted by path; [] if valid.

    A missing property is reported at its own path (``$.blocks[2].latex``). A block that fails a
    oneOf of block kinds is reported inside the kind its ``type`` names, not as "not valid under any".
    """
    problem = schema_problem(schema)
    if problem is not None:
        return [("$", SCHEMA_INVALID.format(error=problem))]
    validator = Draft202012Validator(schema)
    found: list[tuple[str, str]] = []
    try:
        for error in validator.iter_errors(data):
            for item in _flatten(error):
                if item not in found:
                    found.append(item)
    except (SchemaError, re.error, TypeError) as exc:  # a schema the meta-schema lets through but cannot run
        return [("$", SCHEMA_INVALID.format(error=str(exc).splitlines()[0]))]
    return sorted(found)


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` is not a usable draft 2020-12 schema (the first line of the reason), or None.

    Checked against the meta-schema with its format checker, so a broken ``pattern`` regex is caught
    here, when an admin saves the type, rather than when an author saves content.
    """
    if not isinstance(schema, dict):
        return "the schema must be a JSON object"
    try:
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return "the schema is not JSON"
    return _schema_problem(key)


@functools.lru_cache(maxsize=256)
def _schema_problem(schema_json: str) -> str | None:
    # Memoised by content: checking against the meta-schema costs more than validating a small payload,
    # and a syllabus copy validates every item against a handful of schemas.
    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError as exc:
        where = json_path(list(exc.path))
        return f"{exc.message} at {where}" if where != "$" else exc.message
    return None
