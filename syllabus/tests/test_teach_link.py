"""The "Teach" link of the navbar: shown exactly to the people the authoring list has courses for."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import UniversityRole
from accounts.services import grant_role
from accounts.tests.factories import UserFactory
from catalog.tests.factories import DepartmentFactory, UniversityFactory
from syllabus.permissions import anything_editable_by, courses_viewable_by

pytestmark = pytest.mark.django_db

TEACH_LINK = f'href="{reverse("syllabus:course-list")}">Teach</a>'


def _people(world):
    a = world.a
    return {
        "student": (a.student, False),
        "instructor": (a.instructor, True),
        "ta": (a.ta, True),
        "department_admin": (a.department_admin, True),
        "university_admin": (a.university_admin, True),
        "platform_admin": (world.platform_admin, True),
        "superuser": (world.superuser, True),
    }


@pytest.mark.parametrize(
    "who", ["student", "instructor", "ta", "department_admin", "university_admin", "platform_admin", "superuser"]
)
def test_teach_link_follows_the_authoring_policy(client, world, who):
    user, expected = _people(world)[who]
    client.force_login(user)
    page = client.get(reverse("catalog:course-list")).content.decode()
    assert (TEACH_LINK in page) is expected
    assert anything_editable_by(user) is courses_viewable_by(user).exists() is expected


def test_anonymous_visitors_have_no_teach_link(client, world):
    assert TEACH_LINK not in client.get(reverse("catalog:course-list")).content.decode()


def test_admins_of_a_university_or_department_without_courses_have_no_teach_link(client, world):
    empty_university = UniversityFactory(short_code="EMPTY")
    empty_department = DepartmentFactory(university=world.a.university, code="EMPTYDEPT")
    university_admin = UserFactory(email="admin@empty.example.edu")
    department_admin = UserFactory(email="dept-admin@a.example.edu")
    grant_role(actor=None, user=university_admin, university=empty_university, role=UniversityRole.UNIVERSITY_ADMIN)
    grant_role(
        actor=None,
        user=department_admin,
        university=world.a.university,
        role=UniversityRole.DEPARTMENT_ADMIN,
        department=empty_department,
    )
    for user in (university_admin, department_admin):
        user.refresh_from_db()
        assert courses_viewable_by(user).exists() is False
        assert anything_editable_by(user) is False
        client.force_login(user)
        assert TEACH_LINK not in client.get(reverse("catalog:course-list")).content.decode()


def test_an_inactive_instructor_has_no_teach_check(world):
    world.a.instructor.is_active = False
    assert anything_editable_by(world.a.instructor) is False


def test_the_check_is_one_query_that_starts_from_the_user(world):
    with CaptureQueriesContext(connection) as queries:
        assert anything_editable_by(world.a.student) is False
    assert len(queries) == 1
    sql = queries.captured_queries[0]["sql"]
    # Probes start from the user's own rows (by index), never from a scan of the catalogue.
    student_id = world.a.student.pk
    assert len(re.findall(rf'\."?user_id"? = {student_id}\b', sql)) == 2, sql  # roles and teaching assignments, by user
