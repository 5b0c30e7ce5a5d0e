"""The staff scope and the role service: one query per request, is_staff follows the roles, the actor is re-checked."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import UniversityRole, User, UserUniversityRole
from accounts.permissions import get_staff_scope, has_admin_access, users_visible_to
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_scope_is_one_query_and_cached_on_the_user(world, django_assert_num_queries):
    admin = User.objects.get(pk=world.a.university_admin.pk)
    with django_assert_num_queries(1):
        scope = get_staff_scope(admin)
        assert get_staff_scope(admin) is scope
    assert scope.university_ids == {world.a.university.pk} and not scope.platform
    dept = get_staff_scope(world.a.department_admin)
    assert dept.department_ids == {world.a.department.pk} and not dept.university_ids
    assert get_staff_scope(world.platform_admin).platform
    assert get_staff_scope(world.superuser).platform


@pytest.mark.parametrize("who", ["student", "instructor", "ta"])
def test_learners_and_teachers_have_no_admin_access(world, who):
    user = getattr(world.a, who)
    assert not user.is_staff and not has_admin_access(user)


def test_grant_and_revoke_keep_is_staff(world):
    person = UserFactory()
    # A member of A already (a university admin attaches no outside account: test_import_attach.py).
    services.grant_role(actor=None, user=person, university=world.a.university, role=UniversityRole.STUDENT)
    row = services.grant_role(
        actor=world.a.university_admin, user=person, university=world.a.university, role=UniversityRole.UNIVERSITY_ADMIN
    )
    person.refresh_from_db()
    assert person.is_staff
    student = services.grant_role(
        actor=world.a.university_admin, user=person, university=world.a.university, role=UniversityRole.STUDENT
    )
    services.revoke_role(actor=world.a.university_admin, role=row)
    person.refresh_from_db()
    assert not person.is_staff
    assert list(UserUniversityRole.objects.filter(user=person)) == [student]


def test_department_admin_role_needs_a_department_of_that_university(world):
    person = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.grant_role(
            actor=world.platform_admin, user=person, university=world.a.university, role=UniversityRole.DEPARTMENT_ADMIN
        )
    assert services.ROLE_DEPARTMENT_REQUIRED in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.grant_role(
            actor=world.platform_admin,
            user=person,
            university=world.a.university,
            role=UniversityRole.DEPARTMENT_ADMIN,
            department=world.b.department,
        )
    assert services.ROLE_DEPARTMENT_OTHER_UNIVERSITY in str(error.value)
    assert not UserUniversityRole.objects.filter(user=person).exists()


def test_university_admin_cannot_grant_elsewhere_or_platform_admin(world):
    person = UserFactory()
    actor = world.a.university_admin
    with pytest.raises(PermissionDenied, match=services.ROLE_NOT_ALLOWED):
        services.grant_role(actor=actor, user=person, university=world.b.university, role=UniversityRole.STUDENT)
    with pytest.raises(PermissionDenied, match=services.ROLE_NOT_ALLOWED):
        services.grant_role(actor=actor, user=person, university=world.a.university, role=UniversityRole.PLATFORM_ADMIN)
    b_role = UserUniversityRole.objects.get(user=world.b.student)
    with pytest.raises(PermissionDenied):
        services.revoke_role(actor=actor, role=b_role)
    for who in ("department_admin", "instructor", "student"):
        with pytest.raises(PermissionDenied):
            services.grant_role(
                actor=getattr(world.a, who), user=person, university=world.a.university, role=UniversityRole.STUDENT
            )
    assert not UserUniversityRole.objects.filter(user=person).exists()
    assert UserUniversityRole.objects.filter(pk=b_role.pk).exists()


def test_platform_admin_grants_platform_admin(world):
    person = UserFactory()
    services.grant_role(
        actor=world.platform_admin, user=person, university=world.b.university, role=UniversityRole.PLATFORM_ADMIN
    )
    person.refresh_from_db()
    assert person.is_staff and get_staff_scope(person).platform


def test_only_platform_admins_change_account_status_and_email(world):
    target = world.a.student
    with pytest.raises(PermissionDenied, match=services.ACCOUNT_STATUS_NOT_ALLOWED):
        services.set_account_active(actor=world.a.university_admin, user=target, is_active=False)
    with pytest.raises(PermissionDenied, match=services.ACCOUNT_CREDENTIALS_NOT_ALLOWED):
        services.update_account(actor=world.a.university_admin, user=target, email="new@a.example.edu")
    target.refresh_from_db()
    assert target.is_active and target.email == "student@a.example.edu"
    services.set_account_active(actor=world.platform_admin, user=target, is_active=False)
    target.refresh_from_db()
    assert not target.is_active
    with pytest.raises(PermissionDenied):
        services.set_account_active(actor=world.platform_admin, user=world.platform_admin, is_active=False)


def test_users_visible_to_follows_the_tenant(world):
    a_users = set(users_visible_to(world.a.university_admin))
    assert world.a.student in a_users and world.b.student not in a_users
    dept = set(users_visible_to(world.a.department_admin))
    assert world.a.student in dept and world.a.instructor in dept and world.b.student not in dept
    assert set(users_visible_to(world.a.student)) == set()
