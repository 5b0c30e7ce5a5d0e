"""The prompt console follows ``prompts.permissions`` (issue 4): who sees and edits what, on the two-tenant world.

- A platform admin by role row (not ``is_superuser``) may do everything, as a superuser may.
- A member of the "Prompt editors" group creates versions and moves unprotected labels, not protected ones,
  and does not manage API keys or the protected-label list.
- A university admin without the group has no prompt console at all.
"""


import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from prompts import permissions
from prompts import services as s
from prompts.models import Prompt, PromptApiKey, ProtectedLabel
from prompts.tests.factories import ProtectedLabelFactory, create
from prompts.tests.factories import admin_url as url

pytestmark = pytest.mark.django_db


@pytest.fixture
def prompts_world(world):
    create("child", prompt="Be kind.", labels=["production"])
    create("child", prompt="Be brief.", labels=["staging"])
    create("tutor/system", prompt="Rules: @@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    ProtectedLabelFactory(label="production")
    return world


@pytest.fixture
def prompt_editor(prompts_world):
    """University A's admin, made a prompt editor by a platform admin (group membership, no protected labels)."""
    user = prompts_world.a.university_admin
    user.groups.add(Group.objects.get(name=permissions.PROMPT_EDITORS_GROUP))
    return type(user).objects.get(pk=user.pk)  # no stale permission cache


def new_version(name, text, labels=""):
    return {
        "name": name,
        "type": "text",
        "text": text,
        "labels": labels,
        "config": "{}",
        "messages-TOTAL_FORMS": "1",
        "messages-INITIAL_FORMS": "0",
        "messages-0-kind": "message",
    }


PAGES = [
    url("prompts_prompt_changelist"),
    url("prompts_prompt_name", name="child"),
    url("prompts_prompt_version", name="tutor/system", version=1),
    url("prompts_prompt_diff", name="child", a=1, b=2),
    url("prompts_prompt_new"),
    url("prompts_prompt_playground", name="child", version=1),
    url("prompts_protectedlabel_changelist"),
    url("prompts_promptlabel_changelist"),
    url("prompts_promptdependency_changelist"),
]
ADMIN_ONLY_PAGES = [
    url("prompts_promptapikey_changelist"),
    url("prompts_promptapikey_add"),
    url("prompts_protectedlabel_add"),
]


def test_the_editors_group_carries_prompt_permissions_but_not_protected_labels():
    group = Group.objects.get(name=permissions.PROMPT_EDITORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames == set(permissions.PROMPT_EDITOR_CODENAMES)
    assert "change_protected_labels" not in codenames and not any("promptapikey" in c for c in codenames)


# --- A platform admin by role row ---


@pytest.mark.parametrize("page", PAGES + ADMIN_ONLY_PAGES)
def test_a_platform_admin_by_role_row_sees_every_page(client, prompts_world, page):
    admin_user = prompts_world.platform_admin
    assert not admin_user.is_superuser
    client.force_login(admin_user)
    assert client.get(page).status_code == 200


def test_a_platform_admin_by_role_row_does_everything(client, prompts_world):
    client.force_login(prompts_world.platform_admin)
    index = client.get(reverse("admin:index")).content.decode()
    assert "/admin/prompts/prompt/" in index and "/admin/prompts/promptapikey/" in index
    # A protected label moves.
    response = client.post(
        url("prompts_prompt_labels"), {"name": "child", "version": 2, "label": "production", "action": "add"}
    )
    assert response.status_code == 302
    assert "production" in Prompt.objects.get(name="child", version=2).labels
    # Protected labels and API keys (with the protected-labels flag) are managed.
    assert client.post(url("prompts_protectedlabel_add"), {"label": "staging"}).status_code == 302
    assert ProtectedLabel.objects.filter(label="staging").exists()
    created = client.post(url("prompts_promptapikey_add"), {"name": "deploy", "can_change_protected_labels": "on"})
    assert created.status_code == 200 and PromptApiKey.objects.get(name="deploy").can_change_protected_labels
    # A new version carrying a protected label.
    assert client.post(url("prompts_prompt_new"), new_version("child", "v3", "production")).status_code == 302
    assert Prompt.objects.get(name="child", version=3).labels == ["production", "latest"]


# --- A prompt editor (the group) ---


@pytest.mark.parametrize("page", PAGES)
def test_a_prompt_editor_sees_the_prompt_pages(client, prompt_editor, page):
    client.force_login(prompt_editor)
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("page", ADMIN_ONLY_PAGES)
def test_a_prompt_editor_does_not_manage_keys_or_protected_labels(client, prompt_editor, page):
    client.force_login(prompt_editor)
    assert client.get(page).status_code == 403


def test_a_prompt_editor_creates_versions_and_moves_unprotected_labels(client, prompt_editor):
    client.force_login(prompt_editor)
    assert client.post(url("prompts_prompt_new"), new_version("child", "Be clear.", "qa")).status_code == 302
    created = Prompt.objects.get(name="child", version=3)
    assert created.labels == ["qa", "latest"] and created.created_by == str(prompt_editor.pk)
    response = client.post(
        url("prompts_prompt_labels"), {"name": "child", "version": 1, "label": "staging", "action": "add"}
    )
    assert response.status_code == 302
    assert "staging" in Prompt.objects.get(name="child", version=1).labels


def test_a_prompt_editor_cannot_move_or_create_a_protected_label(client, prompt_editor):
    client.force_login(prompt_editor)
    moved = client.post(
        url("prompts_prompt_labels"),
        {"name": "child", "version": 2, "label": "production", "action": "add"},
        follow=True,
    )
    assert s.PROTECTED_LABELS_DENIED.format(labels="'production'") in moved.content.decode().replace("&#x27;", "'")
    assert "production" in Prompt.objects.get(name="child", version=1).labels
    created = client.post(url("prompts_prompt_new"), new_version("child", "sneaky", "production"))
    assert created.status_code == 400 and not Prompt.objects.filter(name="child", version=3).exists()
    assert client.post(url("prompts_protectedlabel_add"), {"label": "qa"}).status_code == 403


# --- A university admin without the group ---


@pytest.mark.parametrize("page", PAGES + ADMIN_ONLY_PAGES)
def test_a_university_admin_without_the_group_is_refused(client, prompts_world, page):
    user = prompts_world.b.university_admin
    assert user.is_staff  # they use the console for their university, just not for prompts
    client.force_login(user)
    assert client.get(page).status_code == 403


def test_a_university_admin_without_the_group_cannot_write_or_see_the_section(client, prompts_world):
    client.force_login(prompts_world.b.university_admin)
    assert "/admin/prompts/" not in client.get(reverse("admin:index")).content.decode()
    response = client.post(
        url("prompts_prompt_labels"), {"name": "child", "version": 1, "label": "staging", "action": "add"}
    )
    assert response.status_code == 403
    assert client.post(url("prompts_prompt_new"), new_version("child", "x")).status_code == 403
    assert Prompt.objects.filter(name="child").count() == 2
    assert "staging" not in Prompt.objects.get(name="child", version=1).labels


# --- The API key form reports a refusal as a form error ---


def test_granting_the_protected_flag_without_the_right_is_a_form_error(client, prompts_world, api_key):
    user = prompts_world.a.university_admin
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_promptapikey", "change_promptapikey"]))
    user = type(user).objects.get(pk=user.pk)
    key, _ = api_key
    client.force_login(user)
    response = client.post(
        reverse("admin:prompts_promptapikey_change", args=[key.pk]),
        {"name": key.name, "is_active": "on", "can_change_protected_labels": "on"},
    )
    assert response.status_code == 200
    assert s.API_KEY_FLAG_DENIED in response.content.decode().replace("&#x27;", "'")
    key.refresh_from_db()
    assert not key.can_change_protected_labels
