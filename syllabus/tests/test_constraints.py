"""Every database constraint of the syllabus tables, proven by a raw write that breaks it."""

import json

import pytest

from accounts.tests.db_helpers import accepts, rejects, rejects_update
from catalog.tests.factories import CourseFactory, UniversityFactory
from syllabus.models import Asset, ContentItem, Module, ModuleTemplate, Question
from syllabus.tests.factories import (
    AssetFactory,
    ContentItemFactory,
    ContentTypeFactory,
    CourseWithRootFactory,
    ModuleFactory,
    ModuleTemplateFactory,
    QuestionFactory,
    QuestionPoolFactory,
    builtin_content_type,
    root_module_for,
)

pytestmark = pytest.mark.django_db

INSERT_MODULE = (
    "INSERT INTO modules (course_id, parent_module_id, module_type, title, sequence_index, depth) "
    "VALUES (%s, %s, %s, 'M', %s, %s)"
)
INSERT_ITEM = (
    "INSERT INTO content_items (module_id, course_id, university_id, content_type_id, title, sequence_index, data_json) "
    "VALUES (%s, %s, %s, %s, 'Item', %s, %s)"
)


def test_module_template_type_is_a_module_type():
    template = ModuleTemplateFactory()
    rejects_update(
        "ck_module_templates_template_type", ModuleTemplate.objects.filter(pk=template.pk), template_type="webinar"
    )


def test_sibling_order_is_unique_per_parent():
    first = ModuleFactory()
    rejects(
        "ux_modules_course_parent_sequence",
        INSERT_MODULE,
        [first.course_id, first.parent_module_id, "lesson", first.sequence_index, 1],
    )
    # The same index under another parent is fine.
    other_parent = ModuleFactory(course=first.course)
    accepts(INSERT_MODULE, [first.course_id, other_parent.pk, "lesson", first.sequence_index, 2])


def test_sibling_order_unique_index_is_an_expression_over_coalesced_parent():
    # Roots (parent NULL) are ordered too: COALESCE(parent_module_id, 0) makes NULLs collide.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ux_modules_course_parent_sequence'")
        (definition,) = cursor.fetchone()
    assert "UNIQUE" in definition and "COALESCE(parent_module_id" in definition


def test_a_course_has_at_most_one_root():
    course = CourseWithRootFactory()
    rejects("ux_modules_one_root_per_course", INSERT_MODULE, [course.pk, None, "course_root", 2, 0])


def test_module_type_is_one_of_the_enum():
    module = ModuleFactory()
    rejects_update("ck_modules_module_type", Module.objects.filter(pk=module.pk), module_type="webinar")


def test_only_the_root_has_no_parent():
    course = CourseWithRootFactory()
    root = root_module_for(course)
    rejects("ck_modules_root_iff_no_parent", INSERT_MODULE, [course.pk, None, "unit", 5, 0])
    rejects("ck_modules_root_iff_no_parent", INSERT_MODULE, [course.pk, root.pk, "course_root", 5, 1])


def test_depth_is_zero_exactly_at_the_root():
    module = ModuleFactory()
    rejects_update("ck_modules_depth_matches_parent", Module.objects.filter(pk=module.pk), depth=0)
    root = module.parent_module
    rejects_update("ck_modules_depth_matches_parent", Module.objects.filter(pk=root.pk), depth=1)


def test_module_is_not_its_own_parent():
    module = ModuleFactory()
    rejects("ck_modules_not_own_parent", "UPDATE modules SET parent_module_id = id WHERE id = %s", [module.pk])


def test_module_sequence_index_starts_at_one():
    module = ModuleFactory()
    rejects_update("ck_modules_sequence_index_positive", Module.objects.filter(pk=module.pk), sequence_index=0)


def test_module_parent_is_in_the_same_course():
    module = ModuleFactory()
    stranger = ModuleFactory()  # another course
    rejects(
        "fk_modules_parent_same_course",
        "UPDATE modules SET parent_module_id = %s WHERE id = %s",
        [stranger.pk, module.pk],
    )
    rejects("fk_modules_parent_same_course", INSERT_MODULE, [module.course_id, stranger.pk, "lesson", 9, 2])


def test_content_type_name_is_unique():
    content_type = ContentTypeFactory()
    rejects("ux_content_types_name", "INSERT INTO content_types (name, label) VALUES (%s, 'Copy')", [content_type.name])


