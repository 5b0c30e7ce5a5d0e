"""syllabus.services and selectors: each rule tried through the service, on the real database; and the
course-root trigger of migration 0004."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalog import services as catalog_services
from catalog.models import Course
from catalog.tests.factories import CourseFactory, UniversityFactory
from syllabus import selectors, services
from syllabus.models import ContentItem, Module, ModuleType, Question, QuestionType
from syllabus.tests.factories import (
    AssetFactory,
    ContentItemFactory,
    ContentTypeFactory,
    ModuleFactory,
    ModuleTemplateFactory,
    QuestionPoolFactory,
    builtin_content_type,
)

pytestmark = pytest.mark.django_db

TEXT_PAYLOAD = {"layout": "rich_text_v1", "title": "Intro", "blocks": [{"type": "paragraph", "text": "Hello."}]}


def tree_problems(course_id: int) -> list[str]:
    """Every way the course's module tree breaks the invariants (empty when it is a proper tree)."""
    rows = list(Module.objects.filter(course_id=course_id).values("id", "parent_module_id", "depth", "sequence_index"))
    by_id = {row["id"]: row for row in rows}
    problems = []
    roots = [row for row in rows if row["parent_module_id"] is None]
    if len(roots) != 1:
        problems.append(f"{len(roots)} roots")
    children: dict[int, list[dict]] = {}
    for row in rows:
        parent_id = row["parent_module_id"]
        if parent_id is None:
            if row["depth"] != 0:
                problems.append(f"root {row['id']} at depth {row['depth']}")
            continue
        parent = by_id.get(parent_id)
        if parent is None:
            problems.append(f"{row['id']} has a parent outside the course")
            continue
        if row["depth"] != parent["depth"] + 1:
            problems.append(f"{row['id']} at depth {row['depth']} under depth {parent['depth']}")
        children.setdefault(parent_id, []).append(row)
    for parent_id, siblings in children.items():
        indexes = sorted(row["sequence_index"] for row in siblings)
        if indexes != list(range(1, len(siblings) + 1)):
            problems.append(f"children of {parent_id} numbered {indexes}")
    # Reachability from the root proves there is no cycle.
    seen, stack = set(), [roots[0]["id"]] if roots else []
    while stack:
        node = stack.pop()
        seen.add(node)
        stack.extend(row["id"] for row in children.get(node, []))
    if seen != set(by_id):
        problems.append(f"unreachable from the root: {sorted(set(by_id) - seen)}")
    return problems


def child_titles(parent: Module) -> list[str]:
    return list(Module.objects.filter(parent_module=parent).order_by("sequence_index").values_list("title", flat=True))


def root_of(course: Course) -> Module:
    return Module.objects.get(course=course, parent_module__isnull=True)


def version(course_id: int) -> int:
    return Course.objects.values_list("structure_version", flat=True).get(pk=course_id)


# --- the course-root trigger --------------------------------------------------------------------


def test_every_course_gets_one_unpublished_root_named_after_it():
    course = CourseFactory(title="Thermodynamics")
    root = root_of(course)
    assert (root.module_type, root.title, root.depth, root.sequence_index, root.is_published) == (
        ModuleType.COURSE_ROOT,
        "Thermodynamics",
        0,
        1,
        False,
    )


def test_the_root_comes_with_bulk_create_raw_sql_and_the_service():
    university = UniversityFactory()
    bulk = Course.objects.bulk_create(
        [Course(university=university, code=f"B{i}", title=f"Bulk {i}") for i in range(3)]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO courses (university_id, title, code, is_published, is_coming_soon) "
            "VALUES (%s, 'Raw', 'RAW1', false, false) RETURNING id",
            [university.pk],
        )
        raw_id = cursor.fetchone()[0]
    made = catalog_services.create_course(university=university, code="SVC1", title="Service")
    for course_id in [c.pk for c in bulk] + [raw_id, made.pk]:
        assert Module.objects.filter(course_id=course_id, module_type=ModuleType.COURSE_ROOT).count() == 1
        assert tree_problems(course_id) == []


