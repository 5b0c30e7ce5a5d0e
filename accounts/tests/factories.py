"""Factories for accounts. Every user's password is "password"."""

from datetime import timedelta

import factory
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import UniversityRole, User, UserProfile, UserSession, UserSubjectPreference, UserUniversityRole
from accounts.sessions import SessionStore

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


class UserSessionFactory(DjangoModelFactory):
    """A signed-in session row of ``user`` (as ``django.contrib.auth.login`` stores it)."""

    class Meta:
        model = UserSession

    session_key = factory.Sequence(lambda n: f"testsession{n:029d}")
    user = factory.SubFactory(UserFactory)
    expire_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    session_data = factory.LazyAttribute(
        lambda o: SessionStore().encode(
            {
                SESSION_KEY: str(o.user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: o.user.get_session_auth_hash(),
            }
        )
    )
