"""Bad input on every authoring form: a field (or row, or file) error the author can act on, nothing written,
never a 500. Each test goes through the view, as an author would."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import Course
from lms import json_input
from syllabus import library, question_import, services
from syllabus.content_schemas import SCHEMA_INVALID
from syllabus.forms.structure import ANSWER_NOT_A_NUMBER
from syllabus.models import Asset, ContentItem, ContentType, Module, ModuleTemplate, ModuleType, Question, QuestionPool
from syllabus.tests.factories import AssetFactory, ContentTypeFactory, QuestionPoolFactory, builtin_content_type
from syllabus.tests.test_editor_forms import COMMON
from syllabus.views.tree import REORDER_FIELDS_REQUIRED, REORDER_UNKNOWN_MODULE

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(world):
    return services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Lesson")


@pytest.fixture
def author(client, world):
    client.force_login(world.a.instructor)
    return client


def _url(name, world, *args):
    return reverse(f"syllabus:{name}", args=[world.a.course.pk, *args])


# --- questions: numbers beyond a double ------------------------------------------------------------------


def test_numeric_answer_1e400_is_a_field_error(author, world):
    pool = QuestionPoolFactory(course=world.a.course)
    response = author.post(
        _url("question-create", world, pool.pk),
        {"question_type": "numeric", "prompt": "Big?", "correct_answer": "1e400", "points": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["correct_answer"] == [ANSWER_NOT_A_NUMBER]
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "fmt, text",
    [
        ("gift", "Big? {#1e400}\n"),
        ("csv", "type,prompt,choices,answer,tolerance,points,explanation\nnumeric,Big?,,1e400,,1,\n"),
    ],
)
def test_import_numeric_answer_1e400_is_a_row_error(author, world, fmt, text):
    pool = QuestionPoolFactory(course=world.a.course)
    response = author.post(_url("question-import", world, pool.pk), {"format": fmt, "text": text})
    assert response.status_code == 200
    assert "“1e400” is not a number." in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "row, column",
    [
        ("numeric,Big?,,3,,1234567,", "points"),  # 6 digits with 2 after the point: at most 9999.99
        ("numeric,Big?,,3,1e20,1,", "numeric_tolerance"),  # 12 digits, 6 after the point
    ],
)
def test_import_numbers_beyond_the_columns_are_row_errors(author, world, row, column):
    pool = QuestionPoolFactory(course=world.a.course)
    text = "type,prompt,choices,answer,tolerance,points,explanation\ntrue_false,Fine,,true,,1,\n" + row + "\n"
    response = author.post(_url("question-import", world, pool.pk), {"format": "csv", "text": text})
    assert response.status_code == 200
    rows = response.context["row_errors"]
    assert len(rows) == 1 and rows[0][0] == 3 and rows[0][1].startswith(f"{column}:")
    assert not Question.objects.exists()  # the good first row is not written either


def test_import_csv_field_over_the_csv_limit_is_a_file_error(author, world):
    pool = QuestionPoolFactory(course=world.a.course)
    text = 'type,prompt,choices,answer,tolerance,points,explanation\ntrue_false,"' + "x" * 140_000 + '",,true,,1,\n'
    response = author.post(_url("question-import", world, pool.pk), {"format": "csv", "text": text})
    assert response.status_code == 200
    [(_, message)] = response.context["row_errors"]
    assert message == question_import.IMPORT_CSV_FIELD_TOO_LARGE.format(limit=128)
    assert not Question.objects.exists()


# --- content items ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e999", "nan", "inf", "123456789"])
def test_lab_max_points_must_be_a_bounded_number(author, world, lesson, value):
    builtin_content_type("engineering_lab")
    fields = {"runtime": "python-datascience", "container_image": "reg/labs:1", "grading_type": "unit_tests",
              "max_points": value}  # fmt: skip
    response = author.post(
        reverse("syllabus:item-create", args=[world.a.course.pk, lesson.pk]) + "?type=engineering_lab",
        {**COMMON, "content_type": "engineering_lab", **fields},
    )
    assert response.status_code == 200
    assert "max_points" in response.context["form"].errors
    assert not ContentItem.objects.exists()


def test_non_integer_question_pool_id_is_a_field_error(author, world, lesson):
    """A type whose schema lets the pool id be a string: the service refuses it on the field, no 500."""
    ContentTypeFactory(
        name="drill",
        json_schema={"type": "object", "properties": {"question_pool_id": {"type": "string"}}},
    )
    response = author.post(
        reverse("syllabus:item-create", args=[world.a.course.pk, lesson.pk]) + "?type=drill",
        {**COMMON, "content_type": "drill", "f_question_pool_id": "abc"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["f_question_pool_id"] == [services.QUIZ_POOL_ID_INVALID]
    assert not ContentItem.objects.exists()


@pytest.mark.parametrize("schema", [{"type": "objekt"}, {"properties": []}, {"type": "string", "pattern": "("}])
def test_a_broken_stored_schema_gives_a_form_error_not_a_500(author, world, lesson, schema):
    ContentTypeFactory(name="broken")
    ContentType.objects.filter(name="broken").update(json_schema=schema)  # as if saved before the admin checked
    url = reverse("syllabus:item-create", args=[world.a.course.pk, lesson.pk]) + "?type=broken"
    assert author.get(url).status_code == 200
    response = author.post(url, {**COMMON, "content_type": "broken"})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any(SCHEMA_INVALID.split("(")[0] in error for error in errors)
    assert not ContentItem.objects.exists()


def test_admin_refuses_an_invalid_content_type_schema(admin_client):
    response = admin_client.post(
        reverse("admin:syllabus_contenttype_add"),
        {"name": "broken", "label": "Broken", "is_active": "on", "json_schema": '{"type": "objekt"}'},
    )
    assert response.status_code == 200
    assert "Not a valid JSON Schema" in str(response.context["adminform"].form.errors["json_schema"])
    assert not ContentType.objects.filter(name="broken").exists()
    ok = admin_client.post(
        reverse("admin:syllabus_contenttype_add"),
        {"name": "fine", "label": "Fine", "is_active": "on", "json_schema": '{"type": "object"}'},
    )
    assert ok.status_code == 302 and ContentType.objects.filter(name="fine").exists()


# --- structure, pools, templates, assets -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field",
    [({"title": "", "module_type": "lesson"}, "title"), ({"title": "Root?", "module_type": "course_root"}, "module_type")],
)
def test_module_create_and_edit_bad_input(author, world, lesson, data, field):
    before = list(Module.objects.values_list("pk", "title", "module_type"))
    version = Course.objects.get(pk=world.a.course.pk).structure_version
    for name in ("module-create", "module-edit"):
        response = author.post(_url(name, world, lesson.pk), data)
        assert response.status_code == 200 and field in response.context["form"].errors, name
    assert list(Module.objects.values_list("pk", "title", "module_type")) == before
    assert Course.objects.get(pk=world.a.course.pk).structure_version == version


def test_pool_bad_input(author, world):
    pool = QuestionPoolFactory(course=world.a.course, title="Keep")
    assert "title" in author.post(_url("pool-create", world), {"title": ""}).context["form"].errors
    assert "title" in author.post(_url("pool-edit", world, pool.pk), {"title": "  "}).context["form"].errors
    assert list(QuestionPool.objects.values_list("title", flat=True)) == ["Keep"]


def test_template_bad_input(author, world, lesson):
    response = author.post(_url("template-create", world, lesson.pk), {"title": ""})
    assert response.status_code == 200 and "title" in response.context["form"].errors
    other = ModuleTemplate.objects.create(university=world.b.university, template_type="lesson", title="B's")
    response = author.post(_url("template-instantiate", world), {"template": other.pk, "parent": lesson.pk})
    assert response.status_code == 200 and "template" in response.context["form"].errors
    response = author.post(
        _url("template-instantiate", world),
        {"template": ModuleTemplate.objects.create(university=world.a.university, template_type="unit", title="U").pk,
         "parent": world.b.root_module.pk},
    )  # fmt: skip
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert ModuleTemplate.objects.count() == 2 and not Module.objects.filter(module_template__isnull=False).exists()


def test_copy_into_another_universitys_course_is_refused(author, world):
    response = author.post(
        _url("syllabus-copy", world), {"destination": "existing", "target": world.b.course.pk, "confirm": "on"}
    )
    assert response.status_code == 200 and "target" in response.context["form"].errors
    assert Module.objects.filter(course=world.b.course).count() == 1


def test_asset_alt_text_too_long(author, world):
    asset = AssetFactory(university=world.a.university, meta_json={"alt_text": "Before"})
    response = author.post(_url("asset-edit", world, asset.pk), {"alt_text": "x" * 501})
    assert response.status_code == 200 and "alt_text" in response.context["form"].errors
    assert Asset.objects.get(pk=asset.pk).meta_json["alt_text"] == "Before"


# --- the drag-and-drop endpoint ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ("{not json", REORDER_FIELDS_REQUIRED),
        ("[1, 2, 3]", REORDER_FIELDS_REQUIRED),
        ('{"module": "x", "parent": 1, "position": 1}', REORDER_FIELDS_REQUIRED),
        ('{"module": 1}', REORDER_FIELDS_REQUIRED),
        ('{"module": 999999999, "parent": 999999998, "position": 1}', REORDER_UNKNOWN_MODULE),
        ('{"module": 99999999999999999999999, "parent": 1, "position": 1}', REORDER_UNKNOWN_MODULE),
        ("OTHER_COURSE", REORDER_UNKNOWN_MODULE),
        ("TOO_FAR", services.POSITION_OUT_OF_RANGE.format(last=2)),
    ],
)
def test_reorder_endpoint_bad_input_is_400_with_a_message(author, world, lesson, body, message):
    second = services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Second")
    if body == "OTHER_COURSE":  # ids of course B under course A's URL (the author edits only A)
        other = Module.objects.create(
            course=world.b.course, parent_module=world.b.root_module, module_type="lesson", title="B", depth=1
        )
        body = f'{{"module": {other.pk}, "parent": {world.b.root_module.pk}, "position": 1}}'
    elif body == "TOO_FAR":
        body = f'{{"module": {second.pk}, "parent": {world.a.root_module.pk}, "position": 7}}'
    before = list(Module.objects.order_by("pk").values_list("pk", "parent_module_id", "sequence_index"))
    response = author.post(_url("module-reorder", world), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": message}
    assert list(Module.objects.order_by("pk").values_list("pk", "parent_module_id", "sequence_index")) == before


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "body, message",
    [
        (DEEP, json_input.TOO_DEEP.format(max_depth=json_input.MAX_DEPTH)),
        ('{"module": ' + DEEP + ', "parent": 1, "position": 1}', json_input.TOO_DEEP.format(max_depth=json_input.MAX_DEPTH)),
        ('{"module": 1, "pad": "' + "x" * (json_input.MAX_BYTES + 1) + '"}', json_input.TOO_LARGE.format(max_bytes=json_input.MAX_BYTES)),
    ],
    ids=["deep", "deep-inside", "too-large"],
)
def test_reorder_endpoint_refuses_deep_or_huge_json_with_a_message(author, world, lesson, body, message):
    """[ x 100,000 was a RecursionError (a 500); now a 400 naming the limit, nothing moved."""
    before = list(Module.objects.order_by("pk").values_list("pk", "parent_module_id", "sequence_index"))
    response = author.post(_url("module-reorder", world), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": message}
    assert list(Module.objects.order_by("pk").values_list("pk", "parent_module_id", "sequence_index")) == before


# --- a new edition ------------------------------------------------------------------------------------------


def test_copy_into_a_new_course(author, world, lesson):
    services.create_module(parent=lesson, module_type=ModuleType.TOPIC, title="Topic")
    pool = QuestionPoolFactory(course=world.a.course, title="Bank")
    services.create_question(pool=pool, question_type="true_false", prompt="Yes?", correct_answer=True)
    author.force_login(world.a.department_admin)
    response = author.post(
        _url("syllabus-copy", world),
        {"destination": "new", "code": "MATH101-2027", "title": "Linear Algebra (2027)", "confirm": "on"},
    )
    new = Course.objects.get(university=world.a.university, code="MATH101-2027")
    assert response.status_code == 302 and response["Location"].endswith(f"/teach/{new.pk}/syllabus/")
    assert (new.title, new.department_id, new.is_published) == ("Linear Algebra (2027)", world.a.department.pk, False)
    assert list(Module.objects.filter(course=new, depth__gt=0).order_by("depth").values_list("title", "depth")) == [
        ("Lesson", 1),
        ("Topic", 2),
    ]
    assert Question.objects.filter(pool__course=new).count() == 1


def test_instructor_may_create_the_next_edition_but_not_a_ta(client, world, lesson):
    client.force_login(world.a.instructor)
    response = client.post(
        _url("syllabus-copy", world), {"destination": "new", "code": "NEXT", "title": "Next", "confirm": "on"}
    )
    new = Course.objects.get(code="NEXT")
    # Not yet teaching it (no offering): back to the source with a note, the copy is there.
    assert response.status_code == 302 and response["Location"].startswith(_url("syllabus-tree", world))
    assert Module.objects.filter(course=new, title="Lesson").exists()
    client.force_login(world.a.ta)
    page = client.get(_url("syllabus-copy", world)).content.decode()
    assert 'name="code"' not in page
    response = client.post(
        _url("syllabus-copy", world), {"destination": "new", "code": "TA1", "title": "TA", "confirm": "on"}
    )
    assert response.status_code == 200 and not Course.objects.filter(code="TA1").exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"code": "MATH101", "title": "Same code"}, "code"),  # the source's own code, same university
        ({"code": "NEW1", "title": ""}, "title"),
        ({"code": "", "title": "No code"}, "code"),
    ],
)
def test_copy_into_a_new_course_bad_input(author, world, lesson, data, field):
    courses = Course.objects.count()
    response = author.post(_url("syllabus-copy", world), {"destination": "new", "confirm": "on", **data})
    assert response.status_code == 200 and field in response.context["form"].errors
    assert Course.objects.count() == courses


def test_copy_into_a_new_course_is_all_or_nothing(author, world, lesson):
    """An item whose payload no longer passes its type's (since tightened) schema fails the copy midway:
    the new course is not left behind."""
    item = services.create_content_item(
        module=lesson, content_type=builtin_content_type("text"), title="Old", data_json={"blocks": []}
    )
    ContentType.objects.filter(pk=item.content_type_id).update(
        json_schema={**item.content_type.json_schema, "required": ["blocks", "layout"]}
    )
    courses = Course.objects.count()
    response = author.post(
        _url("syllabus-copy", world), {"destination": "new", "code": "BROKEN", "title": "Broken", "confirm": "on"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert Course.objects.count() == courses and not Course.objects.filter(code="BROKEN").exists()
    with pytest.raises(ValidationError):  # the service itself, the same way
        library.copy_syllabus_to_new_course(source=world.a.course, code="BROKEN", title="Broken")
    assert not Course.objects.filter(code="BROKEN").exists()
