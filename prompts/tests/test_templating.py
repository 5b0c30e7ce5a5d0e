"""compile(): the Python SDK's semantics, strict mode, chat placeholders; and the SDK agrees with us."""

import pytest
from django.core.exceptions import ValidationError
from langfuse.model import TemplateParser

from prompts import selectors
from prompts.templating import MISSING_PLACEHOLDERS, MISSING_VARIABLES, compile_chat, compile_text, find_variables
from prompts.tests.factories import create

CASES = [
    ("Hello, {{name}}!", {"name": "Ada"}, "Hello, Ada!"),
    ("Hello, {{name}}!", {}, "Hello, {{name}}!"),
    ("Hello, {{  name }}!", {"name": "Ada"}, "Hello, Ada!"),
    ("{{a}}{{b}}", {"a": None, "b": 3}, "3"),
    ("{{a}}", {"a": "{{b}}", "b": "no"}, "{{b}}"),
    ('JSON {"a": {b}} {single}', {"b": 1, "single": 2}, 'JSON {"a": {b}} {single}'),
    ("open {{ only", {"only": 1}, "open {{ only"),
    ("stray }} {{x}}", {"x": 1}, "stray }} 1"),
    ("{{Name}} {{name}}", {"name": "a"}, "{{Name}} a"),
]


@pytest.mark.parametrize(("template", "variables", "expected"), CASES)
def test_compile_text_matches_the_python_sdk(template, variables, expected):
    assert compile_text(template, variables) == expected
    assert TemplateParser.compile_template(template, variables) == expected


def test_find_variables():
    assert find_variables("{{a}} {{ b }} {{a}}") == ["a", "b", "a"]


def test_strict_mode_names_every_missing_variable():
    with pytest.raises(ValidationError) as error:
        compile_text("{{b}} {{a}} {{c}}", {"c": 1}, strict=True)
    assert error.value.messages == [MISSING_VARIABLES.format(names="a, b")]
    assert compile_text("{{a}}", {"a": None}, strict=True) == ""


def test_chat_compile_splices_placeholders():
    messages = [
        {"role": "system", "content": "You tutor {{course}}."},
        {"type": "placeholder", "name": "history"},
        {"type": "placeholder", "name": "unused"},
        {"type": "placeholder", "name": "odd"},
    ]
    compiled = compile_chat(
        messages,
        {
            "course": "Calculus",
            "history": [{"role": "user", "content": "About {{course}}", "tool_calls": []}, {"content": "no role"}],
            "odd": "text",
        },
    )
    assert compiled == [
        {"role": "system", "content": "You tutor Calculus."},
        {"role": "user", "content": "About Calculus", "tool_calls": []},
        {"role": "NOT_GIVEN", "content": "no role"},
        {"type": "placeholder", "name": "unused"},
        {"role": "NOT_GIVEN", "content": "text"},
    ]


def test_strict_chat_compile_reports_variables_and_placeholders():
    with pytest.raises(ValidationError) as error:
        compile_chat(
            [{"role": "system", "content": "{{x}}"}, {"type": "placeholder", "name": "history"}], {}, strict=True
        )
    assert error.value.messages == [MISSING_VARIABLES.format(names="x"), MISSING_PLACEHOLDERS.format(names="history")]


@pytest.mark.django_db
def test_compile_prompt_fetches_resolved_and_compiles():
    create("child", prompt="Dear {{name}}")
    create("a", prompt="@@@langfusePrompt:name=child|version=1@@@, welcome to {{course}}.", labels=["production"])
    assert (
        selectors.compile_prompt(name="a", variables={"name": "Ada", "course": "Algebra"})
        == "Dear Ada, welcome to Algebra."
    )
    with pytest.raises(ValidationError):
        selectors.compile_prompt(name="a", variables={"name": "Ada"}, strict=True)
