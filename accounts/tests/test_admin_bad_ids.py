"""Hand-written ids the staff console used to pass to the ORM unparsed (a 500): a change-list action on
``_selected_action=abc``, and an autocomplete field posted (or pre-filled with ``?field=``) as ``abc``.
Now a message or a form error, and nothing written."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from catalog.models import Department
from lms.admin_input import BAD_SELECTION

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(client, world):
    client.force_login(world.platform_admin)
    return client


@pytest.mark.parametrize("selected", ["abc", "1e400", "nan"])
def test_an_action_on_ids_that_are_not_keys_is_a_message_and_does_nothing(platform, world, selected):
    url = reverse("admin:catalog_department_changelist")
    response = platform.post(
        url, {"action": "delete_selected", "_selected_action": [selected, str(world.a.department.pk)], "post": "yes"}
    )
    assert response.status_code == 302
    assert BAD_SELECTION in [m.message for m in get_messages(response.wsgi_request)]
    assert Department.objects.filter(pk=world.a.department.pk).exists()


def test_an_action_on_real_ids_still_runs(platform, world):
    response = platform.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_accounts", "_selected_action": [str(world.a.student.pk)]},
    )
    assert response.status_code == 302
    world.a.student.refresh_from_db()
    assert not world.a.student.is_active


@pytest.mark.parametrize("value", ["abc", "1e400", "nan", "x" * 10_000])
def test_an_autocomplete_field_posted_as_garbage_is_a_field_error(platform, world, value):
    count = Department.objects.count()
    response = platform.post(
        reverse("admin:catalog_department_add"), {"university": value, "name": "Physics", "code": "PHYS"}
    )
    assert response.status_code == 200
    assert "university" in response.context["adminform"].form.errors
    assert Department.objects.count() == count


def test_an_autocomplete_field_prefilled_with_garbage_renders_empty(client, world):
    client.force_login(world.a.university_admin)
    url = reverse("admin:catalog_department_add")
    response = client.get(url, {"university": "abc"})
    assert response.status_code == 200
    assert _university_options(response) == []  # rendered empty instead of querying "abc"
    # A real key still pre-fills the field.
    response = client.get(url, {"university": str(world.a.university.pk)})
    assert _university_options(response) == [str(world.a.university.pk)]


def _university_options(response) -> list[str]:
    select = re.search(r'<select[^>]*name="university".*?</select>', response.content.decode(), re.S)
    assert select, "the add page has no university field"
    return re.findall(r'<option value="([^"]*)"', select.group(0))