def test_the_factories_reuse_the_trigger_root():
    course = CourseFactory()
    module = ModuleFactory(course=course)
    assert module.parent_module == root_of(course)
    assert Module.objects.filter(course=course).count() == 2


# --- create -----------------------------------------------------------------------------------


def test_create_module_defaults_to_last_under_the_root_and_bumps_the_structure_version():
    course = CourseFactory()
    before = version(course.pk)
    first = services.create_module(course=course, module_type=ModuleType.UNIT, title="Unit 1")
    second = services.create_module(course=course, module_type=ModuleType.UNIT, title="Unit 2")
    assert (first.depth, first.sequence_index, second.sequence_index) == (1, 1, 2)
    assert first.parent_module_id == root_of(course).pk
    assert version(course.pk) == before + 2


def test_create_module_at_a_position_shifts_the_later_siblings():
    course = CourseFactory()
    unit = services.create_module(course=course, module_type=ModuleType.UNIT, title="Unit")
    for title in ("a", "b", "c"):
        services.create_module(parent=unit, module_type=ModuleType.LESSON, title=title)
    lesson = services.create_module(parent=unit, module_type=ModuleType.LESSON, title="first", position=1)
    services.create_module(parent=unit, module_type=ModuleType.LESSON, title="middle", position=3)
    assert lesson.depth == 2
    assert child_titles(unit) == ["first", "a", "middle", "b", "c"]
    assert tree_problems(course.pk) == []


def test_create_module_refuses_a_parent_of_another_course():
    course, other = CourseFactory(), CourseFactory()
    parent = ModuleFactory(course=other)
    with pytest.raises(ValidationError) as error:
        services.create_module(course=course, parent=parent, module_type=ModuleType.LESSON, title="x")
    assert services.MODULE_PARENT_OTHER_COURSE in error.value.messages
    assert Module.objects.filter(course=course).count() == 1


def test_create_module_refuses_a_second_root_a_bad_position_and_another_universitys_template():
    course = CourseFactory()
    with pytest.raises(ValidationError) as error:
        services.create_module(course=course, module_type=ModuleType.COURSE_ROOT, title="x")
    assert services.MODULE_ROOT_NOT_CREATABLE in error.value.messages
    with pytest.raises(ValidationError) as error:
        services.create_module(course=course, module_type=ModuleType.LESSON, title="x", position=3)
    assert services.POSITION_OUT_OF_RANGE.format(last=1) in error.value.messages
    with pytest.raises(ValidationError) as error:
        services.create_module(
            course=course,
            module_type=ModuleType.LESSON,
            title="x",
            module_template=ModuleTemplateFactory(university=UniversityFactory()),
        )
    assert services.MODULE_TEMPLATE_OTHER_UNIVERSITY in error.value.messages
    platform_template = ModuleTemplateFactory(university=None)
    module = services.create_module(
        course=course, module_type=ModuleType.LESSON, title="x", module_template=platform_template
    )
    assert module.module_template_id == platform_template.pk


# --- move -------------------------------------------------------------------------------------


@pytest.fixture
def outline():
    """root → U1(L1a → T, L1b), U2(L2a); titles as names."""
    course = CourseFactory()
    make = services.create_module
    u1 = make(course=course, module_type=ModuleType.UNIT, title="U1")
    u2 = make(course=course, module_type=ModuleType.UNIT, title="U2")
    l1a = make(parent=u1, module_type=ModuleType.LESSON, title="L1a")
    l1b = make(parent=u1, module_type=ModuleType.LESSON, title="L1b")
    l2a = make(parent=u2, module_type=ModuleType.LESSON, title="L2a")
    topic = make(parent=l1a, module_type=ModuleType.TOPIC, title="T")
    return course, {"U1": u1, "U2": u2, "L1a": l1a, "L1b": l1b, "L2a": l2a, "T": topic}