def _item_params(item, **overrides):
    values = {
        "module": item.module_id,
        "course": item.course_id,
        "university": item.university_id,
        "content_type": item.content_type_id,
        "sequence_index": item.sequence_index + 1,
        "data_json": json.dumps(item.data_json),
    }
    values.update(overrides)
    return list(values.values())


def test_content_item_order_is_unique_per_module():
    item = ContentItemFactory()
    rejects("ux_content_items_module_sequence", INSERT_ITEM, _item_params(item, sequence_index=item.sequence_index))


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"sequence_index": 0}, "ck_content_items_sequence_index_positive"),
        ({"estimated_duration_seconds": -1}, "ck_content_items_duration_nonnegative"),
    ],
)
def test_content_item_checks(values, constraint):
    item = ContentItemFactory()
    rejects_update(constraint, ContentItem.objects.filter(pk=item.pk), **values)


def test_content_item_university_is_its_courses_university():
    item = ContentItemFactory()
    other_university = UniversityFactory()
    rejects("fk_content_items_course_same_university", INSERT_ITEM, _item_params(item, university=other_university.pk))
    rejects(
        "fk_content_items_course_same_university",
        "UPDATE content_items SET university_id = %s WHERE id = %s",
        [other_university.pk, item.pk],
    )
    accepts(INSERT_ITEM, _item_params(item))


def test_content_item_course_is_its_modules_course():
    item = ContentItemFactory()
    same_university_course = CourseFactory(university=item.university)
    rejects(
        "fk_content_items_module_same_course",
        INSERT_ITEM,
        _item_params(item, course=same_university_course.pk),
    )


def test_content_item_data_json_is_required():
    item = ContentItemFactory()
    # NOT NULL has no constraint name; the error names the column.
    rejects("data_json", INSERT_ITEM, _item_params(item, data_json=None))


def test_asset_type_is_one_of_the_enum():
    asset = AssetFactory()
    rejects_update("ck_assets_asset_type", Asset.objects.filter(pk=asset.pk), asset_type="hologram")


def test_platform_wide_asset_has_no_university():
    asset = AssetFactory(university=None)
    assert Asset.objects.get(pk=asset.pk).university is None


def test_question_pool_university_is_its_courses_university():
    course = CourseFactory()
    rejects(
        "fk_question_pools_course_same_university",
        "INSERT INTO question_pools (course_id, university_id, title) VALUES (%s, %s, 'Pool')",
        [course.pk, UniversityFactory().pk],
    )


def test_question_order_is_unique_per_pool():
    question = QuestionFactory()
    rejects(
        "ux_questions_pool_sequence",
        "INSERT INTO questions (pool_id, question_type, prompt, correct_answer, sequence_index) "
        "VALUES (%s, 'true_false', 'Q', 'true', %s)",
        [question.pool_id, question.sequence_index],
    )


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"question_type": "essay"}, "ck_questions_question_type"),
        ({"sequence_index": 0}, "ck_questions_sequence_index_positive"),
        ({"points": -1}, "ck_questions_points_nonnegative"),
        ({"numeric_tolerance": "0.5"}, "ck_questions_tolerance_only_numeric"),
    ],
)
def test_question_checks(values, constraint):
    question = QuestionFactory()
    rejects_update(constraint, Question.objects.filter(pk=question.pk), **values)


def test_numeric_tolerance_is_not_negative():
    question = QuestionFactory(question_type="numeric", choices=[], correct_answer=9.81, numeric_tolerance="0.01")
    rejects_update(
        "ck_questions_tolerance_nonnegative", Question.objects.filter(pk=question.pk), numeric_tolerance="-0.01"
    )


def test_deleting_a_course_through_the_orm_removes_its_tree_and_content():
    item = ContentItemFactory()
    ModuleFactory(parent_module=item.module)
    QuestionPoolFactory(course=item.course)
    item.course.delete()
    assert not Module.objects.filter(course_id=item.course_id).exists()
    assert not ContentItem.objects.filter(pk=item.pk).exists()


def test_content_type_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    item = ContentItemFactory(content_type=builtin_content_type("text"))
    with pytest.raises(ProtectedError):
        item.content_type.delete()
