"""The prompts policy answers the same for the admin, the API and the services, on the two-tenant world."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from prompts import permissions as p
from prompts import services
from prompts.tests.factories import ProtectedLabelFactory, create

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_in_group(world):
    user = world.b.department_admin
    user.groups.add(Group.objects.get(name=p.PROMPT_EDITORS_GROUP))
    return type(user).objects.get(pk=user.pk)


def answers(actor):
    return {
        "view": p.can_view_prompts(actor),
        "add": p.can_add_prompts(actor),
        "change": p.can_change_prompts(actor),
        "delete": p.can_delete_prompts(actor),
        "protected": p.can_change_protected_labels(actor),
        "keys": p.can_manage_api_keys(actor, "add"),
        "console": p.can_use_prompt_admin(actor),
    }


ALL = dict.fromkeys(["view", "add", "change", "delete", "protected", "keys", "console"], True)
NOTHING = dict.fromkeys(ALL, False)


def test_platform_admins_by_role_row_or_superuser_may_do_everything(world):
    assert not world.platform_admin.is_superuser
    assert answers(world.platform_admin) == ALL
    assert answers(world.superuser) == ALL
    assert answers(None) == ALL  # trusted code


def test_prompt_editors_edit_but_do_not_touch_protected_labels_or_keys(editor_in_group):
    assert answers(editor_in_group) == ALL | {"protected": False, "keys": False}


@pytest.mark.parametrize("role", ["student", "instructor", "ta", "department_admin", "university_admin"])
def test_tenant_roles_have_no_prompt_rights(world, role):
    for tenant in world.tenants:
        assert answers(getattr(tenant, role)) == NOTHING


def test_an_inactive_platform_admin_may_do_nothing(world):
    world.platform_admin.is_active = False
    assert answers(world.platform_admin) == NOTHING


def test_api_keys_act_while_active_and_follow_their_flag(api_key, privileged_api_key):
    key, _ = api_key
    privileged, _ = privileged_api_key
    assert answers(key) == ALL | {"protected": False, "keys": False, "console": False}
    assert answers(privileged) == ALL | {"keys": False, "console": False}
    privileged.is_active = False
    assert answers(privileged) == NOTHING


def test_the_role_row_is_read_once_per_user_object(world, django_assert_num_queries):
    user = type(world.platform_admin).objects.get(pk=world.platform_admin.pk)
    with django_assert_num_queries(1):
        assert answers(user) == ALL


def test_the_services_follow_the_policy(world, editor_in_group):
    create("child", labels=["production"])
    create("child")
    ProtectedLabelFactory(label="production")
    # A platform admin by role row holds no Django permission, and the services let them move it anyway.
    services.update_prompt_labels(actor=world.platform_admin, name="child", version=2, add=["production"])
    with pytest.raises(PermissionDenied):
        services.update_prompt_labels(actor=editor_in_group, name="child", version=1, add=["production"])
    services.update_prompt_labels(actor=editor_in_group, name="child", version=1, add=["staging"])
    with pytest.raises(PermissionDenied):
        services.create_prompt_version(actor=world.a.university_admin, name="child", prompt="x")
    key, _ = services.create_api_key(actor=world.platform_admin, name="deploy", can_change_protected_labels=True)
    assert key.can_change_protected_labels
    with pytest.raises(PermissionDenied):
        services.create_api_key(actor=editor_in_group, name="nope")
