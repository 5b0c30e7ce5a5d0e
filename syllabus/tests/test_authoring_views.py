"""Authoring views: the permission matrix for every view, happy paths and the tree page's query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Course, OfferingStaffRole
from catalog.tests.factories import CourseFactory, CourseOfferingFactory, CourseOfferingInstructorFactory
from syllabus import services
from syllabus.models import Asset, ContentItem, Module, ModuleTemplate, ModuleType, Question, QuestionPool
from syllabus.permissions import can_edit_course, can_view_authoring, courses_editable_by, get_course_for_author
from syllabus.tests.factories import (
    AssetFactory,
    ContentItemFactory,
    ModuleTemplateFactory,
    QuestionFactory,
    QuestionPoolFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    """World A's course with a lesson, an item, a pool with a question; an instructor of another course."""
    a = world.a
    lesson = services.create_module(course=a.course, module_type=ModuleType.LESSON, title="Lesson 1")
    services.create_module(parent=lesson, module_type=ModuleType.TOPIC, title="Topic 1.1")
    item = ContentItemFactory(module=lesson)
    pool = QuestionPoolFactory(course=a.course)
    question = QuestionFactory(pool=pool)
    asset = AssetFactory(university=a.university, meta_json={"alt_text": "Before"})
    other_course = CourseFactory(university=a.university, department=a.department)
    other_instructor = world.b.instructor.__class__.objects.create_user(
        email="other-instructor@a.example.edu", password="x", full_name="Other"
    )
    CourseOfferingInstructorFactory(
        course_offering=CourseOfferingFactory(course=other_course),
        user=other_instructor,
        role=OfferingStaffRole.INSTRUCTOR,
    )
    return {
        "world": world,
        "lesson": lesson,
        "item": item,
        "pool": pool,
        "question": question,
        "asset": asset,
        "other_instructor": other_instructor,
        "other_course": other_course,
    }


def _urls(s) -> list[tuple[str, str, bool]]:
    """(name, url, is_write) for every course-scoped authoring view."""
    c = s["world"].a.course.pk
    m, i, p, q = s["lesson"].pk, s["item"].pk, s["pool"].pk, s["question"].pk
    r = lambda name, *args: reverse(f"syllabus:{name}", args=[c, *args])  # noqa: E731
    return [
        ("syllabus-tree", r("syllabus-tree"), False),
        ("syllabus-copy", r("syllabus-copy"), False),
        ("module-preview", r("module-preview", m), False),
        ("item-preview", r("item-preview", i), False),
        ("pool-list", r("pool-list"), False),
        ("pool-detail", r("pool-detail", p), False),
        ("asset-list", r("asset-list"), False),
        ("asset-edit", r("asset-edit", s["asset"].pk), True),
        ("module-create", r("module-create", m), True),
        ("module-edit", r("module-edit", m), True),
        ("module-delete", r("module-delete", m), True),
        ("module-move", r("module-move", m), True),
        ("module-publish", r("module-publish", m), True),
        ("module-unpublish", r("module-unpublish", m), True),
        ("template-create", r("template-create", m), True),
        ("template-instantiate", r("template-instantiate"), True),
        ("item-create", r("item-create", m) + "?type=text", True),
        ("item-edit", r("item-edit", i), True),
        ("item-delete", r("item-delete", i), True),
        ("pool-create", r("pool-create"), True),
        ("pool-edit", r("pool-edit", p), True),
        ("pool-delete", r("pool-delete", p), True),
        ("question-create", r("question-create", p), True),
        ("question-edit", r("question-edit", p, q), True),
        ("question-delete", r("question-delete", p, q), True),
        ("question-import", r("question-import", p), True),
    ]


_POST_ONLY = ["module-step", "item-step", "module-reorder", "course-publish"]


