"""The prompt console in the admin: every page's happy path, who is refused, bad input, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prompts import forms as prompt_forms
from prompts import services as s
from prompts.admin import CHAT_NEEDS_MESSAGES
from prompts.models import Prompt, PromptApiKey, ProtectedLabel
from prompts.templating import MISSING_VARIABLES
from prompts.tests.factories import ProtectedLabelFactory, create
from prompts.tests.factories import admin_url as url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    create("child", prompt="Be kind, {{name}}.", labels=["production"], commit_message="first words")
    create("child", prompt="Be brief, {{name}}.", labels=["staging"], tags=["tutor"])
    create("tutor/system", prompt="Rules: @@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    create(
        "chat",
        type="chat",
        prompt=[{"role": "system", "content": "Course {{course}}"}, {"type": "placeholder", "name": "history"}],
    )


PAGES = [
    ("prompts_prompt_changelist", {}),
    ("prompts_prompt_name", {"name": "child"}),
    ("prompts_prompt_version", {"name": "tutor/system", "version": 1}),
    ("prompts_prompt_diff", {"name": "child", "a": 1, "b": 2}),
    ("prompts_prompt_new", {"name": "chat"}),
    ("prompts_prompt_playground", {"name": "chat", "version": 1}),
]


@pytest.mark.parametrize(("page", "params"), PAGES)
def test_pages_render_for_staff_with_prompt_permissions(as_editor, world, page, params):
    response = as_editor.get(url(page, **params))
    assert response.status_code == 200


@pytest.mark.parametrize(("page", "params"), PAGES)
def test_pages_are_refused_to_anonymous_and_non_staff(client, student, world, page, params):
    assert client.get(url(page, **params)).status_code == 302  # to the admin login
    client.force_login(student)
    response = client.get(url(page, **params))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(("page", "params"), PAGES)
def test_pages_are_forbidden_to_staff_without_prompt_permissions(
    client, staff_without_prompt_perms, world, page, params
):
    client.force_login(staff_without_prompt_perms)
    assert client.get(url(page, **params)).status_code == 403


def test_the_list_groups_versions_by_name_with_labels_creator_and_commit_message(as_editor, world, editor):
    s.create_prompt_version(actor=editor, name="child", prompt="third", commit_message="by the editor")
    html = as_editor.get(url("prompts_prompt_changelist")).content.decode()
    assert html.count('class="prompt-group"') == 3
    assert "first words" in html and "by the editor" in html and "Editor" in html  # the creator's name
    assert "tutor/system" in html and "staging" in html
    searched = as_editor.get(url("prompts_prompt_changelist", q="tutor")).content.decode()
    assert searched.count('class="prompt-group"') == 1


def test_the_list_query_count_does_not_grow_with_versions(as_editor, world):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert as_editor.get(url("prompts_prompt_changelist")).status_code == 200
        return len(captured)

    few = count()
    for _ in range(10):
        create("child", prompt="more")
        create("tutor/system", prompt="more")
    assert count() == few


def test_version_page_shows_resolved_content_and_the_dependency_graph(as_editor, world):
    html = as_editor.get(url("prompts_prompt_version", name="tutor/system", version=1)).content.decode()
    assert "Rules: Be kind, {{name}}." in html
    assert "label <strong>production</strong>" in html and "child v1" in html
    used_by = as_editor.get(url("prompts_prompt_version", name="child", version=1)).content.decode()
    assert "tutor/system v1" in used_by


def test_diff_is_side_by_side_and_escapes(as_editor):
    create("x", prompt="<script>alert(1)</script>\nsame")
    create("x", prompt="changed\nsame")
    html = as_editor.get(url("prompts_prompt_diff", name="x", a=1, b=2)).content.decode()
    assert 'class="diff"' in html and "&lt;script&gt;" in html and "<script>alert" not in html
    bad = as_editor.get(url("prompts_prompt_diff", name="x", a=1, b=1))
    assert bad.status_code == 400 and prompt_forms.SAME_VERSION in bad.content.decode()


def test_new_text_version(as_editor, editor):
    response = as_editor.post(
        url("prompts_prompt_new"),
        {
            "name": "welcome",
            "type": "text",
            "text": "Hi {{name}}",
            "labels": "staging, qa",
            "tags": "onboarding",
            "config": '{"temperature": 0.2}',
            "commit_message": "first draft",
            "messages-TOTAL_FORMS": "3",
            "messages-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    created = Prompt.objects.get(name="welcome")
    assert (created.prompt, created.labels, created.tags, created.config) == (
        "Hi {{name}}",
        ["staging", "qa", "latest"],
        ["onboarding"],
        {"temperature": 0.2},
    )
    assert created.created_by == str(editor.pk) and created.commit_message == "first draft"


def test_new_chat_version(as_editor):
    data = {
        "name": "tutor",
        "type": "chat",
        "config": "{}",
        "messages-TOTAL_FORMS": "4",
        "messages-INITIAL_FORMS": "0",
        "messages-0-kind": "message",
        "messages-0-role": "system",
        "messages-0-content": "You tutor {{course}}.",
        "messages-1-kind": "placeholder",
        "messages-1-placeholder": "history",
        "messages-2-kind": "message",
        "messages-3-kind": "message",
    }
    assert as_editor.post(url("prompts_prompt_new"), data).status_code == 302
    assert Prompt.objects.get(name="tutor").prompt == [
        {"role": "system", "content": "You tutor {{course}}."},
        {"type": "placeholder", "name": "history"},
    ]


def test_add_message_rows_keeps_what_was_typed_and_writes_nothing(as_editor):
    data = {
        "name": "tutor",
        "type": "chat",
        "messages-TOTAL_FORMS": "1",
        "messages-INITIAL_FORMS": "0",
        "messages-0-kind": "message",
        "messages-0-role": "system",
        "messages-0-content": "typed",
        "add_row": "1",
    }
    response = as_editor.post(url("prompts_prompt_new"), data)
    assert response.status_code == 200 and not Prompt.objects.exists()
    html = response.content.decode()
    assert "typed" in html and 'name="messages-TOTAL_FORMS" value="4"' in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "a|b"}, s.NAME_PIPE),
        ({"labels": "Bad Label"}, s.LABEL_INVALID.format(label="Bad Label")),
        ({"config": "{oops"}, prompt_forms.INVALID_JSON),
        ({"type": "chat"}, CHAT_NEEDS_MESSAGES),
        ({"text": "   "}, "A text prompt needs some text."),
        ({"name": "child", "type": "chat", "messages-0-role": "system", "messages-0-content": "x"}, s.TYPE_CHANGED),
    ],
)
def test_bad_input_shows_a_form_error_and_writes_nothing(as_editor, world, changes, message):
    before = Prompt.objects.count()
    data = {
        "name": "fresh",
        "type": "text",
        "text": "Hello",
        "config": "{}",
        "messages-TOTAL_FORMS": "1",
        "messages-INITIAL_FORMS": "0",
        "messages-0-kind": "message",
    } | changes
    response = as_editor.post(url("prompts_prompt_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
    assert Prompt.objects.count() == before


def test_promote_and_remove_buttons(as_editor, world):
    response = as_editor.post(
        url("prompts_prompt_labels"), {"name": "child", "version": 1, "label": "staging", "action": "add"}
    )
    assert response.status_code == 302
    assert "staging" in Prompt.objects.get(name="child", version=1).labels
    as_editor.post(
        url("prompts_prompt_labels"), {"name": "child", "version": 1, "label": "staging", "action": "remove"}
    )
    assert "staging" not in Prompt.objects.get(name="child", version=1).labels


def test_promote_buttons_are_on_the_name_page(as_editor, world):
    html = as_editor.get(url("prompts_prompt_name", name="child")).content.decode()
    assert "Promote to production" in html and "Promote to staging" in html


def test_promoting_a_protected_label_without_permission_shows_an_error_and_changes_nothing(as_editor, world):
    ProtectedLabelFactory(label="production")
    response = as_editor.post(
        url("prompts_prompt_labels"),
        {"name": "child", "version": 2, "label": "production", "action": "add"},
        follow=True,
    )
    assert s.PROTECTED_LABELS_DENIED.format(labels="'production'") in response.content.decode().replace("&#x27;", "'")
    assert "production" in Prompt.objects.get(name="child", version=1).labels


def test_removing_a_label_a_prompt_depends_on_shows_the_dependants(as_editor, world):
    response = as_editor.post(
        url("prompts_prompt_labels"),
        {"name": "child", "version": 1, "label": "production", "action": "remove"},
        follow=True,
    )
    assert "tutor/system v1 depends on child production" in response.content.decode()
    assert "production" in Prompt.objects.get(name="child", version=1).labels


def test_bad_label_form_writes_nothing(as_editor, world):
    as_editor.post(url("prompts_prompt_labels"), {"name": "child", "version": "x", "label": "", "action": "add"})
    assert Prompt.objects.get(name="child", version=1).labels == ["production"]


def test_tags_and_delete(as_editor, world):
    as_editor.post(url("prompts_prompt_tags"), {"name": "child", "tags": "a, b"})
    assert [p.tags for p in Prompt.objects.filter(name="child")] == [["a", "b"], ["a", "b"]]
    response = as_editor.post(url("prompts_prompt_delete_version"), {"name": "child", "version": 1}, follow=True)
    assert "tutor/system v1 depends on child production" in response.content.decode()
    assert as_editor.post(url("prompts_prompt_delete_version"), {"name": "chat", "version": 1}).status_code == 302
    assert not Prompt.objects.filter(name="chat").exists()


def test_writes_are_post_only_and_need_the_change_permission(client, world, staff_without_prompt_perms, as_editor):
    assert as_editor.get(url("prompts_prompt_labels")).status_code == 403
    client.force_login(staff_without_prompt_perms)
    response = client.post(
        url("prompts_prompt_labels"), {"name": "child", "version": 2, "label": "production", "action": "add"}
    )
    assert response.status_code == 403
    assert client.post(url("prompts_prompt_delete_version"), {"name": "chat", "version": 1}).status_code == 403
    assert Prompt.objects.filter(name="chat").exists()


def test_playground_compiles_the_resolved_prompt(as_editor, world):
    response = as_editor.post(url("prompts_prompt_playground", name="tutor/system", version=1), {"var__name": "Ada"})
    assert response.status_code == 200
    assert re.search(r'id="compiled">Rules: Be kind, Ada.</pre>', response.content.decode())
    chat = as_editor.post(
        url("prompts_prompt_playground", name="chat", version=1),
        {"var__course": "Algebra", "ph__history": '[{"role": "user", "content": "Hi"}]'},
    ).content.decode()
    assert "Course Algebra" in chat and "&quot;Hi&quot;" in chat


def test_playground_strict_mode_and_bad_placeholder(as_editor, world):
    strict = as_editor.post(url("prompts_prompt_playground", name="tutor/system", version=1), {"strict": "on"})
    assert strict.status_code == 400 and MISSING_VARIABLES.format(names="name") in strict.content.decode()
    bad = as_editor.post(url("prompts_prompt_playground", name="chat", version=1), {"ph__history": "not json"})
    assert bad.status_code == 400 and "Give a JSON list of messages" in bad.content.decode()


def test_unknown_versions_are_404(as_editor, world):
    assert as_editor.get(url("prompts_prompt_version", name="child", version=99)).status_code == 404
    assert as_editor.get(url("prompts_prompt_name", name="nobody")).status_code == 404


# --- API keys and protected labels ---


def test_api_key_secret_is_shown_once_and_stored_hashed(as_admin):
    response = as_admin.post(
        reverse("admin:prompts_promptapikey_add"), {"name": "deploy", "can_change_protected_labels": "on"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    secret = re.search(r"LANGFUSE_SECRET_KEY=(sk-lf-[A-Za-z0-9_-]+)", html).group(1)
    key = PromptApiKey.objects.get(name="deploy")
    assert f"LANGFUSE_PUBLIC_KEY={key.public_key}" in html and key.can_change_protected_labels
    assert key.secret_hash == s.hash_secret(secret)
    change_page = as_admin.get(reverse("admin:prompts_promptapikey_change", args=[key.pk])).content.decode()
    assert secret not in change_page and key.secret_hint in change_page


def test_api_key_form_errors_and_refusals(client, as_admin, editor):
    response = as_admin.post(reverse("admin:prompts_promptapikey_add"), {"name": ""})
    assert response.status_code == 400 and not PromptApiKey.objects.exists()
    client.force_login(editor)
    assert client.get(reverse("admin:prompts_promptapikey_add")).status_code == 403


def test_deactivating_a_key_goes_through_the_service(as_admin, api_key):
    key, _ = api_key
    response = as_admin.post(
        reverse("admin:prompts_promptapikey_change", args=[key.pk]),
        {"name": "renamed", "can_change_protected_labels": ""},
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.name, key.is_active) == ("renamed", False)


def test_protected_labels_are_managed_by_holders_of_the_permission(client, as_admin, editor):
    assert as_admin.post(reverse("admin:prompts_protectedlabel_add"), {"label": "production"}).status_code == 302
    assert ProtectedLabel.objects.filter(label="production").exists()
    bad = as_admin.post(reverse("admin:prompts_protectedlabel_add"), {"label": "Not Valid"})
    assert bad.status_code == 200 and ProtectedLabel.objects.count() == 1
    client.force_login(editor)
    assert client.post(reverse("admin:prompts_protectedlabel_add"), {"label": "staging"}).status_code == 403
    # A prompt editor without the permission still sees which labels are protected.
    listing = client.get(reverse("admin:prompts_protectedlabel_changelist"))
    assert listing.status_code == 200 and "production" in listing.content.decode()


def test_the_admin_index_lists_the_prompt_models(as_admin):
    html = as_admin.get(reverse("admin:index")).content.decode()
    for model in ("prompt", "promptapikey", "protectedlabel", "promptdependency", "promptlabel"):
        assert f"/admin/prompts/{model}/" in html
    assert as_admin.get(reverse("admin:prompts_promptdependency_changelist")).status_code == 200
    assert as_admin.get(reverse("admin:prompts_promptlabel_changelist")).status_code == 200
    assert as_admin.get(reverse("admin:prompts_promptapikey_changelist")).status_code == 200
    assert as_admin.get(reverse("admin:prompts_protectedlabel_changelist")).status_code == 200