def test_move_module_rewrites_subtree_depth_and_keeps_both_sibling_sets_dense(outline):
    course, m = outline
    before = version(course.pk)
    moved = services.move_module(module=m["L1a"], new_parent=m["U2"], position=1)
    assert moved.parent_module_id == m["U2"].pk and moved.sequence_index == 1
    assert child_titles(m["U1"]) == ["L1b"]
    assert child_titles(m["U2"]) == ["L1a", "L2a"]
    assert version(course.pk) == before + 1
    # Up a level: the subtree's depths all drop by one.
    services.move_module(module=m["L1a"], new_parent=root_of(course))
    depths = dict(Module.objects.filter(course=course).values_list("title", "depth"))
    assert depths["L1a"] == 1 and depths["T"] == 2
    assert child_titles(root_of(course)) == ["U1", "U2", "L1a"]
    assert tree_problems(course.pk) == []


def test_move_module_within_the_same_parent_is_a_reorder(outline):
    course, m = outline
    services.move_module(module=m["L1b"], new_parent=m["U1"], position=1)
    assert child_titles(m["U1"]) == ["L1b", "L1a"]
    assert tree_problems(course.pk) == []


@pytest.mark.parametrize("target", ["U1", "L1a", "T"])
def test_move_module_refuses_itself_and_its_descendants(outline, target):
    course, m = outline
    with pytest.raises(ValidationError) as error:
        services.move_module(module=m["U1"], new_parent=m[target])
    assert services.MODULE_CYCLE in error.value.messages
    assert tree_problems(course.pk) == []
    assert Module.objects.get(pk=m["U1"].pk).parent_module_id == root_of(course).pk


def test_move_module_refuses_the_root_and_another_course(outline):
    course, m = outline
    with pytest.raises(ValidationError) as error:
        services.move_module(module=root_of(course), new_parent=m["U1"])
    assert services.MODULE_ROOT_IMMUTABLE in error.value.messages
    with pytest.raises(ValidationError) as error:
        services.move_module(module=m["U1"], new_parent=root_of(CourseFactory()))
    assert services.MODULE_PARENT_OTHER_COURSE in error.value.messages


def test_a_stale_module_object_is_moved_from_where_it_really_is(outline):
    course, m = outline
    stale = Module.objects.get(pk=m["L1a"].pk)
    services.move_module(module=m["L1a"], new_parent=m["U2"])
    services.move_module(module=stale, new_parent=root_of(course))  # stale still says parent U1
    assert child_titles(m["U2"]) == ["L2a"]
    assert tree_problems(course.pk) == []


# --- reorder / delete / publish --------------------------------------------------------------


def test_reorder_module_keeps_siblings_dense(outline):
    course, m = outline
    services.create_module(parent=m["U1"], module_type=ModuleType.LESSON, title="L1c")
    services.reorder_module(module=m["L1a"], position=3)
    assert child_titles(m["U1"]) == ["L1b", "L1c", "L1a"]
    services.reorder_module(module=m["L1a"], position=1)
    assert child_titles(m["U1"]) == ["L1a", "L1b", "L1c"]
    with pytest.raises(ValidationError):
        services.reorder_module(module=m["L1a"], position=4)
    with pytest.raises(ValidationError):
        services.reorder_module(module=root_of(course), position=1)


def test_delete_module_removes_the_subtree_with_its_items_and_closes_the_gap(outline):
    course, m = outline
    ContentItemFactory(module=m["L1a"])
    ContentItemFactory(module=m["T"])
    ContentItemFactory(module=m["L1b"])
    before = version(course.pk)
    counts = services.delete_module(module=m["L1a"])
    assert counts == {"modules": 2, "content_items": 2}
    assert child_titles(m["U1"]) == ["L1b"]
    assert Module.objects.get(pk=m["L1b"].pk).sequence_index == 1
    assert ContentItem.objects.filter(course=course).count() == 1
    assert version(course.pk) == before + 1
    assert tree_problems(course.pk) == []