def _post_only_urls(s):
    c = s["world"].a.course.pk
    return [
        reverse("syllabus:module-step", args=[c, s["lesson"].pk]),
        reverse("syllabus:item-step", args=[c, s["item"].pk]),
        reverse("syllabus:module-reorder", args=[c]),
        reverse("syllabus:course-publish", args=[c]),
    ]


@pytest.mark.parametrize(
    "who, reads, writes",
    [
        ("instructor", 200, 200),
        ("department_admin", 200, 200),
        ("university_admin", 200, 200),
        ("platform_admin", 200, 200),
        ("superuser", 200, 200),
        ("ta", 200, 404),
        ("student", 404, 404),
        ("other_instructor", 404, 404),
        ("b_university_admin", 404, 404),
        ("b_instructor", 404, 404),
    ],
)
def test_permission_matrix_every_view(client, setup, who, reads, writes):
    world = setup["world"]
    user = {
        "instructor": world.a.instructor,
        "department_admin": world.a.department_admin,
        "university_admin": world.a.university_admin,
        "platform_admin": world.platform_admin,
        "superuser": world.superuser,
        "ta": world.a.ta,
        "student": world.a.student,
        "other_instructor": setup["other_instructor"],
        "b_university_admin": world.b.university_admin,
        "b_instructor": world.b.instructor,
    }[who]
    client.force_login(user)
    for name, url, is_write in _urls(setup):
        expected = writes if is_write else reads
        assert client.get(url).status_code == expected, (who, name)
    structure_before = Course.objects.get(pk=world.a.course.pk).structure_version
    for url in _post_only_urls(setup):
        status = client.post(url, {"direction": "down", "is_published": "1"}).status_code
        if writes == 404:
            assert status == 404, (who, url)
        else:
            assert status in (302, 400), (who, url)
    if writes == 404:
        assert Course.objects.get(pk=world.a.course.pk).structure_version == structure_before


_USERS = {
    "instructor": lambda s: s["world"].a.instructor,
    "department_admin": lambda s: s["world"].a.department_admin,
    "university_admin": lambda s: s["world"].a.university_admin,
    "platform_admin": lambda s: s["world"].platform_admin,
    "superuser": lambda s: s["world"].superuser,
    "ta": lambda s: s["world"].a.ta,
    "student": lambda s: s["world"].a.student,
    "other_instructor": lambda s: s["other_instructor"],
    "b_university_admin": lambda s: s["world"].b.university_admin,
    "b_instructor": lambda s: s["world"].b.instructor,
}


@pytest.mark.parametrize(
    "who, listed, file_status",
    [
        ("instructor", True, 200),
        ("department_admin", True, 200),
        ("university_admin", True, 200),
        ("platform_admin", True, 200),
        ("superuser", True, 200),
        ("ta", True, 200),
        ("student", False, 404),
        # Teaches another course of the same university: may use (and so fetch from) its asset library.
        ("other_instructor", False, 200),
        ("b_university_admin", False, 404),
        ("b_instructor", False, 404),
    ],
)
def test_permission_matrix_course_list_and_asset_file(client, setup, settings, tmp_path, who, listed, file_status):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from syllabus.assets import upload_asset

    settings.MEDIA_ROOT = tmp_path
    world = setup["world"]
    asset = upload_asset(university=world.a.university, file=SimpleUploadedFile("doc.pdf", b"%PDF-1.4 hello"))
    client.force_login(_USERS[who](setup))
    page = client.get(reverse("syllabus:course-list"))
    assert page.status_code == 200
    assert (world.a.course.title in page.content.decode()) is listed, who
    sees_b = who in ("platform_admin", "superuser", "b_university_admin", "b_instructor")
    assert (world.b.course.title in page.content.decode()) is sees_b, who
    response = client.get(reverse("syllabus:asset-file", args=[asset.pk]))
    assert response.status_code == file_status, who
    if file_status == 200:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 hello"


