"""Content item editors: each built-in type's form writes a schema-valid payload; bad input shows the
error on the right field and writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from syllabus import services
from syllabus.forms.content import EngineeringLabForm
from syllabus.mathml import LATEX_UNKNOWN_COMMAND
from syllabus.models import ContentItem, ModuleType
from syllabus.tests.factories import ContentItemFactory, ContentTypeFactory, QuestionPoolFactory, builtin_content_type

pytestmark = pytest.mark.django_db

COMMON = {"title": "Item", "description": "", "learning_objectives": "Solve\nExplain", "prompt_label": "production",
          "is_active": "on", "prompt_name": ""}  # fmt: skip


def _formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


@pytest.fixture
def lesson(world):
    return services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Lesson")


def _create_url(world, lesson, type_name):
    return reverse("syllabus:item-create", args=[world.a.course.pk, lesson.pk]) + f"?type={type_name}"


def _post(client, world, lesson, type_name, data):
    client.force_login(world.a.instructor)
    return client.post(_create_url(world, lesson, type_name), {**COMMON, "content_type": type_name, **data})


def test_text_blocks_paragraph_math_links_in_order(client, world, lesson):
    builtin_content_type("text")
    data = _formset(
        "blocks",
        [
            {"kind": "paragraph", "text": "Second", "ORDER": "2"},
            {"kind": "math", "latex": r"\frac{a}{b}", "ORDER": "1"},
            {"kind": "link_list", "links": "Docs | https://example.org/docs", "ORDER": "3"},
            {"kind": "paragraph", "text": "Removed", "ORDER": "4", "DELETE": "on"},
        ],
    )
    response = _post(client, world, lesson, "text", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = ContentItem.objects.get(module=lesson)
    assert item.data_json["blocks"] == [
        {"type": "math", "latex": r"\frac{a}{b}"},
        {"type": "paragraph", "text": "Second"},
        {"type": "link_list", "items": [{"label": "Docs", "url": "https://example.org/docs"}]},
    ]
    assert item.learning_objectives == ["Solve", "Explain"]


def test_unparseable_latex_is_a_field_error_and_nothing_is_written(client, world, lesson):
    builtin_content_type("text")
    response = _post(client, world, lesson, "text", _formset("blocks", [{"kind": "math", "latex": r"\foo + 1"}]))
    assert response.status_code == 200
    assert LATEX_UNKNOWN_COMMAND.format(command=r"\foo") in response.content.decode()
    assert not ContentItem.objects.filter(module=lesson).exists()


def test_schema_error_lands_on_the_block_field(client, world, lesson):
    """The form accepts “label | ftp://…”; the schema (https?) refuses it at $.blocks[0].items[0].url."""
    builtin_content_type("text")
    response = _post(
        client, world, lesson, "text", _formset("blocks", [{"kind": "link_list", "links": "A | ftp://x.org"}])
    )
    assert response.status_code == 200
    form = response.context["form"]
    block = form.formsets["blocks"].forms[0]
    assert "links" in block.errors
    assert not ContentItem.objects.filter(module=lesson).exists()


def test_add_block_without_javascript_keeps_data(client, world, lesson):
    builtin_content_type("text")
    data = {**_formset("blocks", [{"kind": "paragraph", "text": "Kept"}]), "add_row": "blocks"}
    response = _post(client, world, lesson, "text", data)
    assert response.status_code == 200
    formset = response.context["form"].formsets["blocks"]
    assert formset.total_form_count() == 2
    assert "Kept" in response.content.decode()
    assert not ContentItem.objects.exists()