def test_delete_module_refuses_the_root(outline):
    course, _ = outline
    with pytest.raises(ValidationError) as error:
        services.delete_module(module=root_of(course))
    assert services.MODULE_ROOT_IMMUTABLE in error.value.messages
    assert Module.objects.filter(course=course).count() == 7


def test_publish_with_and_without_the_subtree(outline):
    course, m = outline
    before = version(course.pk)
    assert services.publish_module(module=m["U1"], include_subtree=False) == 1
    assert dict(Module.objects.filter(course=course).values_list("title", "is_published"))["L1a"] is False
    assert services.publish_module(module=m["U1"], include_subtree=True) == 3
    published = dict(Module.objects.filter(course=course).values_list("title", "is_published"))
    assert published["L1a"] and published["L1b"] and published["T"] and not published["U2"]
    services.unpublish_module(module=m["U1"], include_subtree=True)
    assert not Module.objects.filter(course=course, is_published=True).exists()
    assert version(course.pk) == before + 3


# --- a 500-module subtree: query counts do not grow with it ------------------------------------


@pytest.fixture
def big_subtree():
    """A module with 20 children of 24 children each (501 modules), and a sibling to move it under."""
    course = CourseFactory()
    top = services.create_module(course=course, module_type=ModuleType.UNIT, title="Big")
    target = services.create_module(course=course, module_type=ModuleType.UNIT, title="Target")
    chapters = Module.objects.bulk_create(
        Module(
            course=course, parent_module=top, module_type=ModuleType.CHAPTER, title=f"C{i}", sequence_index=i, depth=2
        )
        for i in range(1, 21)
    )
    Module.objects.bulk_create(
        Module(course=course, parent_module=c, module_type=ModuleType.LESSON, title=f"L{j}", sequence_index=j, depth=3)
        for c in chapters
        for j in range(1, 25)
    )
    return course, top, target


def test_moving_a_500_module_subtree_takes_a_bounded_number_of_queries(big_subtree, django_assert_max_num_queries):
    course, top, target = big_subtree
    with django_assert_max_num_queries(11):
        services.move_module(module=top, new_parent=target)
    assert Module.objects.filter(course=course, depth=4).count() == 480
    assert tree_problems(course.pk) == []


def test_publishing_a_500_module_subtree_takes_a_bounded_number_of_queries(big_subtree, django_assert_max_num_queries):
    course, top, _ = big_subtree
    with django_assert_max_num_queries(5):
        assert services.publish_module(module=top, include_subtree=True) == 501
    assert Module.objects.filter(course=course, is_published=True).count() == 501


def test_deleting_a_500_module_subtree_takes_a_bounded_number_of_queries(big_subtree, django_assert_max_num_queries):
    course, top, _ = big_subtree
    # The collector visits each related table once (progress rows of learning included), not each row.
    with django_assert_max_num_queries(25):
        assert services.delete_module(module=top)["modules"] == 501
    assert tree_problems(course.pk) == []


def test_get_course_tree_is_one_query_in_depth_first_order(outline, django_assert_num_queries):
    course, _ = outline
    with django_assert_num_queries(1):
        modules = selectors.get_course_tree(course_id=course.pk)
        root = selectors.assemble_tree(modules)
    assert [module.title for module in modules][1:] == ["U1", "L1a", "T", "L1b", "U2", "L2a"]
    assert [child.module.title for child in root.children] == ["U1", "U2"]
    # The other course's modules stay out.
    CourseFactory()
    assert len(selectors.get_course_tree(course_id=course.pk)) == 7


# --- content items ----------------------------------------------------------------------------


def test_create_content_item_copies_course_and_university_from_the_module(outline):
    course, m = outline
    item = services.create_content_item(
        module=m["L1a"], content_type=builtin_content_type("text"), title="Read", data_json=TEXT_PAYLOAD
    )
    item.refresh_from_db()
    assert (item.course_id, item.university_id, item.sequence_index) == (course.pk, course.university_id, 1)