def _everything() -> tuple:
    """Every row a denied post could have written."""
    return (
        list(Module.objects.order_by("pk").values_list("pk", "parent_module_id", "sequence_index", "title", "is_published")),
        list(ContentItem.objects.order_by("pk").values_list("pk", "module_id", "sequence_index", "title")),
        list(QuestionPool.objects.order_by("pk").values_list("pk", "title")),
        list(Question.objects.order_by("pk").values_list("pk", "pool_id", "sequence_index", "prompt")),
        list(Course.objects.order_by("pk").values_list("pk", "code", "structure_version", "is_published")),
        list(ModuleTemplate.objects.order_by("pk").values_list("pk", "title")),
        list(Asset.objects.order_by("pk").values_list("pk", "meta_json")),
    )


@pytest.mark.parametrize("who", ["ta", "student", "other_instructor", "b_university_admin", "b_instructor"])
def test_denied_posts_write_nothing(client, setup, who):
    """Every form view, posted with data an editor's post would be saved from, by someone who may not edit."""
    world = setup["world"]
    template = ModuleTemplateFactory(university=world.a.university, template_type=ModuleType.LESSON)
    root = world.a.root_module.pk
    payload = {
        "title": "Hacked", "module_type": "lesson", "description": "x", "new_parent": root, "position": "1",
        "include_subtree": "on", "template": template.pk, "parent": root, "content_type": "text",
        "blocks-TOTAL_FORMS": "1", "blocks-INITIAL_FORMS": "0", "blocks-0-kind": "paragraph",
        "blocks-0-text": "Hacked", "prompt_label": "production", "is_active": "on", "question_type": "true_false",
        "prompt": "Hacked?", "correct_answer": "true", "points": "1", "format": "gift", "text": "Hacked? {T}",
        "alt_text": "Hacked", "destination": "new", "code": "HACK1", "confirm": "on", "target": setup["other_course"].pk,
    }  # fmt: skip
    client.force_login(_USERS[who](setup))
    before = _everything()
    for name, url, is_write in _urls(setup):
        response = client.post(url, payload)
        if is_write:
            assert response.status_code == 404, (who, name)
        else:
            assert response.status_code in (200, 302, 404, 405), (who, name)
    assert _everything() == before
    # The same post by the course's instructor does write (so the assertion above can fail).
    client.force_login(world.a.instructor)
    client.post(reverse("syllabus:pool-create", args=[world.a.course.pk]), payload)
    assert _everything() != before


def test_anonymous_is_sent_to_login(client, setup):
    for name, url, _ in _urls(setup):
        response = client.get(url)
        assert response.status_code == 302, name
        assert reverse("accounts:login") in response["Location"], name
    assert client.get(reverse("syllabus:course-list")).status_code == 302


def test_unknown_course_is_404(client, setup):
    client.force_login(setup["world"].superuser)
    assert client.get(reverse("syllabus:syllabus-tree", args=[999999])).status_code == 404


def test_objects_of_another_course_are_404(client, setup):
    """A module id of course B under course A's URL is not found, even for an editor of both."""
    world = setup["world"]
    client.force_login(world.superuser)
    url = reverse("syllabus:module-edit", args=[world.a.course.pk, world.b.root_module.pk])
    assert client.get(url).status_code == 404


def test_policy_functions(setup):
    world = setup["world"]
    course = world.a.course
    assert can_edit_course(world.a.instructor, course)
    assert not can_edit_course(world.a.ta, course)
    assert can_view_authoring(world.a.ta, course)
    assert not can_view_authoring(world.a.student, course)
    assert not can_edit_course(world.b.university_admin, course)
    assert set(courses_editable_by(world.a.instructor)) == {course}
    assert world.b.course not in courses_editable_by(world.a.university_admin)
    assert setup["other_course"] in courses_editable_by(world.a.department_admin)
    assert courses_editable_by(world.platform_admin).count() == Course.objects.count()
    from django.http import Http404

    with pytest.raises(Http404):
        get_course_for_author(world.a.ta, course.pk, edit=True)


