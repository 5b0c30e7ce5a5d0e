"""Bad input to the prompt console gives a 400 or a form error and writes nothing; redirects stay on the site;
change lists run a fixed number of queries whatever the number of rows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms import json_input
from prompts import forms as prompt_forms
from prompts import services as s
from prompts.models import Prompt, PromptApiKey, PromptDependency, ProtectedLabel
from prompts.tests.factories import admin_url as url
from prompts.tests.factories import create

pytestmark = pytest.mark.django_db

NUL = "\x00"
TOO_DEEP = json_input.TOO_DEEP.format(max_depth=json_input.MAX_DEPTH)


@pytest.fixture
def two_versions():
    create("child", prompt="Be kind.", labels=["production"])
    create("child", prompt="Be brief.")


@pytest.mark.parametrize(
    ("view", "params"),
    [
        ("prompts_prompt_name", {}),
        ("prompts_prompt_version", {"version": 1}),
        ("prompts_prompt_diff", {"a": 1, "b": 2}),
        ("prompts_prompt_new", {}),
        ("prompts_prompt_playground", {"version": 1}),
    ],
)
def test_a_nul_in_the_name_of_a_page_is_400(as_admin, two_versions, view, params):
    response = as_admin.get(url(view, name=f"child{NUL}", **params))
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("view", "data"),
    [
        ("prompts_prompt_labels", {"version": 2, "label": "staging", "action": "add"}),
        ("prompts_prompt_tags", {"tags": "a"}),
        ("prompts_prompt_delete_version", {"version": 1}),
    ],
)
def test_a_nul_in_a_posted_name_is_400_and_changes_nothing(as_admin, two_versions, view, data):
    response = as_admin.post(url(view), {"name": f"child{NUL}", **data})
    assert response.status_code == 400
    assert [(p.version, p.labels, p.tags) for p in Prompt.objects.order_by("version")] == [
        (1, ["production"], []),
        (2, ["latest"], []),
    ]


def test_a_nul_in_the_search_of_the_grouped_list_is_a_400_not_a_500(as_admin, two_versions):
    response = as_admin.get(url("prompts_prompt_changelist", q=f"chi{NUL}"))
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()  # lms.middleware.RejectNulMiddleware answers first


def test_the_grouped_list_filters_by_label_tag_type_and_date(as_admin, two_versions):
    create("tutor", prompt="t", labels=["staging"], tags=["tutoring"])
    create("chat", type="chat", prompt=[{"role": "system", "content": "c"}])

    def names(**params):
        response = as_admin.get(url("prompts_prompt_changelist", **params))
        assert response.status_code == 200
        return re.findall(
            r'<tr class="prompt-group">\s*<td><a [^>]*><strong>([^<]+)</strong>', response.content.decode()
        )

    assert names() == ["chat", "child", "tutor"]
    assert names(label="production") == ["child"]
    assert names(label="staging") == ["tutor"]
    assert names(tag="tutoring") == ["tutor"]
    assert names(type="chat") == ["chat"]
    assert names(updated_since="2000-01-01") == ["chat", "child", "tutor"]
    assert names(updated_since="2999-01-01") == []
    unknown = as_admin.get(url("prompts_prompt_changelist", label="nobody"))
    assert unknown.status_code == 400 and "Select a valid choice" in unknown.content.decode()


@pytest.mark.parametrize(
    "view",
    [
        "prompts_promptlabel_changelist",
        "prompts_promptdependency_changelist",
        "prompts_promptapikey_changelist",
        "prompts_protectedlabel_changelist",
    ],
)
def test_a_nul_in_the_search_of_a_change_list_is_400(as_admin, two_versions, view):
    assert as_admin.get(url(view, q=f"x{NUL}")).status_code == 400


def test_a_huge_page_of_the_grouped_list_is_an_empty_page(as_admin, two_versions):
    response = as_admin.get(url("prompts_prompt_changelist", page=str(10**30)))
    assert response.status_code == 200 and 'class="prompt-group"' not in response.content.decode()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"temperature": NaN}', prompt_forms.INVALID_JSON),
        ('{"temperature": Infinity}', prompt_forms.INVALID_JSON),
        ('{"t": 1e400}', s.NOT_FINITE.format(field="Config")),
        ('{"model": "gpt\\u0000"}', s.NUL_CHARACTER.format(field="Config")),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", TOO_DEEP),
    ],
)
def test_config_the_database_cannot_store_is_a_form_error(as_admin, config, message):
    response = as_admin.post(
        url("prompts_prompt_new"),
        {
            "name": "fresh",
            "type": "text",
            "text": "Hello",
            "config": config,
            "messages-TOTAL_FORMS": "1",
            "messages-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not Prompt.objects.exists()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("https://evil.example/phish", None),
        ("//evil.example/phish", None),
        ("/admin/prompts/prompt/", "/admin/prompts/prompt/"),
    ],
)
def test_labels_view_redirects_only_within_the_site(as_admin, two_versions, next_url, expected):
    response = as_admin.post(
        url("prompts_prompt_labels"),
        {"name": "child", "version": 1, "label": "staging", "action": "add", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == (expected or url("prompts_prompt_name", name="child"))
    assert "staging" in Prompt.objects.get(name="child", version=1).labels


# --- Change lists: a fixed number of queries, with dates to drill into ---


def _rows(start, stop):
    for i in range(start, stop):
        create(f"parent-{i:02d}", prompt=f"@@@langfusePrompt:name=leaf|version=1@@@ {i}", labels=["staging"])
        s.create_api_key(actor=None, name=f"key-{i:02d}")
        ProtectedLabel.objects.create(label=f"protected-{i:02d}")


CHANGE_LISTS = [
    ("prompts_prompt_changelist", "parent-04"),
    ("prompts_promptlabel_changelist", "parent-04"),
    ("prompts_promptdependency_changelist", "parent-04"),
    ("prompts_promptapikey_changelist", "key-04"),
    ("prompts_protectedlabel_changelist", "protected-04"),
]


@pytest.mark.parametrize(("view", "row_text"), CHANGE_LISTS)
def test_change_list_queries_do_not_grow_with_the_rows(as_admin, view, row_text):
    create("leaf", prompt="leaf")

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = as_admin.get(url(view))
            assert response.status_code == 200
        assert row_text in response.content.decode()
        return len(captured)

    _rows(0, 5)
    few = count()
    _rows(5, 50)
    assert PromptDependency.objects.count() == PromptApiKey.objects.count() == 50
    assert count() == few


@pytest.mark.parametrize(("view", "row_text"), CHANGE_LISTS[1:])
def test_dated_change_lists_drill_down_by_date(as_admin, view, row_text):
    create("leaf", prompt="leaf")
    _rows(0, 1)
    html = as_admin.get(url(view)).content.decode()
    assert 'class="toplinks"' in html  # the date hierarchy
