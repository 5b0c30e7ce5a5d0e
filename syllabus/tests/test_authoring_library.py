"""Module templates (save, instantiate) and syllabus copies."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog.models import Course
from catalog.tests.factories import CourseFactory
from syllabus import library, services
from syllabus.models import ContentItem, Module, ModuleTemplate, ModuleType, Question, QuestionPool
from syllabus.tests.factories import ContentItemFactory, QuestionFactory, QuestionPoolFactory, QuizContentItemFactory

pytestmark = pytest.mark.django_db


def _check_tree(course_id):
    for module in Module.objects.filter(course_id=course_id).select_related("parent_module"):
        if module.parent_module is not None:
            assert module.depth == module.parent_module.depth + 1
    for parent_id in set(Module.objects.filter(course_id=course_id).values_list("parent_module_id", flat=True)):
        indexes = sorted(
            Module.objects.filter(course_id=course_id, parent_module_id=parent_id).values_list(
                "sequence_index", flat=True
            )
        )
        assert indexes == list(range(1, len(indexes) + 1))


@pytest.fixture
def unit(world):
    course = world.a.course
    unit = services.create_module(course=course, module_type=ModuleType.UNIT, title="Unit 1")
    lesson = services.create_module(parent=unit, module_type=ModuleType.LESSON, title="Lesson 1.1")
    services.create_module(parent=lesson, module_type=ModuleType.TOPIC, title="Topic 1.1.1")
    ContentItemFactory(module=lesson, title="Reading")
    pool = QuestionPoolFactory(course=course, title="Pool 1")
    QuestionFactory(pool=pool)
    QuizContentItemFactory(
        module=unit, title="Unit quiz", data_json={"question_pool_id": pool.pk, "quiz_mode": "practice"}
    )
    return unit


def test_save_and_instantiate_template_into_another_course(world, unit):
    template = library.save_subtree_as_template(actor=world.a.instructor, module=unit, title="Unit template")
    assert template.university_id == world.a.university.pk
    assert template.default_data["module_count"] == 3 and template.default_data["content_item_count"] == 2
    target = CourseFactory(university=world.a.university, department=world.a.department)
    root = Module.objects.get(course=target, parent_module__isnull=True)
    version = Course.objects.get(pk=target.pk).structure_version
    tops = library.instantiate_template(actor=world.a.university_admin, template=template, parent=root)
    copies = Module.objects.filter(course=target).exclude(pk=root.pk)
    assert copies.count() == 3 and set(copies.values_list("module_template_id", flat=True)) == {template.pk}
    assert not any(copies.values_list("is_published", flat=True))
    assert tops[0].title == "Unit 1"
    quiz = ContentItem.objects.get(course=target, title="Unit quiz")
    new_pool = QuestionPool.objects.get(pk=quiz.data_json["question_pool_id"])
    assert new_pool.course_id == target.pk and new_pool.questions.count() == 1
    assert ContentItem.objects.filter(course=target).count() == 2
    assert Course.objects.get(pk=target.pk).structure_version > version
    _check_tree(target.pk)


def test_template_from_other_university_is_refused(world, unit):
    template = library.save_subtree_as_template(module=unit)
    with pytest.raises(ValidationError):
        library.instantiate_template(template=template, parent=world.b.root_module)
    with pytest.raises(PermissionDenied):  # and A's instructor may not write into B's course
        library.instantiate_template(actor=world.a.instructor, template=template, parent=world.b.root_module)


def test_platform_template_needs_platform_admin(world, unit):
    with pytest.raises(PermissionDenied):
        library.save_subtree_as_template(actor=world.a.instructor, module=unit, platform_wide=True)
    template = library.save_subtree_as_template(actor=world.platform_admin, module=unit, platform_wide=True)
    assert template.university_id is None


def test_root_cannot_be_a_template(world):
    with pytest.raises(ValidationError):
        library.save_subtree_as_template(module=world.a.root_module)


def test_copy_course_syllabus(world, unit):
    target = CourseFactory(university=world.a.university, department=world.a.department)
    counts = library.copy_course_syllabus(actor=world.a.university_admin, source=world.a.course, target=target)
    assert counts == {"modules": 3, "content_items": 2, "question_pools": 1}
    assert Module.objects.filter(course=target).count() == 4
    assert Question.objects.filter(pool__course=target).count() == 1
    _check_tree(target.pk)
    with pytest.raises(ValidationError):
        library.copy_course_syllabus(source=world.a.course, target=world.b.course)


def test_copy_is_one_transaction(world, unit, monkeypatch):
    target = CourseFactory(university=world.a.university, department=world.a.department)

    def boom(**kwargs):
        raise RuntimeError("late failure")

    monkeypatch.setattr(library, "bump_structure_version", boom)
    with pytest.raises(RuntimeError):
        library.copy_course_syllabus(source=world.a.course, target=target)
    assert Module.objects.filter(course=target).count() == 1
    assert not QuestionPool.objects.filter(course=target).exists()


def test_template_views(client, world, unit):
    client.force_login(world.a.instructor)
    c = world.a.course.pk
    save_url = reverse("syllabus:template-create", args=[c, unit.pk])
    assert "platform_wide" not in client.get(save_url).content.decode()
    assert client.post(save_url, {"title": "Saved unit"}).status_code == 302
    template = ModuleTemplate.objects.get(title="Saved unit")
    response = client.post(
        reverse("syllabus:template-instantiate", args=[c]), {"template": template.pk, "parent": world.a.root_module.pk}
    )
    assert response.status_code == 302
    assert Module.objects.filter(course_id=c, module_template=template).count() == 3
    _check_tree(c)
    client.force_login(world.b.instructor)
    page = client.get(reverse("syllabus:template-instantiate", args=[world.b.course.pk])).content.decode()
    assert "Saved unit" not in page


def test_copy_view_offers_only_editable_courses_of_the_university(client, world, unit):
    target = CourseFactory(university=world.a.university, department=world.a.department, title="Next edition")
    client.force_login(world.a.department_admin)
    url = reverse("syllabus:syllabus-copy", args=[world.a.course.pk])
    page = client.get(url).content.decode()
    assert "Next edition" in page and world.b.course.title not in page
    assert client.post(url, {"target": target.pk, "confirm": "on"}).status_code == 302
    assert Module.objects.filter(course=target).count() == 4
