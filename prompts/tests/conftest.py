"""Fixtures of the prompts tests: users with and without prompt permissions, API keys, a clean cache."""

import pytest
from django.core.cache import cache

from prompts import services
from prompts.tests.factories import EDITOR_PERMISSIONS, basic_auth, make_user


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_prompt_store(request):
    """The prompts tests describe the store from empty; other apps' data migrations seed prompts of their own
    (the tutor's ``tutor/default``), which these tests do not count."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames
    if not (marker or transactional or "db" in request.fixturenames):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from prompts.models import Prompt, PromptLabel

    PromptLabel.objects.all().delete()
    Prompt.objects.all().delete()


@pytest.fixture
def platform_admin(db):
    """A platform admin (superuser): every permission, protected labels included."""
    return make_user("root@example.edu", superuser=True)


@pytest.fixture
def editor(db):
    """Staff who may edit prompts but not protected labels."""
    return make_user("editor@example.edu", staff=True, perms=EDITOR_PERMISSIONS)


@pytest.fixture
def release_manager(db):
    """Staff who may edit prompts and protected labels."""
    return make_user("release@example.edu", staff=True, perms=[*EDITOR_PERMISSIONS, "change_protected_labels"])


@pytest.fixture
def student(db):
    return make_user("student@example.edu")


@pytest.fixture
def staff_without_prompt_perms(db):
    return make_user("clerk@example.edu", staff=True)


@pytest.fixture
def api_key(db):
    """An ordinary key (cannot touch protected labels): (key, secret)."""
    return services.create_api_key(actor=None, name="ci")


@pytest.fixture
def privileged_api_key(db):
    return services.create_api_key(actor=None, name="release", can_change_protected_labels=True)


@pytest.fixture
def api(client, privileged_api_key):
    """A test client speaking to the public API with a privileged key."""
    key, secret = privileged_api_key
    client.defaults["HTTP_AUTHORIZATION"] = basic_auth(key.public_key, secret)
    return client


@pytest.fixture
def as_admin(client, platform_admin):
    """The test client signed in as the platform admin."""
    client.force_login(platform_admin)
    return client


@pytest.fixture
def as_editor(client, editor):
    """The test client signed in as a prompt editor."""
    client.force_login(editor)
    return client