def test_create_content_item_rejects_a_tenant_that_disagrees_with_the_module(outline):
    _, m = outline
    for extra in ({"course": CourseFactory()}, {"university": UniversityFactory()}):
        with pytest.raises(ValidationError) as error:
            services.create_content_item(
                module=m["L1a"], content_type=builtin_content_type("text"), title="x", data_json=TEXT_PAYLOAD, **extra
            )
        assert services.CONTENT_TENANT_MISMATCH in error.value.messages
    assert not ContentItem.objects.exists()


def test_content_items_keep_a_dense_order(outline):
    _, m = outline
    text = builtin_content_type("text")
    make = services.create_content_item
    a = make(module=m["L1a"], content_type=text, title="a", data_json=TEXT_PAYLOAD)
    b = make(module=m["L1a"], content_type=text, title="b", data_json=TEXT_PAYLOAD)
    make(module=m["L1a"], content_type=text, title="first", data_json=TEXT_PAYLOAD, position=1)
    services.reorder_content_item(item=a, position=3)

    def order():
        return list(
            ContentItem.objects.filter(module=m["L1a"])
            .order_by("sequence_index")
            .values_list("title", "sequence_index")
        )

    assert order() == [("first", 1), ("b", 2), ("a", 3)]
    services.delete_content_item(item=b)
    assert order() == [("first", 1), ("a", 2)]


def test_an_inactive_type_cannot_be_chosen_but_existing_items_keep_it(outline):
    _, m = outline
    custom = ContentTypeFactory()
    item = services.create_content_item(module=m["L1a"], content_type=custom, title="x", data_json={"body": "hi"})
    custom.is_active = False
    custom.save()
    with pytest.raises(ValidationError) as error:
        services.create_content_item(module=m["L1a"], content_type=custom, title="y", data_json={"body": "hi"})
    assert services.CONTENT_TYPE_INACTIVE in error.value.messages
    services.update_content_item(item=item, data_json={"body": "edited"})
    assert ContentItem.objects.get(pk=item.pk).data_json == {"body": "edited"}
    other = services.create_content_item(
        module=m["L1a"], content_type=builtin_content_type("text"), title="z", data_json=TEXT_PAYLOAD
    )
    with pytest.raises(ValidationError):
        services.update_content_item(item=other, content_type=custom, data_json={"body": "x"})


def test_data_json_errors_name_each_json_path(outline):
    _, m = outline
    payload = {
        "blocks": [
            {"type": "paragraph", "text": "ok"},
            {"type": "math"},
            {"type": "image", "asset_id": "seven"},
        ]
    }
    with pytest.raises(ValidationError) as error:
        services.create_content_item(
            module=m["L1a"], content_type=builtin_content_type("text"), title="x", data_json=payload
        )
    assert set(error.value.message_dict) == {"$.blocks[1].latex", "$.blocks[2].asset_id"}
    assert "'latex' is a required property" in error.value.message_dict["$.blocks[1].latex"]
    with pytest.raises(ValidationError) as error:
        services.create_content_item(
            module=m["L1a"], content_type=builtin_content_type("text"), title="x", data_json=[]
        )
    assert list(error.value.message_dict) == ["$"]
    assert not ContentItem.objects.exists()


def test_update_content_item_validates_the_payload_too(outline):
    _, m = outline
    item = ContentItemFactory(module=m["L1a"])
    with pytest.raises(ValidationError) as error:
        services.update_content_item(item=item, data_json={"blocks": [{"type": "paragraph"}]})
    assert "$.blocks[0].text" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.update_content_item(item=item, course=CourseFactory())


def _quiz(pool_id):
    return {"question_pool_id": pool_id, "quiz_mode": "practice", "num_questions_per_attempt": 3}


