"""Every syllabus write service re-checks the authoring policy with its ``actor``.

The views already reach objects through ``get_course_for_author``; these tests call the services the way an
admin action or a management command would, so a service that forgot its check fails here.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from catalog.models import Course, OfferingStaffRole
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, CourseOfferingInstructorFactory
from syllabus import library, question_import, services
from syllabus.models import ContentItem, Module, ModuleTemplate, ModuleType, Question, QuestionPool
from syllabus.tests.factories import (
    ContentItemFactory,
    ModuleTemplateFactory,
    QuestionFactory,
    QuestionPoolFactory,
    builtin_content_type,
)

pytestmark = pytest.mark.django_db

TEXT = {"blocks": [{"type": "paragraph", "text": "Hello"}]}


@pytest.fixture
def s(world):
    a = world.a
    lesson = services.create_module(course=a.course, module_type=ModuleType.LESSON, title="Lesson 1")
    second = services.create_module(course=a.course, module_type=ModuleType.LESSON, title="Lesson 2")
    item = ContentItemFactory(module=lesson)
    other_item = ContentItemFactory(module=lesson)
    pool = QuestionPoolFactory(course=a.course)
    question = QuestionFactory(pool=pool)
    template = ModuleTemplateFactory(university=a.university, template_type=ModuleType.LESSON, title="Tpl")
    # Another course of A that A's instructor also teaches: the target of a copy.
    next_course = CourseFactory(university=a.university, department=a.department, code="MATH101-NEXT")
    CourseOfferingInstructorFactory(
        course_offering=CourseOfferingFactory(course=next_course), user=a.instructor, role=OfferingStaffRole.INSTRUCTOR
    )
    other_instructor = type(a.instructor).objects.create_user(
        email="elsewhere@a.example.edu", password="x", full_name="Teaches elsewhere"
    )
    CourseOfferingInstructorFactory(
        course_offering=CourseOfferingFactory(course=CourseFactory(university=a.university, department=a.department)),
        user=other_instructor,
        role=OfferingStaffRole.INSTRUCTOR,
    )
    return {
        "world": world,
        "course": a.course,
        "lesson": lesson,
        "second": second,
        "item": item,
        "other_item": other_item,
        "pool": pool,
        "question": question,
        "template": template,
        "next_course": next_course,
        "other_instructor": other_instructor,
    }


CALLS = {
    "create_module": lambda a, s: services.create_module(
        actor=a, parent=s["lesson"], module_type=ModuleType.TOPIC, title="New"
    ),
    "update_module": lambda a, s: services.update_module(actor=a, module=s["lesson"], title="Renamed"),
    "move_module": lambda a, s: services.move_module(actor=a, module=s["second"], new_parent=s["lesson"]),
    "reorder_module": lambda a, s: services.reorder_module(actor=a, module=s["second"], position=1),
    "delete_module": lambda a, s: services.delete_module(actor=a, module=s["second"]),
    "publish_module": lambda a, s: services.publish_module(actor=a, module=s["second"], include_subtree=True),
    "unpublish_module": lambda a, s: services.unpublish_module(actor=a, module=s["course_root"]),
    "publish_course": lambda a, s: services.publish_course(actor=a, course=s["course"], is_published=False),
    "create_content_item": lambda a, s: services.create_content_item(
        actor=a, module=s["lesson"], content_type=builtin_content_type("text"), title="New item", data_json=TEXT
    ),
    "update_content_item": lambda a, s: services.update_content_item(actor=a, item=s["item"], title="Renamed"),
    "delete_content_item": lambda a, s: services.delete_content_item(actor=a, item=s["item"]),
    "reorder_content_item": lambda a, s: services.reorder_content_item(actor=a, item=s["other_item"], position=1),
    "create_question_pool": lambda a, s: services.create_question_pool(actor=a, course=s["course"], title="Pool"),
    "update_question_pool": lambda a, s: services.update_question_pool(actor=a, pool=s["pool"], title="Renamed"),
    "delete_question_pool": lambda a, s: services.delete_question_pool(actor=a, pool=s["pool"]),
    "create_question": lambda a, s: services.create_question(
        actor=a, pool=s["pool"], question_type="true_false", prompt="True?", correct_answer=True
    ),
    "update_question": lambda a, s: services.update_question(actor=a, question=s["question"], prompt="Changed?"),
    "delete_question": lambda a, s: services.delete_question(actor=a, question=s["question"]),
    "import_questions": lambda a, s: question_import.import_questions(
        actor=a, pool=s["pool"], text="Sky is blue. {T}", fmt="gift"
    ),
    "save_subtree_as_template": lambda a, s: library.save_subtree_as_template(actor=a, module=s["lesson"]),
    "instantiate_template": lambda a, s: library.instantiate_template(
        actor=a, template=s["template"], parent=s["lesson"]
    ),
    "copy_course_syllabus": lambda a, s: library.copy_course_syllabus(
        actor=a, source=s["course"], target=s["next_course"]
    ),
    "copy_syllabus_to_new_course": lambda a, s: library.copy_syllabus_to_new_course(
        actor=a, source=s["course"], code="MATH101-2027", title="Linear Algebra 2027"
    ),
}


def _state(s) -> tuple:
    """Everything a denied call could have written (both courses of the copy included)."""
    course_ids = [s["course"].pk, s["next_course"].pk]
    return (
        list(
            Module.objects.filter(course_id__in=course_ids)
            .order_by("pk")
            .values_list("pk", "parent_module_id", "sequence_index", "depth", "title", "is_published")
        ),
        list(
            ContentItem.objects.filter(course_id__in=course_ids)
            .order_by("pk")
            .values_list("pk", "module_id", "sequence_index", "title")
        ),
        list(QuestionPool.objects.filter(course_id__in=course_ids).order_by("pk").values_list("pk", "title")),
        list(Question.objects.order_by("pk").values_list("pk", "pool_id", "sequence_index", "prompt")),
        list(Course.objects.order_by("pk").values_list("pk", "structure_version", "is_published")),
        ModuleTemplate.objects.count(),
    )


@pytest.mark.parametrize("who", ["student", "ta", "b_university_admin", "other_instructor"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_denied_actor_gets_permission_denied_and_nothing_is_written(s, who, name):
    world = s["world"]
    actor = {
        "student": world.a.student,
        "ta": world.a.ta,
        "b_university_admin": world.b.university_admin,
        "other_instructor": s["other_instructor"],
    }[who]
    s["course_root"] = world.a.root_module
    before = _state(s)
    with pytest.raises(PermissionDenied):
        CALLS[name](actor, s)
    assert _state(s) == before


@pytest.mark.parametrize("name", sorted(CALLS))
def test_instructor_of_the_course_may(s, name):
    s["course_root"] = s["world"].a.root_module
    before = _state(s)
    CALLS[name](s["world"].a.instructor, s)
    assert _state(s) != before
