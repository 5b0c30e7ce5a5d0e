"""What a raw SQL ``DELETE`` does to a row with dependents, as docs/schema.md ("Which deletes work in raw SQL") says.

Most foreign keys are Django's ``NO ACTION DEFERRABLE INITIALLY DEFERRED`` (the seed's CASCADE / SET NULL is
applied by Django's collector, not by the database), so a raw delete of a parent with such children fails at
COMMIT. Only the composite tenant keys and the prompts keys act in the database. Each case runs the delete in
a savepoint and then ``SET CONSTRAINTS ALL IMMEDIATE``, which runs the deferred checks exactly as COMMIT would.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.tests.factories import UserFactory
from catalog.models import Course
from catalog.tests.factories import (
    CourseFactory,
    CourseOfferingFactory,
    CourseSubjectFactory,
    DepartmentFactory,
    DomainFactory,
    SubjectFactory,
)
from learning.tests.factories import DiscussionPostFactory, UserContentProgressFactory
from prompts.models import PromptDependency, PromptLabel
from prompts.tests.factories import PromptDependencyFactory, PromptFactory
from syllabus.models import ContentItem, Module
from syllabus.tests.factories import (
    ContentItemFactory,
    ModuleFactory,
    ModuleTemplateFactory,
    QuestionFactory,
)
from tutoring.tests.factories import ChatMessageFactory, ChatNoteFactory, ChatSessionFactory

pytestmark = [pytest.mark.django_db]


def raw_delete(table: str, pk: int) -> int:
    """``DELETE FROM table WHERE id = pk`` as its own unit of work; answers the row count or raises."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 - table names of this file
            deleted = cursor.rowcount
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks COMMIT would run
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys are INITIALLY DEFERRED again
    return deleted


def refused_by(table: str, pk: int, message: str) -> None:
    with pytest.raises(IntegrityError, match=message):
        raw_delete(table, pk)
    # Nothing went: the savepoint rolled back.
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 - table names of this file
        assert cursor.fetchone()[0] == 1


def fk_violation(child_table: str, constraint_prefix: str) -> str:
    return f'on table "{child_table}" violates foreign key constraint "{constraint_prefix}'


# --- deletes the database carries out (composite keys, prompts keys, rows nothing points at) ---------------


def test_a_module_goes_with_its_subtree_and_content_items():
    unit = ModuleFactory()
    lesson = ModuleFactory(parent_module=unit)
    item = ContentItemFactory(module=lesson)
    assert raw_delete("modules", unit.pk) == 1
    assert not Module.objects.filter(pk__in=[unit.pk, lesson.pk]).exists()
    assert not ContentItem.objects.filter(pk=item.pk).exists()


def test_a_discussion_post_goes_with_its_replies():
    reply = DiscussionPostFactory(parent_post=DiscussionPostFactory())
    assert raw_delete("discussion_posts", reply.parent_post_id) == 1
    assert not type(reply).objects.filter(pk=reply.pk).exists()


def test_a_chat_message_goes_and_its_notes_stay_without_it():
    note = ChatNoteFactory()
    assert raw_delete("chat_messages", note.message_id) == 1
    note.refresh_from_db()
    assert note.message_id is None and note.session_id is not None


def test_a_prompt_version_goes_with_its_dependency_and_label_rows():
    dependency = PromptDependencyFactory(parent=PromptFactory(labels=["production"]))
    assert PromptLabel.objects.filter(prompt_id=dependency.parent_id).exists()
    assert raw_delete("prompts", dependency.parent_id) == 1
    assert not PromptDependency.objects.filter(pk=dependency.pk).exists()
    assert not PromptLabel.objects.filter(prompt_id=dependency.parent_id).exists()


def test_a_department_only_courses_point_at_goes_and_the_courses_keep_no_department():
    department = DepartmentFactory()
    course = CourseFactory(university=department.university, department=department)
    assert raw_delete("departments", department.pk) == 1
    assert Course.objects.get(pk=course.pk).department_id is None


def test_rows_nothing_points_at_go():
    assert raw_delete("course_offerings", CourseOfferingFactory().pk) == 1
    assert raw_delete("users", UserFactory().pk) == 1
    assert raw_delete("subjects", SubjectFactory().pk) == 1


# --- deletes the database refuses (the seed would have cascaded or nulled) ----------------------------------


def test_every_course_is_refused_because_its_root_module_points_at_it():
    course = CourseFactory()
    assert Module.objects.filter(course=course).count() == 1  # the root, created with the course
    refused_by("courses", course.pk, fk_violation("modules", "modules_course_id_"))


def test_a_university_with_departments_is_refused(world):
    refused_by("universities", world.a.university.pk, fk_violation("departments", "departments_university_id_"))


def test_a_user_with_a_role_is_refused(world):
    refused_by("users", world.a.student.pk, fk_violation("user_university_roles", "user_university_roles_user_id_"))


def test_an_offering_with_staff_or_enrollments_is_refused(world):
    refused_by(
        "course_offerings",
        world.a.offering.pk,
        'violates foreign key constraint "(course_offering_inst|course_enrollments)_course_offering_id_',
    )


def test_a_department_named_by_a_department_admin_is_refused_by_the_check(world):
    # The composite key would null department_id (the seed's SET NULL); the role's check refuses that.
    refused_by("departments", world.a.department.pk, "ck_user_university_roles_department_admin_has_department")


def test_a_subject_with_a_child_is_refused_by_the_depth_check():
    parent = SubjectFactory()
    SubjectFactory(parent_subject=parent)
    refused_by("subjects", parent.pk, "ck_subjects_depth_matches_parent")


def test_a_subject_tagged_on_a_course_or_a_domain_with_subjects_is_refused():
    tag = CourseSubjectFactory()
    refused_by("subjects", tag.subject_id, fk_violation("course_subjects", "course_subjects_subject_id_"))
    domain = DomainFactory()
    SubjectFactory(domain=domain)
    refused_by("domains", domain.pk, fk_violation("subjects", "subjects_domain_id_"))


def test_content_with_learner_rows_is_refused(world):
    module = ModuleFactory(course=world.a.course)
    item = ContentItemFactory(module=module)
    UserContentProgressFactory(user=world.a.student, course_offering=world.a.offering, content_item=item)
    progress = fk_violation("user_content_progress", "user_content_progres_content_item_id_")
    refused_by("content_items", item.pk, progress)
    refused_by("modules", module.pk, progress)


def test_a_pool_with_questions_a_used_template_a_thread_and_a_chat_session_are_refused():
    question = QuestionFactory()
    refused_by("question_pools", question.pool_id, fk_violation("questions", "questions_pool_id_"))
    template = ModuleTemplateFactory()
    ModuleFactory(module_template=template)
    refused_by("module_templates", template.pk, fk_violation("modules", "modules_module_template_id_"))
    post = DiscussionPostFactory()
    refused_by("discussion_threads", post.thread_id, fk_violation("discussion_posts", "discussion_posts_thread_id_"))
    message = ChatMessageFactory(session=ChatSessionFactory())
    refused_by("chat_sessions", message.session_id, fk_violation("chat_messages", "chat_messages_session_id_"))
