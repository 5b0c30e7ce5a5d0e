"""Fixtures of the community tests: the world's offering A with a classmate, a completed student, a dropped
one, and a small published tree."""

from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from learning.community.selectors import get_offering_access
from learning.enrollment.models import EnrollmentStatus
from learning.tests.factories import CourseEnrollmentFactory
from learning.tests.test_player_fixtures import build_tree, clear_memos


@pytest.fixture(autouse=True)
def _memos():
    """The outline and progress modules memoise per process; no test may see another's memo."""
    clear_memos()
    yield
    clear_memos()


@pytest.fixture
def tree(world):
    """The small published tree of ``build_tree`` in university A's course."""
    return build_tree(world.a)


@pytest.fixture
def people(world):
    a = world.a
    classmate = UserFactory(email="classmate@a.example.edu", full_name="Grace Hopper")
    completed = UserFactory(email="alumna@a.example.edu", full_name="Ada Alumna")
    dropped = UserFactory(email="dropped@a.example.edu", full_name="Drew Dropped")
    pending = UserFactory(email="pending@a.example.edu", full_name="Pat Pending")
    CourseEnrollmentFactory(user=classmate, course_offering=a.offering, status=EnrollmentStatus.ACTIVE)
    CourseEnrollmentFactory(user=completed, course_offering=a.offering, status=EnrollmentStatus.COMPLETED)
    CourseEnrollmentFactory(user=dropped, course_offering=a.offering, status=EnrollmentStatus.DROPPED)
    CourseEnrollmentFactory(user=pending, course_offering=a.offering, status=EnrollmentStatus.PENDING)
    return SimpleNamespace(classmate=classmate, completed=completed, dropped=dropped, pending=pending)


def access_for(user, offering):
    return get_offering_access(user, offering.pk)
