"""The "by university" filter of the user list in the staff console: it offers only the universities the
requesting admin may see, even for people who also hold a role at another university."""

from __future__ import annotations

import re

import pytest
from django.forms.models import model_to_dict

from accounts import services
from accounts.admin import UserChangeAdminForm
from accounts.models import UniversityRole
from accounts.tests.factories import UserFactory
from conftest import WORLD_PASSWORD

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


def _login(client, user):
    assert client.login(email=user.email, password=WORLD_PASSWORD)


@pytest.fixture
def student_of_both(world):
    """A person teaching in A's department and studying at B: the user lists of A's admins show them."""
    person = UserFactory(email="both@example.edu", full_name="Both Places")
    services.grant_role(actor=None, user=person, university=world.a.university, role=UniversityRole.INSTRUCTOR,
                        department=world.a.department)
    services.grant_role(actor=None, user=person, university=world.b.university, role=UniversityRole.STUDENT)
    return person


def _filter_choices(html: str) -> list[str]:
    """The links of the "By university" filter in the sidebar."""
    section = html.split("By university", 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


@pytest.mark.parametrize("role", ["university_admin", "department_admin"])
def test_a_tenant_admin_sees_only_their_university_in_the_filter(client, world, student_of_both, role,
                                                                 django_assert_max_num_queries):
    _login(client, getattr(world.a, role))
    with django_assert_max_num_queries(12):
        response = client.get(USERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert student_of_both.email in html  # the shared person is listed …
    assert _filter_choices(html) == ["All", world.a.university.name]
    assert world.b.university.name not in html  # … but B's name shows nowhere on the page


def test_the_filter_narrows_the_list_and_a_foreign_university_id_shows_nobody(client, world, student_of_both):
    _login(client, world.a.university_admin)
    response = client.get(USERS, {"university": world.a.university.pk})
    assert response.status_code == 200
    listed = {user.email for user in response.context["cl"].result_list}
    assert {student_of_both.email, world.a.student.email} <= listed
    assert world.b.student.email not in listed
    response = client.get(USERS, {"university": world.b.university.pk})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert world.b.university.name not in response.content.decode()


def test_a_platform_admin_sees_every_university_in_the_filter(client, world, student_of_both):
    _login(client, world.platform_admin)
    html = client.get(USERS).content.decode()
    choices = _filter_choices(html)
    assert world.a.university.name in choices and world.b.university.name in choices
    response = client.get(USERS, {"university": world.b.university.pk})
    listed = {user.email for user in response.context["cl"].result_list}
    assert student_of_both.email in listed and world.b.student.email in listed
    assert world.a.student.email not in listed


# --- the account form of the console checks the language and time zone like the profile page --------


def _account_form_data(user, **changes):
    data = {k: v for k, v in model_to_dict(user).items() if v is not None and k != "password"}
    return {**data, **changes}


@pytest.mark.parametrize(("field", "value", "message"), [("locale", "klingon", services.UNKNOWN_LOCALE),
                                                         ("time_zone", "Mars/Olympus", services.UNKNOWN_TIME_ZONE)])
def test_the_console_account_form_refuses_an_unknown_language_or_time_zone(world, field, value, message):
    user = world.a.student
    form = UserChangeAdminForm(_account_form_data(user, **{field: value}), instance=user)
    assert form.errors[field] == [message]
    assert UserChangeAdminForm(_account_form_data(user, locale="de"), instance=user).is_valid()
