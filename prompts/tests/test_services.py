"""The rules of versions, labels, tags, deletion and protected labels, through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from prompts import services as s
from prompts.exceptions import PromptNotFoundError
from prompts.models import Prompt, PromptDependency, PromptLabel
from prompts.tests.factories import ProtectedLabelFactory, create

pytestmark = pytest.mark.django_db


def labels_of(name):
    return {p.version: p.labels for p in Prompt.objects.filter(name=name)}


# --- Versions ---


def test_versions_are_numbered_per_name_and_latest_follows_the_newest():
    assert create("a").version == 1
    assert create("b").version == 1
    assert create("a").version == 2
    assert labels_of("a") == {1: [], 2: ["latest"]}


def test_created_by_records_the_actor(editor, api_key):
    assert create("a").created_by == "system"
    assert s.create_prompt_version(actor=editor, name="a", prompt="x").created_by == str(editor.pk)
    assert s.create_prompt_version(actor=api_key[0], name="a", prompt="x").created_by == "API"


def test_type_cannot_change_across_versions():
    create("a")
    with pytest.raises(ValidationError) as error:
        create("a", prompt=[{"role": "system", "content": "x"}], type="chat")
    assert error.value.messages == [s.TYPE_CHANGED]


def test_creating_moves_requested_labels_off_older_versions():
    create("a", labels=["production", "staging", "development"])
    create("a", labels=["production", "staging"])
    assert labels_of("a") == {1: ["development"], 2: ["production", "staging", "latest"]}


def test_latest_in_the_request_is_deduplicated():
    assert create("a", labels=["latest", "production", "production"]).labels == ["production", "latest"]


def test_tags_are_shared_by_every_version():
    create("a", tags=["one"])
    assert create("a").tags == ["one"]  # None keeps the tags
    create("a", tags=["two", "two"])
    assert {p.version: p.tags for p in Prompt.objects.filter(name="a")} == {1: ["two"], 2: ["two"], 3: ["two"]}
    create("a", tags=[])
    assert list(Prompt.objects.filter(name="a").values_list("tags", flat=True)) == [[], [], [], []]


def test_set_prompt_tags_sets_every_version_and_404s_for_an_unknown_name():
    create("a")
    create("a")
    assert s.set_prompt_tags(actor=None, name="a", tags=["x", "y"]) == ["x", "y"]
    assert all(p.tags == ["x", "y"] for p in Prompt.objects.filter(name="a"))
    with pytest.raises(PromptNotFoundError):
        s.set_prompt_tags(actor=None, name="nope", tags=["x"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", s.NAME_EMPTY),
        ("   ", s.NAME_EMPTY),
        ("a<b>c", s.NAME_HTML),
        ("a|b", s.NAME_PIPE),
        ("/a", s.NAME_SLASHES),
        ("a/", s.NAME_SLASHES),
        ("a//b", s.NAME_SLASHES),
        ("new", s.NAME_RESERVED),
        (" metrics ", s.NAME_RESERVED),
        ("prompt-detail", s.NAME_RESERVED),
        ("team/versions/3", s.NAME_VERSIONS_SUFFIX),
        ("x" * 256, s.NAME_TOO_LONG),
    ],
)
def test_bad_names_are_refused(name, message):
    with pytest.raises(ValidationError) as error:
        create(name)
    assert error.value.messages == [message]
    assert not Prompt.objects.exists()


@pytest.mark.parametrize("name", ["metrics/foo", "foo/new", "Tutor System.v2 (beta)?!+=@#;", "a/b/c", "versions"])
def test_valid_names_are_accepted_and_trimmed(name):
    assert create(f"  {name} ").name == name


@pytest.mark.parametrize("label", ["Production", "has space", "a/b", "x" * 37, ""])
def test_bad_labels_are_refused_everywhere(label):
    with pytest.raises(ValidationError) as error:
        create("a", labels=[label])
    assert error.value.messages == [s.LABEL_INVALID.format(label=label)]
    create("a")
    with pytest.raises(ValidationError):
        s.update_prompt_labels(actor=None, name="a", version=1, add=[label])


@pytest.mark.parametrize("label", ["1", "a.b-c_d", "x" * 36])
def test_good_labels(label):
    assert label in create("a", labels=[label]).labels


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello", s.CHAT_CONTENT_INVALID),
        ([{"role": "system"}], s.CHAT_MESSAGE_INVALID.format(index=1)),
        ([{"role": "user", "content": [{"type": "text", "text": "x"}]}], s.CHAT_MESSAGE_INVALID.format(index=1)),
        ([{"type": "placeholder", "name": "1history"}], s.PLACEHOLDER_NAME_INVALID.format(name="1history")),
        (
            [{"role": "system", "content": "{{history}}"}, {"type": "placeholder", "name": "history"}],
            s.VARIABLES_AND_PLACEHOLDERS_CLASH.format(names="history"),
        ),
    ],
)
def test_chat_content_rules(content, message):
    with pytest.raises(ValidationError) as error:
        create("chat", prompt=content, type="chat")
    assert error.value.messages == [message]


def test_text_content_must_be_a_string():
    with pytest.raises(ValidationError) as error:
        create("a", prompt=[{"role": "user", "content": "x"}])
    assert error.value.messages == [s.TEXT_CONTENT_INVALID]


def test_chat_messages_keep_only_role_and_content_and_placeholders():
    created = create(
        "chat",
        type="chat",
        prompt=[
            {"role": "tutor", "content": "Hi {{name}}", "type": "chatmessage", "extra": 1},
            {"type": "placeholder", "name": "history"},
        ],
    )
    assert created.prompt == [{"role": "tutor", "content": "Hi {{name}}"}, {"type": "placeholder", "name": "history"}]


def test_commit_message_is_at_most_500_characters():
    assert create("a", commit_message="x" * 500).commit_message == "x" * 500
    with pytest.raises(ValidationError) as error:
        create("a", commit_message="x" * 501)
    assert error.value.messages == [s.COMMIT_MESSAGE_TOO_LONG]


def test_unknown_type_is_refused():
    with pytest.raises(ValidationError) as error:
        create("a", type="audio")
    assert error.value.messages == [s.TYPE_INVALID]


# --- Labels ---


def test_adding_a_label_moves_it_and_is_additive():
    create("a", labels=["production"])
    create("a")
    moved = s.update_prompt_labels(actor=None, name="a", version=1, add=["staging"])
    assert moved.labels == ["production", "staging"]
    s.update_prompt_labels(actor=None, name="a", version=2, add=["production"])
    assert labels_of("a") == {1: ["staging"], 2: ["latest", "production"]}


def test_latest_can_be_neither_added_nor_removed():
    create("a")
    create("a")
    for change in ({"add": ["latest"]}, {"remove": ["latest"]}):
        with pytest.raises(ValidationError) as error:
            s.update_prompt_labels(actor=None, name="a", version=1, **change)
        assert error.value.messages == [s.LATEST_IS_RESERVED]


def test_removing_a_label():
    create("a", labels=["production", "staging"])
    assert s.update_prompt_labels(actor=None, name="a", version=1, remove=["staging", "absent"]).labels == [
        "production",
        "latest",
    ]


def test_label_change_on_a_missing_version_is_not_found():
    create("a")
    with pytest.raises(PromptNotFoundError) as error:
        s.update_prompt_labels(actor=None, name="a", version=9, add=["x"])
    assert error.value.message == s.VERSION_NOT_FOUND.format(name="a", version=9)


def test_set_prompt_labels_replaces_the_set_but_keeps_latest():
    create("a", labels=["production", "staging"])
    assert s.set_prompt_labels(actor=None, name="a", version=1, labels=["dev"]).labels == ["latest", "dev"]


def test_a_label_another_prompt_depends_on_cannot_be_removed_but_can_move():
    create("child", labels=["production"])
    create("child")
    create("parent", prompt="Use @@@langfusePrompt:name=child|label=production@@@")
    with pytest.raises(ValidationError) as error:
        s.update_prompt_labels(actor=None, name="child", version=1, remove=["production"])
    assert error.value.messages == [
        s.DEPENDANTS_BLOCK_LABEL_REMOVAL.format(dependants="parent v1 depends on child production")
    ]
    s.update_prompt_labels(actor=None, name="child", version=2, add=["production"])
    assert labels_of("child") == {1: [], 2: ["latest", "production"]}


# --- Protected labels ---


@pytest.fixture
def protected_production(db):
    return ProtectedLabelFactory(label="production")


def test_without_the_permission_protected_labels_cannot_be_created_moved_removed_or_deleted(
    editor, protected_production
):
    create("a", labels=["production"])
    with pytest.raises(PermissionDenied):
        s.create_prompt_version(actor=editor, name="a", prompt="x", labels=["production"])
    v2 = s.create_prompt_version(actor=editor, name="a", prompt="x", labels=["staging"])  # unprotected: fine
    with pytest.raises(PermissionDenied):
        s.update_prompt_labels(actor=editor, name="a", version=2, add=["production"])
    with pytest.raises(PermissionDenied):
        s.update_prompt_labels(actor=editor, name="a", version=1, remove=["production"])
    with pytest.raises(PermissionDenied) as error:
        s.delete_prompt(actor=editor, name="a", version=1)
    assert str(error.value) == s.PROTECTED_DELETE_DENIED.format(labels="'production'")
    s.update_prompt_labels(actor=editor, name="a", version=1, add=["staging"])  # unprotected label moves
    assert labels_of("a") == {1: ["production", "staging"], 2: ["latest"]}
    assert v2.labels == ["staging", "latest"]


def test_with_the_permission_protected_labels_move(release_manager, platform_admin, protected_production):
    s.create_prompt_version(actor=release_manager, name="a", prompt="x", labels=["production"])
    s.create_prompt_version(actor=platform_admin, name="a", prompt="y")
    s.update_prompt_labels(actor=platform_admin, name="a", version=2, add=["production"])
    assert s.delete_prompt(actor=release_manager, name="a", version=2) == 1


def test_api_keys_follow_their_flag(api_key, privileged_api_key, protected_production):
    with pytest.raises(PermissionDenied):
        s.create_prompt_version(actor=api_key[0], name="a", prompt="x", labels=["production"])
    s.create_prompt_version(actor=privileged_api_key[0], name="a", prompt="x", labels=["production"])


def test_users_without_prompt_permissions_cannot_write(student, staff_without_prompt_perms):
    create("a")
    for actor in (student, staff_without_prompt_perms):
        with pytest.raises(PermissionDenied):
            s.create_prompt_version(actor=actor, name="a", prompt="x")
        with pytest.raises(PermissionDenied):
            s.update_prompt_labels(actor=actor, name="a", version=1, add=["x"])
        with pytest.raises(PermissionDenied):
            s.set_prompt_tags(actor=actor, name="a", tags=["x"])
        with pytest.raises(PermissionDenied):
            s.delete_prompt(actor=actor, name="a")
    assert Prompt.objects.count() == 1


def test_only_holders_of_the_permission_manage_protected_labels(editor, release_manager):
    with pytest.raises(PermissionDenied):
        s.protect_label(actor=editor, label="production")
    assert s.protect_label(actor=release_manager, label="production").label == "production"
    with pytest.raises(PermissionDenied):
        s.unprotect_label(actor=editor, label="production")
    s.unprotect_label(actor=release_manager, label="production")


# --- Deletion ---


def test_deleting_the_latest_version_moves_latest_to_the_highest_remaining():
    for _ in range(3):
        create("a")
    s.update_prompt_labels(actor=None, name="a", version=1, add=["production"])
    assert s.delete_prompt(actor=None, name="a", version=3) == 1
    assert labels_of("a") == {1: ["production"], 2: ["latest"]}
    assert s.delete_prompt(actor=None, name="a", label="latest") == 1
    assert labels_of("a") == {1: ["production", "latest"]}


def test_deleting_everything_and_not_found():
    create("a")
    create("a")
    assert s.delete_prompt(actor=None, name="a") == 2
    assert not PromptLabel.objects.exists()
    with pytest.raises(PromptNotFoundError) as error:
        s.delete_prompt(actor=None, name="a")
    assert error.value.message == s.PROMPT_NOT_FOUND


def test_delete_with_version_and_label_is_refused():
    create("a")
    with pytest.raises(ValidationError) as error:
        s.delete_prompt(actor=None, name="a", version=1, label="latest")
    assert error.value.messages == [s.VERSION_AND_LABEL]


def test_deleting_what_another_prompt_depends_on_is_refused_naming_the_dependants():
    create("child", labels=["production"])
    create("child")
    create("p1", prompt="@@@langfusePrompt:name=child|version=1@@@")
    create("p2", prompt="@@@langfusePrompt:name=child|label=production@@@")
    with pytest.raises(ValidationError) as error:
        s.delete_prompt(actor=None, name="child", version=1)
    assert error.value.messages == [
        s.DEPENDANTS_BLOCK_DELETE.format(dependants="p1 v1 depends on child v1; p2 v1 depends on child production")
    ]
    # A version nobody references can go; a label-linked latest moves instead of breaking.
    create("p3", prompt="@@@langfusePrompt:name=child|label=latest@@@")
    assert s.delete_prompt(actor=None, name="child", version=2) == 1
    assert labels_of("child") == {1: ["production", "latest"]}


def test_deleting_a_parent_removes_its_dependency_rows():
    create("child")
    create("parent", prompt="@@@langfusePrompt:name=child|version=1@@@")
    s.delete_prompt(actor=None, name="parent")
    assert not PromptDependency.objects.exists()


# --- API keys ---


def test_api_key_secret_is_stored_hashed_and_authenticates(api_key):
    key, secret = api_key
    assert secret.startswith("sk-lf-") and key.public_key.startswith("pk-lf-")
    assert secret not in key.secret_hash and key.secret_hash == s.hash_secret(secret)
    assert s.authenticate_api_key(public_key=key.public_key, secret_key=secret) == key
    assert s.authenticate_api_key(public_key=key.public_key, secret_key=secret + "x") is None
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_inactive_keys_do_not_authenticate(api_key, platform_admin):
    key, secret = api_key
    s.update_api_key(actor=platform_admin, key=key, name=key.name, is_active=False, can_change_protected_labels=False)
    assert s.authenticate_api_key(public_key=key.public_key, secret_key=secret) is None


def test_only_holders_of_the_permission_may_grant_the_protected_flag(editor):
    from prompts.tests.factories import make_user

    key_manager = make_user("keys@example.edu", staff=True, perms=["add_promptapikey", "change_promptapikey"])
    with pytest.raises(PermissionDenied):
        s.create_api_key(actor=editor, name="x")
    with pytest.raises(PermissionDenied) as error:
        s.create_api_key(actor=key_manager, name="x", can_change_protected_labels=True)
    assert str(error.value) == s.API_KEY_FLAG_DENIED
    key, _ = s.create_api_key(actor=key_manager, name="x")
    with pytest.raises(ValidationError):
        s.create_api_key(actor=key_manager, name=" ")
    assert not key.can_change_protected_labels
