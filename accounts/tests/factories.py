"""Factories for accounts. Every user's password is "password"."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import UniversityRole, User, UserProfile, UserSubjectPreference, UserUniversityRole

PASSWORD = "password"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.edu")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


class UserProfileFactory(DjangoModelFactory):
    class Meta:
        model = UserProfile

    user = factory.SubFactory(UserFactory)
    learning_goal = "skill_development"
    study_level = "undergraduate"
    grade = "sophomore"


class UserSubjectPreferenceFactory(DjangoModelFactory):
    class Meta:
        model = UserSubjectPreference

    user = factory.SubFactory(UserFactory)
    subject = factory.SubFactory("catalog.tests.factories.SubjectFactory")


class UserUniversityRoleFactory(DjangoModelFactory):
    """A student role by default; ``department_admin=True`` gives a department admin of a department of the same university."""

    class Meta:
        model = UserUniversityRole

    class Params:
        department_admin = factory.Trait(
            role=UniversityRole.DEPARTMENT_ADMIN,
            department=factory.SubFactory(
                "catalog.tests.factories.DepartmentFactory", university=factory.SelfAttribute("..university")
            ),
        )

    user = factory.SubFactory(UserFactory)
    university = factory.SubFactory("catalog.tests.factories.UniversityFactory")
    role = UniversityRole.STUDENT
    department = None