def test_teach_list_shows_only_own_courses_and_nav_link(client, setup):
    world = setup["world"]
    client.force_login(world.a.ta)
    page = client.get(reverse("syllabus:course-list")).content.decode()
    assert world.a.course.title in page and world.b.course.title not in page
    assert "View only" in page
    assert 'href="/teach/"' in page  # the nav link
    client.force_login(world.a.student)
    home = client.get(reverse("syllabus:course-list")).content.decode()
    assert world.a.course.title not in home
    assert 'href="/teach/"' not in client.get("/", follow=True).content.decode()


def test_ta_sees_read_only_tree(client, setup):
    client.force_login(setup["world"].a.ta)
    page = client.get(reverse("syllabus:syllabus-tree", args=[setup["world"].a.course.pk])).content.decode()
    assert "Lesson 1" in page and "Read-only" in page
    assert "Add child" not in page and "draggable" not in page


# --- the tree page ------------------------------------------------------------------------------------


def test_tree_lists_modules_items_and_state(client, setup):
    world = setup["world"]
    client.force_login(world.a.instructor)
    page = client.get(reverse("syllabus:syllabus-tree", args=[world.a.course.pk])).content.decode()
    assert "Lesson 1" in page and "Topic 1.1" in page and setup["item"].title in page
    assert page.count("<ul") == page.count("</ul>")
    assert "syllabus-sortable.js" in page


@pytest.mark.slow
def test_tree_page_query_count_is_constant_for_2000_modules(client, world, django_assert_max_num_queries):
    course = world.a.course
    root = world.a.root_module
    rows = []
    # 40 units × 49 lessons + 40 = 2,000 modules, built in bulk (the services are tested elsewhere).
    units = Module.objects.bulk_create(
        Module(
            course=course, parent_module=root, module_type=ModuleType.UNIT, title=f"Unit {u}", sequence_index=u, depth=1
        )
        for u in range(1, 41)
    )
    for unit in units:
        rows.extend(
            Module(course=course, parent_module=unit, module_type=ModuleType.LESSON, title=f"L {unit.pk}.{n}",
                   sequence_index=n, depth=2)
            for n in range(1, 50)
        )  # fmt: skip
    lessons = Module.objects.bulk_create(rows)
    for lesson in lessons[:200]:
        ContentItemFactory(module=lesson)
    assert Module.objects.filter(course=course).count() == 2001
    client.force_login(world.a.instructor)
    url = reverse("syllabus:syllabus-tree", args=[course.pk])
    with django_assert_max_num_queries(9) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="tree-node"') == 2001
    small = Course.objects.get(pk=world.b.course.pk)
    client.force_login(world.b.instructor)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        assert client.get(reverse("syllabus:syllabus-tree", args=[small.pk])).status_code == 200


# --- structure edits -------------------------------------------------------------------------------------