def test_a_quiz_pool_must_exist_and_belong_to_the_same_course(outline):
    course, m = outline
    quiz = builtin_content_type("quiz")
    with pytest.raises(ValidationError) as error:
        services.create_content_item(
            module=m["L1a"], content_type=quiz, title="q", data_json=_quiz(QuestionPoolFactory().pk)
        )
    assert error.value.message_dict == {"$.question_pool_id": [services.QUIZ_POOL_OTHER_COURSE]}
    with pytest.raises(ValidationError) as error:
        services.create_content_item(module=m["L1a"], content_type=quiz, title="q", data_json=_quiz(10**9))
    assert error.value.message_dict == {"$.question_pool_id": [services.QUIZ_POOL_MISSING]}
    pool = services.create_question_pool(course=course, title="Pool")
    item = services.create_content_item(module=m["L1a"], content_type=quiz, title="q", data_json=_quiz(pool.pk))
    assert item.data_json["question_pool_id"] == pool.pk


def test_assets_must_be_the_universitys_or_platform_wide(outline):
    course, m = outline
    text = builtin_content_type("text")

    def with_image(asset_id):
        return {"blocks": [{"type": "image", "asset_id": asset_id}]}

    own = AssetFactory(university=course.university)
    platform = AssetFactory(university=None)
    foreign = AssetFactory()
    for asset in (own, platform):
        services.create_content_item(module=m["L1a"], content_type=text, title="ok", data_json=with_image(asset.pk))
    with pytest.raises(ValidationError) as error:
        services.create_content_item(module=m["L1a"], content_type=text, title="no", data_json=with_image(foreign.pk))
    assert services.ASSET_OTHER_UNIVERSITY.format(asset_id=foreign.pk) in error.value.messages
    with pytest.raises(ValidationError) as error:
        services.create_content_item(module=m["L1a"], content_type=text, title="no", data_json=with_image(10**9))
    assert services.ASSET_MISSING.format(asset_id=10**9) in error.value.messages


# --- question bank ----------------------------------------------------------------------------


def test_a_question_pool_takes_its_university_from_the_course():
    course = CourseFactory()
    pool = services.create_question_pool(course=course, title="Bank")
    assert pool.university_id == course.university_id
    with pytest.raises(ValidationError) as error:
        services.create_question_pool(course=course, title="Bank", university=UniversityFactory())
    assert services.POOL_TENANT_MISMATCH in error.value.messages


CHOICES = [{"key": "a", "text": "3"}, {"key": "b", "text": "4"}, {"key": "c", "text": "5"}]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"question_type": "multiple_choice", "choices": CHOICES, "correct_answer": "b"}, None),
        (
            {"question_type": "multiple_choice", "choices": CHOICES, "correct_answer": ["a", "b"]},
            services.MULTIPLE_CHOICE_ONE_CORRECT,
        ),
        (
            {"question_type": "multiple_choice", "choices": CHOICES, "correct_answer": "z"},
            services.MULTIPLE_CHOICE_ONE_CORRECT,
        ),
        (
            {"question_type": "multiple_choice", "choices": [{"key": "a", "text": "x"}], "correct_answer": "a"},
            services.CHOICES_INVALID,
        ),
        (
            {"question_type": "multiple_choice", "choices": [{"key": "a", "text": "x"}] * 2, "correct_answer": "a"},
            services.CHOICES_INVALID,
        ),
        ({"question_type": "multiple_select", "choices": CHOICES, "correct_answer": ["a", "c"]}, None),
        (
            {"question_type": "multiple_select", "choices": CHOICES, "correct_answer": []},
            services.MULTIPLE_SELECT_AT_LEAST_ONE,
        ),
        (
            {"question_type": "multiple_select", "choices": CHOICES, "correct_answer": ["a", "x"]},
            services.MULTIPLE_SELECT_AT_LEAST_ONE,
        ),
        ({"question_type": "true_false", "correct_answer": False}, None),
        ({"question_type": "true_false", "correct_answer": "true"}, services.TRUE_FALSE_BOOLEAN),
        ({"question_type": "true_false", "correct_answer": True, "choices": CHOICES}, services.CHOICES_NOT_ALLOWED),
        ({"question_type": "numeric", "correct_answer": 9.81, "numeric_tolerance": 0.01}, None),
        ({"question_type": "numeric", "correct_answer": 9.81}, None),
        ({"question_type": "numeric", "correct_answer": "9.81"}, services.NUMERIC_NUMBER),
        ({"question_type": "numeric", "correct_answer": True}, services.NUMERIC_NUMBER),
        ({"question_type": "numeric", "correct_answer": 1, "numeric_tolerance": -0.5}, services.NUMERIC_TOLERANCE),
        ({"question_type": "short_text", "correct_answer": ["Newton", "N"]}, None),
        ({"question_type": "short_text", "correct_answer": []}, services.SHORT_TEXT_ANSWERS),
        ({"question_type": "short_text", "correct_answer": ["  "]}, services.SHORT_TEXT_ANSWERS),
        (
            {"question_type": "short_text", "correct_answer": ["x"], "numeric_tolerance": 1},
            services.TOLERANCE_ONLY_NUMERIC,
        ),
        ({"question_type": "true_false", "correct_answer": True, "points": -1}, services.POINTS_NEGATIVE),
    ],
)
def test_questions_are_validated_by_type(fields, expected):
    pool = QuestionPoolFactory()
    if expected is None:
        question = services.create_question(pool=pool, prompt="Q?", **fields)
        question.refresh_from_db()
        assert question.sequence_index == 1
    else:
        with pytest.raises(ValidationError) as error:
            services.create_question(pool=pool, prompt="Q?", **fields)
        assert expected in error.value.messages
        assert not Question.objects.filter(pool=pool).exists()