def test_edit_text_item_round_trip(client, world, lesson):
    item = ContentItemFactory(module=lesson)
    client.force_login(world.a.instructor)
    url = reverse("syllabus:item-edit", args=[world.a.course.pk, item.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "2x + 1 = 5" in page.content.decode()
    blocks = [{"kind": "paragraph", "text": "New text", "ORDER": "1"}, {"kind": "math", "latex": "x^2", "ORDER": "2"}]
    response = client.post(url, {**COMMON, "title": "Edited", **_formset("blocks", blocks, initial=2)})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Edited"
    assert item.data_json["blocks"][0] == {"type": "paragraph", "text": "New text"}


def test_video_with_srt_transcript(client, world, lesson):
    builtin_content_type("video")
    srt = "1\n00:00:01,000 --> 00:00:03,500\nHello\n\n2\n00:00:04,000 --> 00:00:06,000\nWorld\n"
    response = _post(
        client, world, lesson, "video",
        {"provider": "youtube", "video_id": "abc123", "duration_seconds": "60", "transcript_language": "en", "transcript": srt},
    )  # fmt: skip
    assert response.status_code == 302
    data = ContentItem.objects.get(module=lesson).data_json
    assert data["transcript"] == {
        "language": "en",
        "segments": [{"start": 1.0, "end": 3.5, "text": "Hello"}, {"start": 4.0, "end": 6.0, "text": "World"}],
    }


def test_video_malformed_srt_is_a_transcript_error(client, world, lesson):
    builtin_content_type("video")
    bad = "1\n00:00:01,000 -> 00:00:03,500\nHello\n"
    response = _post(client, world, lesson, "video", {"provider": "youtube", "video_id": "x", "transcript": bad})
    assert response.status_code == 200
    assert "transcript" in response.context["form"].errors
    assert "Line 2" in response.context["form"].errors["transcript"][0]
    assert not ContentItem.objects.exists()


def test_video_needs_a_source(client, world, lesson):
    builtin_content_type("video")
    response = _post(client, world, lesson, "video", {"provider": "youtube"})
    assert "video_id" in response.context["form"].errors
    assert not ContentItem.objects.exists()


def test_quiz_pool_picker_is_limited_to_the_course(client, world, lesson):
    builtin_content_type("quiz")
    mine = QuestionPoolFactory(course=world.a.course, title="Mine")
    theirs = QuestionPoolFactory(course=world.b.course, title="Theirs")
    client.force_login(world.a.instructor)
    page = client.get(_create_url(world, lesson, "quiz")).content.decode()
    assert "Mine" in page and "Theirs" not in page
    fields = {"quiz_mode": "exam", "num_questions_per_attempt": "5", "randomize_order": "on", "mastery_threshold": "3"}
    response = _post(client, world, lesson, "quiz", {"question_pool": theirs.pk, **fields})
    assert "question_pool" in response.context["form"].errors
    assert _post(client, world, lesson, "quiz", {"question_pool": mine.pk, **fields}).status_code == 302
    assert ContentItem.objects.get(module=lesson).data_json == {
        "question_pool_id": mine.pk, "quiz_mode": "exam", "num_questions_per_attempt": 5, "randomize_order": True,
        "mastery": {"threshold_correct_in_row": 3},
    }  # fmt: skip


def test_engineering_lab(client, world, lesson):
    builtin_content_type("engineering_lab")
    files = [{"path": "main.py", "role": "student_visible", "content": "def f():\n    pass\n"},
             {"path": "tests.py", "role": "hidden_test", "content": "from main import f\n"}]  # fmt: skip
    fields = {"runtime": "python-datascience", "container_image": "reg/labs:1", "memory_limit": "512Mi",
              "env": "SEED=1", "grading_type": "unit_tests", "max_points": "10", **_formset("files", files)}  # fmt: skip
    assert _post(client, world, lesson, "engineering_lab", {**fields, "memory_limit": "lots"}).status_code == 200
    assert not ContentItem.objects.exists()  # the schema's memory pattern, on the memory_limit field
    response = _post(client, world, lesson, "engineering_lab", {**fields, "files-0-role": "secret"})
    assert "role" in response.context["form"].formsets["files"].forms[0].errors
    assert _post(client, world, lesson, "engineering_lab", fields).status_code == 302
    data = ContentItem.objects.get().data_json
    assert data["env"] == {"SEED": "1"} and data["files"][1] == files[1]


def test_engineering_lab_refuses_a_runtime_this_server_cannot_run(client, world, lesson):
    from syllabus.forms.content import LAB_RUNTIME_UNSUPPORTED

    builtin_content_type("engineering_lab")
    fields = {"runtime": "matlab", "container_image": "reg/labs:1", "grading_type": "unit_tests"}
    response = _post(client, world, lesson, "engineering_lab", fields)
    assert response.context["form"].errors["runtime"] == [
        LAB_RUNTIME_UNSUPPORTED.format(runtime="MATLAB", supported="Python 3, Python (data science, NumPy)")
    ]
    assert not ContentItem.objects.exists()


def test_engineering_lab_keeps_file_contents_and_grading_options(client, world, lesson):
    builtin_content_type("engineering_lab")
    main = {"path": "main.py", "role": "student_visible", "content": "def f():\n    pass\n"}
    fields = {"runtime": "python", "container_image": "reg/labs:1", "grading_type": "unit_tests",
              "pass_mark_percent": "60", "max_attempts": "3", "score_policy": "latest",
              "show_hidden_test_names": "on", **_formset("files", [main])}  # fmt: skip
    assert _post(client, world, lesson, "engineering_lab", fields).status_code == 302
    item = ContentItem.objects.get()
    tests = {"path": "tests.py", "role": "hidden_test", "content": "def test_f():\n    assert True\n"}
    form = EngineeringLabForm(
        data={**COMMON, **fields, **_formset("files", [main, tests], initial=1)},
        course=lesson.course, content_type=item.content_type, item=item,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    data = form.build_data()
    assert data["files"] == [main, tests]
    assert (data["pass_mark_percent"], data["max_attempts"], data["score_policy"], data["show_hidden_test_names"]) == (
        60.0, 3, "latest", True)  # fmt: skip


def test_engineering_lab_schema_error_on_field(client, world, lesson):
    builtin_content_type("engineering_lab")
    fields = {"runtime": "python-datascience", "container_image": "reg/labs:1", "memory_limit": "lots",
              "grading_type": "none"}  # fmt: skip
    response = _post(client, world, lesson, "engineering_lab", fields)
    assert "memory_limit" in response.context["form"].errors


def test_assignment_and_resource(client, world, lesson):
    builtin_content_type("assignment")
    builtin_content_type("resource")
    base = {"max_points": "20", "submission_types": ["file_upload", "url"], "allowed_file_types": ".pdf, .zip",
            **_formset("instructions", [{"kind": "paragraph", "text": "Do it"}])}  # fmt: skip
    response = _post(client, world, lesson, "assignment", base)
    assert "due_at" in response.context["form"].errors  # neither date nor offset
    assert _post(client, world, lesson, "assignment", {**base, "due_offset_days": "7"}).status_code == 302
    data = ContentItem.objects.get().data_json
    assert data["due_offset_days"] == 7 and data["allowed_file_types"] == [".pdf", ".zip"]
    resources = _formset("resources", [{"label": "Paper", "url": "https://example.org/p.pdf", "kind": "pdf"}])
    assert _post(client, world, lesson, "resource", resources).status_code == 302
    assert ContentItem.objects.get(content_type__name="resource").data_json == {
        "resources": [{"label": "Paper", "url": "https://example.org/p.pdf", "kind": "pdf"}]
    }


def test_generic_schema_form_for_admin_added_type(client, world, lesson):
    custom = ContentTypeFactory(
        name="flashcards",
        json_schema={
            "type": "object",
            "required": ["deck"],
            "properties": {
                "deck": {"type": "string", "pattern": "^[A-Z]+$"},
                "count": {"type": "integer", "minimum": 1},
                "tags": {"type": "array", "items": {"type": "string"}},
                "shuffle": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
    )
    client.force_login(world.a.instructor)
    page = client.get(_create_url(world, lesson, custom.name)).content.decode()
    assert 'name="f_deck"' in page and 'name="f_tags"' in page
    response = _post(client, world, lesson, custom.name, {"f_deck": "lower", "f_count": "2"})
    assert response.status_code == 200
    assert "f_deck" in response.context["form"].errors  # the schema's pattern error, on the deck field
    assert not ContentItem.objects.exists()
    response = _post(
        client, world, lesson, custom.name, {"f_deck": "ABC", "f_count": "2", "f_tags": "a\nb", "f_shuffle": "on"}
    )
    assert response.status_code == 302
    assert ContentItem.objects.get().data_json == {"deck": "ABC", "count": 2, "tags": ["a", "b"], "shuffle": True}


def test_latex_preview_partial(client, world):
    client.force_login(world.a.instructor)
    url = reverse("syllabus:latex-preview")
    ok = client.post(url, {"blocks-0-latex": r"\sqrt{2}"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<math" in ok and "<msqrt>" in ok
    bad = client.post(url, {"blocks-0-latex": r"\frac{a}"}).content.decode()
    assert "missing an argument" in bad
    client.force_login(world.a.student)
    assert client.post(url, {"latex": "x"}).status_code == 404


def test_transcript_preview_partial(client, world):
    client.force_login(world.a.instructor)
    url = reverse("syllabus:transcript-preview")
    page = client.post(url, {"transcript": "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"}).content.decode()
    assert "1 segment" in page and "Hi" in page
    assert "Line" in client.post(url, {"transcript": "1\nnonsense\n"}).content.decode()


@pytest.mark.parametrize("type_name", ["text", "video", "quiz", "engineering_lab", "assignment", "resource"])
def test_every_builtin_editor_renders_and_edits(client, world, lesson, type_name):
    builtin_content_type(type_name)
    client.force_login(world.a.instructor)
    page = client.get(_create_url(world, lesson, type_name))
    assert page.status_code == 200 and 'name="title"' in page.content.decode()
    picker = client.get(reverse("syllabus:item-create", args=[world.a.course.pk, lesson.pk]))
    assert f"?type={type_name}" in picker.content.decode()


def test_prompt_name_and_label_are_chosen_among_existing_prompts(client, world, lesson):
    from prompts.tests.factories import create as create_prompt
    from syllabus.forms.content import PROMPT_LABEL_UNKNOWN, PROMPT_LABEL_WITHOUT_NAME

    create_prompt("tutor-algebra", labels=["production"])
    create_prompt("tutor-algebra", labels=["staging"])
    create_prompt("tutor-geometry", labels=["experiment"])
    builtin_content_type("resource")
    client.force_login(world.a.instructor)
    page = client.get(_create_url(world, lesson, "resource")).content.decode()
    assert '<option value="tutor-algebra">' in page and '<option value="tutor-geometry">' in page
    assert 'value="tutor-algebra|staging"' in page and 'value="tutor-geometry|experiment"' in page
    resources = _formset("resources", [{"label": "Paper", "url": "https://example.org/p.pdf", "kind": "pdf"}])

    def post(name, label):
        return _post(client, world, lesson, "resource", {**resources, "prompt_name": name, "prompt_label": label})

    response = post("tutor-algebra", "tutor-geometry|experiment")  # a label of another prompt
    assert response.context["form"].errors["prompt_label"] == [
        PROMPT_LABEL_UNKNOWN.format(label="experiment", name="tutor-algebra")
    ]
    response = post("tutor-algebra", "made-up")
    assert "prompt_label" in response.context["form"].errors
    response = post("", "tutor-algebra|staging")
    assert response.context["form"].errors["prompt_label"] == [PROMPT_LABEL_WITHOUT_NAME]
    response = post("no-such-prompt", "")
    assert "prompt_name" in response.context["form"].errors
    assert not ContentItem.objects.exists()
    assert post("tutor-algebra", "tutor-algebra|staging").status_code == 302
    item = ContentItem.objects.get()
    assert (item.prompt_name, item.prompt_label) == ("tutor-algebra", "staging")
    assert post("tutor-geometry", "").status_code == 302  # blank: production
    assert ContentItem.objects.latest("pk").prompt_label == "production"
    edit = client.get(reverse("syllabus:item-edit", args=[world.a.course.pk, item.pk])).content.decode()
    assert 'value="tutor-algebra|staging" selected' in edit