def test_add_child_and_sibling(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    client.force_login(world.a.instructor)
    c = world.a.course.pk
    url = reverse("syllabus:module-create", args=[c, lesson.pk])
    assert client.post(url, {"title": "Child", "module_type": "topic"}).status_code == 302
    assert client.post(url + "?as=sibling", {"title": "Sibling", "module_type": "lesson"}).status_code == 302
    child = Module.objects.get(title="Child")
    sibling = Module.objects.get(title="Sibling")
    assert child.parent_module_id == lesson.pk and child.depth == 2 and child.sequence_index == 2
    assert sibling.parent_module_id == world.a.root_module.pk and sibling.sequence_index == lesson.sequence_index + 1


def test_edit_module(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    client.force_login(world.a.instructor)
    version = Course.objects.get(pk=world.a.course.pk).structure_version
    url = reverse("syllabus:module-edit", args=[world.a.course.pk, lesson.pk])
    assert client.post(url, {"title": "Renamed", "module_type": "chapter", "description": "d"}).status_code == 302
    lesson.refresh_from_db()
    assert (lesson.title, lesson.module_type) == ("Renamed", "chapter")
    assert Course.objects.get(pk=world.a.course.pk).structure_version > version


def test_delete_confirmation_counts_and_deletes(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    client.force_login(world.a.instructor)
    url = reverse("syllabus:module-delete", args=[world.a.course.pk, lesson.pk])
    page = client.get(url).content.decode()
    assert "2 modules" in page and "1 content item" in page
    response = client.post(url, follow=True)
    assert "Deleted 2 module(s) and 1 content item(s)." in response.content.decode()
    assert not Module.objects.filter(pk=lesson.pk).exists()


def test_move_into_own_descendant_is_refused(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    topic = Module.objects.get(title="Topic 1.1")
    client.force_login(world.a.instructor)
    url = reverse("syllabus:module-move", args=[world.a.course.pk, lesson.pk])
    page = client.get(url).content.decode()
    assert f'value="{topic.pk}"' not in page  # descendants are not offered
    response = client.post(url, {"new_parent": topic.pk})
    assert response.status_code == 200
    assert services.MODULE_CYCLE in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.parent_module_id == world.a.root_module.pk


def test_move_page_and_reorder_endpoint(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    second = services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Lesson 2")
    client.force_login(world.a.instructor)
    c = world.a.course.pk
    assert (
        client.post(reverse("syllabus:module-move", args=[c, second.pk]), {"new_parent": lesson.pk}).status_code == 302
    )
    second.refresh_from_db()
    assert second.parent_module_id == lesson.pk and second.depth == 2
    response = client.post(
        reverse("syllabus:module-reorder", args=[c]),
        {"module": second.pk, "parent": world.a.root_module.pk, "position": 1},
        content_type="application/json",
    )
    assert response.json() == {"ok": True}
    second.refresh_from_db()
    assert (second.parent_module_id, second.sequence_index, second.depth) == (world.a.root_module.pk, 1, 1)
    bad = client.post(
        reverse("syllabus:module-reorder", args=[c]),
        {"module": lesson.pk, "parent": Module.objects.get(title="Topic 1.1").pk, "position": 1},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"] == services.MODULE_CYCLE


def test_up_down_buttons(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    second = services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Lesson 2")
    client.force_login(world.a.instructor)
    client.post(reverse("syllabus:module-step", args=[world.a.course.pk, second.pk]), {"direction": "up"})
    second.refresh_from_db()
    lesson.refresh_from_db()
    assert (second.sequence_index, lesson.sequence_index) == (1, 2)


def test_publish_module_with_subtree_and_course(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    client.force_login(world.a.instructor)
    c = world.a.course.pk
    Module.objects.filter(course_id=c).update(is_published=False)
    client.post(reverse("syllabus:module-publish", args=[c, lesson.pk]), {"include_subtree": "on"})
    assert Module.objects.get(title="Topic 1.1").is_published
    client.post(reverse("syllabus:module-unpublish", args=[c, lesson.pk]), {})
    lesson.refresh_from_db()
    assert not lesson.is_published and Module.objects.get(title="Topic 1.1").is_published
    version = Course.objects.get(pk=c).structure_version
    client.post(reverse("syllabus:course-publish", args=[c]), {"is_published": "0"})
    course = Course.objects.get(pk=c)
    assert not course.is_published and course.structure_version > version


def test_preview_hides_unpublished_and_inactive(client, setup):
    world, lesson = setup["world"], setup["lesson"]
    services.publish_module(module=world.a.root_module, include_subtree=True)
    topic = Module.objects.get(title="Topic 1.1")
    services.unpublish_module(module=topic)
    hidden = ContentItemFactory(module=lesson, is_active=False, title="Hidden item")
    client.force_login(world.a.ta)
    page = client.get(reverse("syllabus:module-preview", args=[world.a.course.pk, lesson.pk])).content.decode()
    assert "Preview as student" in page and "<math" in page
    assert "Topic 1.1" not in page and hidden.title not in page
    item_page = client.get(reverse("syllabus:item-preview", args=[world.a.course.pk, hidden.pk])).content.decode()
    assert "Students cannot see this yet" in item_page


def test_item_step(client, setup):
    world, lesson, item = setup["world"], setup["lesson"], setup["item"]
    second = ContentItemFactory(module=lesson)
    client.force_login(world.a.instructor)
    client.post(reverse("syllabus:item-step", args=[world.a.course.pk, second.pk]), {"direction": "up"})
    assert ContentItem.objects.get(pk=second.pk).sequence_index == 1
    assert ContentItem.objects.get(pk=item.pk).sequence_index == 2


def test_deleting_a_pool_a_quiz_uses_shows_why_and_keeps_it(client, world):
    from syllabus.models import QuestionPool
    from syllabus.tests.factories import ModuleFactory, QuizContentItemFactory

    quiz = QuizContentItemFactory(module=ModuleFactory(parent_module=world.a.root_module), title="Unit quiz")
    pool_id = quiz.data_json["question_pool_id"]
    client.force_login(world.a.instructor)
    response = client.post(reverse("syllabus:pool-delete", args=[world.a.course.pk, pool_id]), follow=True)
    assert response.status_code == 200 and "“Unit quiz”" in response.content.decode()
    assert QuestionPool.objects.filter(pk=pool_id).exists()


def _chain(course, parent, depth):
    for level in range(depth):
        parent = services.create_module(parent=parent, module_type=ModuleType.TOPIC, title=f"Level {level}")
    return parent


def test_preview_query_count_does_not_grow_with_depth(client, world, django_assert_max_num_queries):
    services.publish_module(module=world.a.root_module, include_subtree=True)
    shallow = _chain(world.a.course, world.a.root_module, 1)
    deep = _chain(world.a.course, world.a.root_module, 20)
    services.publish_module(module=world.a.root_module, include_subtree=True)
    client.force_login(world.a.instructor)
    c = world.a.course.pk
    with django_assert_max_num_queries(50) as shallow_queries:
        assert client.get(reverse("syllabus:module-preview", args=[c, shallow.pk])).status_code == 200
    with django_assert_max_num_queries(len(shallow_queries.captured_queries)):
        page = client.get(reverse("syllabus:module-preview", args=[c, deep.pk])).content.decode()
    assert "Students cannot see this yet" not in page
    services.unpublish_module(module=Module.objects.get(course_id=c, title="Level 3"))
    page = client.get(reverse("syllabus:module-preview", args=[c, deep.pk])).content.decode()
    assert "Students cannot see this yet" in page


def test_pool_page_renders_latex_as_mathml_and_shows_the_explanation(client, world):
    pool = QuestionPoolFactory(course=world.a.course)
    services.create_question(
        pool=pool,
        question_type="true_false",
        prompt="Is $$\\frac{1}{2} < 1$$? <b>bold</b>",
        correct_answer=True,
        explanation="Because $$1 < 2$$.",
    )
    client.force_login(world.a.ta)
    page = client.get(reverse("syllabus:pool-detail", args=[world.a.course.pk, pool.pk])).content.decode()
    assert "<mfrac>" in page and "$$" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page  # the text around the math stays escaped
    assert "Explanation: Because <math" in page


def test_asset_list_is_paginated(client, world):
    from syllabus.views.bank import ASSETS_PER_PAGE

    Asset.objects.bulk_create(
        Asset(university=world.a.university, url=f"https://cdn.example.edu/{n}.png", asset_type="image",
              meta_json={"original_name": f"file-{n:04d}.png"})
        for n in range(ASSETS_PER_PAGE + 5)
    )  # fmt: skip
    client.force_login(world.a.instructor)
    url = reverse("syllabus:asset-list", args=[world.a.course.pk])
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert first.count("file-") == ASSETS_PER_PAGE and second.count("file-") == 5
    assert "Page 1 of 2" in first and "?page=2" in first
    assert client.get(url + "?page=99").status_code == 200
