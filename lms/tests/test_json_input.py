"""lms.json_input: JSON from outside is parsed within limits, and every way it fails is a ValueError with a
message (never a RecursionError, which was a 500 wherever a body or a form field was parsed)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from lms import json_input
from lms.json_input import JsonInputError, SafeJSONFormField, nesting_depth, parse_json
from syllabus.models import ModuleTemplate

DEEP = "[" * 100_000 + "]" * 100_000
TOO_DEEP = json_input.TOO_DEEP.format(max_depth=json_input.MAX_DEPTH)


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ('["[[[[", "\\"[{"]', 1), (DEEP, 100_000)],
)
def test_nesting_depth_counts_brackets_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_parse_json_answers_the_value_within_the_limits():
    assert parse_json(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    nested = "[" * json_input.MAX_DEPTH + "]" * json_input.MAX_DEPTH
    assert nesting_depth(nested) == json_input.MAX_DEPTH and parse_json(nested) is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DEEP, TOO_DEEP),
        ("[" * (json_input.MAX_DEPTH + 1) + "]" * (json_input.MAX_DEPTH + 1), TOO_DEEP),
        ("{not json", json_input.NOT_JSON),
        (b"\xff\xfe", json_input.NOT_UTF8),
        ('"' + "x" * json_input.MAX_BYTES + '"', json_input.TOO_LARGE.format(max_bytes=json_input.MAX_BYTES)),
    ],
)
def test_parse_json_refuses_with_a_message(data, message):
    with pytest.raises(JsonInputError) as caught:
        parse_json(data)
    assert caught.value.message == message


def test_the_safe_form_field_turns_deep_json_into_a_field_error():
    field = SafeJSONFormField(required=False)
    form_field_errors = []
    try:
        field.clean(DEEP)
    except Exception as error:  # noqa: BLE001 (the point: which exception)
        form_field_errors = getattr(error, "messages", [repr(error)])
    assert form_field_errors == [TOO_DEEP]


@pytest.mark.django_db
def test_the_staff_console_uses_the_safe_field_for_json_columns(world):
    request = RequestFactory().get("/")
    request.user = world.platform_admin
    form = admin.site._registry[ModuleTemplate].get_form(request)()
    assert isinstance(form.fields["default_data"], SafeJSONFormField)
