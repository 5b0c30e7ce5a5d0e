"""Project-wide fixtures: the two-tenant ``world`` and a clean cache around every test.

``world`` (function scope) gives two universities, A and B, each with a department, a published course
(with its ``course_root`` module), one public offering whose enrollment window is open, and one user
in every role::

    world.a.university, .department, .course, .root_module, .offering,
           .student, .instructor, .ta, .department_admin, .university_admin
    world.b.…                     (the same for university B)
    world.platform_admin          (a platform_admin role row at A, is_staff)
    world.superuser               (is_superuser, is_staff, no role row)
    world.tenants                 ((world.a, world.b), handy for loops)

E-mails are predictable: ``<role>@a.example.edu`` / ``<role>@b.example.edu`` (role with ``-`` for ``_``,
e.g. ``department-admin@a.example.edu``), ``platform-admin@example.edu``, ``root@example.edu``.
Every password is :data:`WORLD_PASSWORD` (the factories' password).
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from accounts import services as account_services
from accounts.models import UniversityRole
from accounts.tests.factories import PASSWORD as WORLD_PASSWORD
from accounts.tests.factories import UserFactory
from catalog import services as catalog_services
from catalog.models import OfferingStaffRole, OfferingVisibility
from catalog.tests.factories import (
    CountryFactory,
    CourseFactory,
    CourseOfferingFactory,
    CourseOfferingInstructorFactory,
    DepartmentFactory,
    UniversityFactory,
)
from learning.models import EnrollmentStatus
from learning.tests.factories import CourseEnrollmentFactory
from syllabus.models import Module, ModuleType
from syllabus.tests.factories import CourseRootModuleFactory

__all__ = ["WORLD_PASSWORD"]


@pytest.fixture(autouse=True)
def _default_language():
    """Requests activate a language on the thread (LocaleMiddleware) and nothing resets it: a German page in
    one test must not leave the next test's direct service calls speaking German."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_django_cache():
    """Selectors cache by key; a value left by one test must not answer the next."""
    cache.clear()
    yield
    cache.clear()


def _grant(user, university, role, department=None):
    """A role row through the role service (``actor=None``: a system job), which keeps ``is_staff`` in step."""
    return account_services.grant_role(actor=None, user=user, university=university, role=role, department=department)


def _user(email: str, full_name: str, **extra):
    return UserFactory(email=email, full_name=full_name, **extra)


def _tenant(key: str, *, country_iso: str, country_name: str, name: str, short_code: str) -> SimpleNamespace:
    now = timezone.now()
    country = CountryFactory(iso_code=country_iso, name=country_name)
    university = UniversityFactory(name=name, short_code=short_code, country=country)
    department = DepartmentFactory(university=university, name=f"Mathematics ({short_code})", code="MATH")
    course = CourseFactory(
        university=university,
        department=department,
        title=f"Linear Algebra at {short_code}",
        code="MATH101",
        is_published=True,
    )
    root = Module.objects.filter(course=course, module_type=ModuleType.COURSE_ROOT).first()
    if root is None:  # before the course-root trigger exists
        root = CourseRootModuleFactory(course=course)
    offering = CourseOfferingFactory(
        course=course,
        term_name=f"Spring {now.year} ({short_code})",
        starts_at=now - timedelta(days=7),
        ends_at=now + timedelta(days=90),
        enrollment_start=now - timedelta(days=30),
        enrollment_end=now + timedelta(days=30),
        visibility=OfferingVisibility.PUBLIC,
    )

    domain = f"{key}.example.edu"
    student = _user(f"student@{domain}", f"Student {key.upper()}")
    instructor = _user(f"instructor@{domain}", f"Instructor {key.upper()}")
    ta = _user(f"ta@{domain}", f"Teaching Assistant {key.upper()}")
    department_admin = _user(f"department-admin@{domain}", f"Department Admin {key.upper()}")
    university_admin = _user(f"university-admin@{domain}", f"University Admin {key.upper()}")

    _grant(student, university, UniversityRole.STUDENT)
    _grant(instructor, university, UniversityRole.INSTRUCTOR)
    _grant(ta, university, UniversityRole.TA)
    _grant(department_admin, university, UniversityRole.DEPARTMENT_ADMIN, department=department)
    _grant(university_admin, university, UniversityRole.UNIVERSITY_ADMIN)

    CourseOfferingInstructorFactory(course_offering=offering, user=instructor, role=OfferingStaffRole.INSTRUCTOR)
    CourseOfferingInstructorFactory(course_offering=offering, user=ta, role=OfferingStaffRole.TA)
    CourseEnrollmentFactory(user=student, course_offering=offering, status=EnrollmentStatus.ACTIVE)
    catalog_services.set_offering_counts(offering_id=offering.pk, enrolled_count=1, waitlist_count=0)
    offering.refresh_from_db()

    for user in (student, instructor, ta, department_admin, university_admin):
        user.refresh_from_db()

    return SimpleNamespace(
        key=key,
        university=university,
        department=department,
        course=course,
        root_module=root,
        offering=offering,
        student=student,
        instructor=instructor,
        ta=ta,
        department_admin=department_admin,
        university_admin=university_admin,
    )


def build_world() -> SimpleNamespace:
    a = _tenant("a", country_iso="FR", country_name="France", name="Université Alpha", short_code="ALPHA")
    b = _tenant("b", country_iso="JP", country_name="Japan", name="Beta Institute of Technology", short_code="BETA")
    platform_admin = _user("platform-admin@example.edu", "Platform Admin")
    _grant(platform_admin, a.university, UniversityRole.PLATFORM_ADMIN)
    platform_admin.refresh_from_db()
    superuser = _user("root@example.edu", "Root", is_staff=True, is_superuser=True)
    return SimpleNamespace(a=a, b=b, tenants=(a, b), platform_admin=platform_admin, superuser=superuser)


@pytest.fixture
def world(db) -> SimpleNamespace:
    """Two disjoint universities with one user in every role (see the module docstring)."""
    return build_world()
