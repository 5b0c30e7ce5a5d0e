"""Every factory of the schema apps builds a valid row, and related rows stay in one tenant."""

import pytest

from accounts.tests import factories as account_factories
from catalog.tests import factories as catalog_factories
from learning.tests import factories as learning_factories
from lms.tests import factories as lms_factories
from syllabus.tests import factories as syllabus_factories
from tutoring.tests import factories as tutoring_factories

pytestmark = pytest.mark.django_db

MODULES = [
    account_factories,
    catalog_factories,
    syllabus_factories,
    learning_factories,
    tutoring_factories,
    lms_factories,
]
FACTORIES = sorted(
    (
        getattr(module, name)
        for module in MODULES
        for name in dir(module)
        if name.endswith("Factory") and getattr(module, name).__module__ == module.__name__
    ),
    key=lambda f: f.__name__,
)


def test_every_model_of_the_schema_apps_has_a_factory():
    from django.apps import apps

    covered = {factory._meta.model for factory in FACTORIES}
    models_of_apps = {
        model
        for label in ("accounts", "catalog", "syllabus", "learning", "tutoring", "lms")
        for model in apps.get_app_config(label).get_models()
    }
    assert models_of_apps - covered == set()


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f.__name__)
def test_factory_creates_a_valid_row(factory):
    obj = factory()
    obj.full_clean()  # choices, lengths and every Meta constraint, checked in Python too
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert str(obj)


def test_content_item_module_course_and_university_agree():
    item = syllabus_factories.ContentItemFactory()
    assert item.course == item.module.course
    assert item.university == item.course.university
    assert item.module.parent_module.module_type == "course_root"
    assert item.module.depth == item.module.parent_module.depth + 1


def test_module_factory_hangs_modules_under_the_course_root_in_dense_order():
    course = syllabus_factories.CourseWithRootFactory()
    first = syllabus_factories.ModuleFactory(course=course)
    second = syllabus_factories.ModuleFactory(course=course)
    child = syllabus_factories.ModuleFactory(parent_module=first)
    root = syllabus_factories.root_module_for(course)
    assert (first.parent_module, second.parent_module) == (root, root)
    assert (first.sequence_index, second.sequence_index, child.sequence_index) == (1, 2, 1)
    assert child.course == course and child.depth == 2


@pytest.mark.parametrize(
    "factory",
    [
        learning_factories.UserModuleProgressFactory,
        learning_factories.UserContentProgressFactory,
        learning_factories.QuizAttemptFactory,
        learning_factories.LabSubmissionFactory,
    ],
    ids=lambda f: f.__name__,
)
def test_progress_and_attempts_point_at_content_of_the_offerings_course(factory):
    row = factory()
    target = getattr(row, "module", None) or row.content_item
    assert target.course == row.course_offering.course
    assert row.course_offering.university == row.course_offering.course.university


def test_quiz_item_points_at_a_pool_of_its_own_course():
    from syllabus.models import QuestionPool

    item = syllabus_factories.QuizContentItemFactory()
    pool = QuestionPool.objects.get(pk=item.data_json["question_pool_id"])
    assert pool.course == item.course and pool.university == item.university


def test_users_get_the_documented_password():
    assert account_factories.UserFactory().check_password(account_factories.PASSWORD)


def test_department_admin_trait_picks_a_department_of_the_same_university():
    role = account_factories.UserUniversityRoleFactory(department_admin=True)
    assert role.role == "department_admin" and role.department.university == role.university
