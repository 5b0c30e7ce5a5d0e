"""Every database constraint of the accounts tables, proven by a raw write that breaks it."""

import pytest

from accounts.models import User, UserProfile, UserUniversityRole
from accounts.tests.db_helpers import accepts, rejects, rejects_update
from accounts.tests.factories import (
    UserFactory,
    UserProfileFactory,
    UserSubjectPreferenceFactory,
    UserUniversityRoleFactory,
)
from catalog.tests.factories import DepartmentFactory, UniversityFactory

pytestmark = pytest.mark.django_db


def test_user_email_is_unique():
    user = UserFactory()
    rejects("ix_users_email", "INSERT INTO users (email, full_name, password_hash, is_superuser) VALUES (%s, 'X', 'x', false)", [user.email])


def test_user_streak_is_not_negative():
    user = UserFactory()
    rejects_update("ck_users_streak_nonnegative", User.objects.filter(pk=user.pk), current_streak_days=-1)


def test_one_profile_per_user():
    profile = UserProfileFactory()
    rejects("user_profiles_user_id_key", "INSERT INTO user_profiles (user_id) VALUES (%s)", [profile.user_id])


@pytest.mark.parametrize(
    ("column", "constraint"),
    [
        ("learning_goal", "ck_user_profiles_learning_goal"),
        ("study_level", "ck_user_profiles_study_level"),
        ("grade", "ck_user_profiles_grade"),
    ],
)
def test_profile_enums_reject_unknown_values(column, constraint):
    profile = UserProfileFactory()
    rejects_update(constraint, UserProfile.objects.filter(pk=profile.pk), **{column: "astronaut"})
    UserProfile.objects.filter(pk=profile.pk).update(**{column: None})  # the columns are optional


def test_subject_preference_is_unique_per_user_and_subject():
    preference = UserSubjectPreferenceFactory()
    rejects(
        "ux_user_subject_preferences_unique",
        "INSERT INTO user_subject_preferences (user_id, subject_id) VALUES (%s, %s)",
        [preference.user_id, preference.subject_id],
    )


def test_role_is_unique_per_user_university_and_role():
    role = UserUniversityRoleFactory()
    rejects(
        "ux_user_university_role",
        "INSERT INTO user_university_roles (user_id, university_id, role) VALUES (%s, %s, %s)",
        [role.user_id, role.university_id, role.role],
    )
    accepts(
        "INSERT INTO user_university_roles (user_id, university_id, role) VALUES (%s, %s, 'instructor')",
        [role.user_id, role.university_id],
    )


def test_role_must_be_one_of_the_enum():
    role = UserUniversityRoleFactory()
    rejects_update("ck_user_university_roles_role", UserUniversityRole.objects.filter(pk=role.pk), role="dean")


def test_department_admin_row_must_name_a_department():
    role = UserUniversityRoleFactory(department_admin=True)
    rejects_update(
        "ck_user_university_roles_department_admin_has_department",
        UserUniversityRole.objects.filter(pk=role.pk),
        department=None,
    )
    # Other roles may leave the department empty.
    UserUniversityRole.objects.filter(pk=role.pk).update(role="instructor", department=None)


def test_role_department_belongs_to_the_roles_university():
    role = UserUniversityRoleFactory()
    foreign_department = DepartmentFactory(university=UniversityFactory())
    rejects(
        "fk_user_university_roles_department_same_university",
        "UPDATE user_university_roles SET department_id = %s WHERE id = %s",
        [foreign_department.pk, role.pk],
    )
    own_department = DepartmentFactory(university=role.university)
    accepts("UPDATE user_university_roles SET department_id = %s WHERE id = %s", [own_department.pk, role.pk])


def test_deleting_a_department_clears_it_from_ordinary_roles():
    department = DepartmentFactory()
    role = UserUniversityRoleFactory(role="instructor", university=department.university, department=department)
    department.delete()
    role.refresh_from_db()
    assert role.department is None