def test_update_question_revalidates_and_numbering_continues():
    pool = QuestionPoolFactory()
    first = services.create_question(
        pool=pool, prompt="2+2?", question_type="multiple_choice", choices=CHOICES, correct_answer="b"
    )
    second = services.create_question(pool=pool, prompt="g?", question_type=QuestionType.NUMERIC, correct_answer=9.81)
    assert (first.sequence_index, second.sequence_index) == (1, 2)
    with pytest.raises(ValidationError) as error:
        services.update_question(question=first, correct_answer="q")
    assert services.MULTIPLE_CHOICE_ONE_CORRECT in error.value.messages
    services.update_question(question=second, question_type=QuestionType.TRUE_FALSE, correct_answer=True)
    second.refresh_from_db()
    assert (second.question_type, second.numeric_tolerance) == ("true_false", None)


# --- concurrency: real threads, each with its own connection -------------------------------------


def run_concurrently(functions):
    """Start every function at the same moment on its own thread; answer (results, errors)."""
    import threading

    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def worker(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as error:  # collected and asserted on by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_inserts_at_the_same_position_neither_collide_nor_leave_gaps():
    course = CourseFactory()
    unit = services.create_module(course=course, module_type=ModuleType.UNIT, title="U")
    writers = [
        (lambda n=n: services.create_module(parent=unit, module_type=ModuleType.LESSON, title=f"L{n}", position=1))
        for n in range(8)
    ]
    _, errors = run_concurrently(writers)
    assert errors == []
    assert sorted(Module.objects.filter(parent_module=unit).values_list("sequence_index", flat=True)) == list(
        range(1, 9)
    )
    assert tree_problems(course.pk) == []


@pytest.mark.django_db(transaction=True)
def test_crossed_concurrent_moves_cannot_close_a_cycle():
    course = CourseFactory()
    a = services.create_module(course=course, module_type=ModuleType.UNIT, title="A")
    b = services.create_module(course=course, module_type=ModuleType.UNIT, title="B")
    _, errors = run_concurrently(
        [lambda: services.move_module(module=a, new_parent=b), lambda: services.move_module(module=b, new_parent=a)]
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert services.MODULE_CYCLE in errors[0].messages
    assert tree_problems(course.pk) == []


# --- module, pool and question edits (update_module, update/delete_question_pool, delete_question) ---


def test_update_module_renames_retypes_and_bumps_the_structure_version(world):
    lesson = ModuleFactory(parent_module=world.a.root_module, module_type=ModuleType.LESSON, title="Old")
    before = version(world.a.course.pk)
    services.update_module(
        actor=world.a.instructor, module=lesson, title="New", description="", module_type=ModuleType.CHAPTER
    )
    lesson.refresh_from_db()
    assert (lesson.title, lesson.description, lesson.module_type) == ("New", None, ModuleType.CHAPTER)
    assert version(world.a.course.pk) == before + 1


def test_update_module_refuses_root_type_blank_title_and_other_tenants(world):
    from django.core.exceptions import PermissionDenied

    lesson = ModuleFactory(parent_module=world.a.root_module, title="Keep")
    with pytest.raises(ValidationError) as error:
        services.update_module(actor=None, module=lesson, title="X", module_type=ModuleType.COURSE_ROOT)
    assert services.MODULE_ROOT_NOT_CREATABLE in str(error.value)
    with pytest.raises(ValidationError):
        services.update_module(actor=None, module=Module.objects.get(pk=lesson.pk), title="")
    with pytest.raises(PermissionDenied):
        services.update_module(actor=world.b.instructor, module=Module.objects.get(pk=lesson.pk), title="Hijack")
    with pytest.raises(PermissionDenied):
        services.update_module(actor=world.a.student, module=Module.objects.get(pk=lesson.pk), title="Hijack")
    assert Module.objects.get(pk=lesson.pk).title == "Keep"


def test_delete_question_closes_the_gap_and_keeps_order(world):
    from syllabus.tests.factories import QuestionFactory

    pool = QuestionPoolFactory(course=world.a.course)
    questions = [QuestionFactory(pool=pool, prompt=f"Q{n}") for n in range(1, 6)]
    services.delete_question(actor=world.a.instructor, question=questions[1])
    assert list(pool.questions.order_by("sequence_index").values_list("prompt", "sequence_index")) == [
        ("Q1", 1),
        ("Q3", 2),
        ("Q4", 3),
        ("Q5", 4),
    ]
    services.delete_question(actor=None, question=questions[4])
    assert list(pool.questions.order_by("sequence_index").values_list("sequence_index", flat=True)) == [1, 2, 3]


def test_a_pool_used_by_a_quiz_cannot_be_deleted_until_the_quiz_stops_using_it(world):
    from syllabus.models import QuestionPool
    from syllabus.tests.factories import QuestionFactory, QuizContentItemFactory

    lesson = ModuleFactory(parent_module=world.a.root_module)
    quiz = QuizContentItemFactory(module=lesson, title="Checkpoint quiz")
    pool = QuestionPool.objects.get(pk=quiz.data_json["question_pool_id"])
    QuestionFactory(pool=pool)
    with pytest.raises(ValidationError) as error:
        services.delete_question_pool(actor=world.a.instructor, pool=pool)
    assert "“Checkpoint quiz”" in str(error.value)
    assert QuestionPool.objects.filter(pk=pool.pk).exists() and pool.questions.count() == 1
    services.delete_content_item(actor=None, item=quiz)
    services.delete_question_pool(actor=world.a.instructor, pool=pool)
    assert not QuestionPool.objects.filter(pk=pool.pk).exists()
    assert not Question.objects.filter(pool_id=pool.pk).exists()


def test_update_question_pool_validates_and_checks_the_author(world):
    from django.core.exceptions import PermissionDenied

    pool = QuestionPoolFactory(course=world.a.course, title="Old")
    services.update_question_pool(actor=world.a.instructor, pool=pool, title="Derivatives", description="")
    pool.refresh_from_db()
    assert (pool.title, pool.description) == ("Derivatives", None)
    with pytest.raises(ValidationError):
        services.update_question_pool(actor=None, pool=pool, title="")
    with pytest.raises(PermissionDenied):
        services.update_question_pool(actor=world.b.university_admin, pool=pool, title="Hijack")
    pool.refresh_from_db()
    assert pool.title == "Derivatives"
