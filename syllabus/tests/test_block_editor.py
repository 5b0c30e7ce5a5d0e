"""The block and link editors as an author uses them (issue 16, items 14 and 17): each block shows the fields
of its kind only, "+ Add block" adds a block without errors, "Preview math" previews the block it belongs
to, and a page saved unchanged saves (an untouched extra row is ignored)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lms.tests.page_forms import form_values
from syllabus import services
from syllabus.forms.content import FIELD_REQUIRED
from syllabus.models import ContentItem, ModuleType
from syllabus.tests.factories import ContentItemFactory, builtin_content_type

pytestmark = pytest.mark.django_db

GROUP = re.compile(r'data-block-kind="(\w+)"( hidden)?>')


@pytest.fixture
def lesson(world):
    return services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Lesson")


@pytest.fixture
def article(world, lesson):
    blocks = [
        {"type": "paragraph", "text": "Slope is rise over run."},
        {"type": "math", "latex": r"\frac{a}{b}"},
        {"type": "link_list", "items": [{"label": "Docs", "url": "https://example.org/docs"}]},
    ]
    return ContentItemFactory(module=lesson, data_json={"layout": "rich_text_v1", "blocks": blocks})


def edit_url(item) -> str:
    return reverse("syllabus:item-edit", args=[item.course_id, item.pk])


def shown_kinds(html: str) -> list[list[str]]:
    """Per block, the kinds whose fields are shown (not ``hidden``)."""
    groups = GROUP.findall(html)
    blocks = [groups[i : i + 4] for i in range(0, len(groups), 4)]
    return [[kind for kind, hidden in block if not hidden] for block in blocks]


def test_each_block_shows_the_fields_of_its_kind_only(client, world, article):
    client.force_login(world.a.instructor)
    page = client.get(edit_url(article)).content.decode()
    # Three stored blocks and the blank one to add: a paragraph by default.
    assert shown_kinds(page) == [["paragraph"], ["math"], ["link_list"], ["paragraph"]]
    assert page.count('data-block-kind="image" hidden') == 4  # the image fields of no block show
    # The kind select has a column of its own, wide enough for "Math (LaTeX)" (it was cut to "Paragra").
    assert re.search(r'<div class="col-12 col-sm-6 col-md-4">\s*<div id="div_id_blocks-0-kind"', page)
    # With JavaScript the groups follow the select; the script is a static file (no inline script).
    assert "js/block-editor.js" in page and "data-block-kind-select" in page
    assert "<script>" not in page


def test_changing_a_kind_without_javascript_shows_the_new_kinds_fields_after_posting(client, world, article):
    client.force_login(world.a.instructor)
    values = form_values(client.get(edit_url(article)).content.decode(), "item-form")
    values["blocks-0-kind"] = "image"
    page = client.post(edit_url(article), values).content.decode()
    assert shown_kinds(page)[0] == ["image"]
    assert FIELD_REQUIRED in page  # the image to choose, beside its now visible field
    assert ContentItem.objects.get(pk=article.pk).data_json["blocks"][0]["type"] == "paragraph"


def test_add_block_adds_a_blank_block_with_no_error_and_the_page_saves_unchanged(client, world, article):
    client.force_login(world.a.instructor)
    values = form_values(client.get(edit_url(article)).content.decode(), "item-form")
    grown = client.post(edit_url(article), {**values, "add_row": "blocks"})
    page = grown.content.decode()
    assert grown.status_code == 200
    assert FIELD_REQUIRED not in page and "is-invalid" not in page
    assert shown_kinds(page) == [["paragraph"], ["math"], ["link_list"], ["paragraph"], ["paragraph"]]
    before = ContentItem.objects.get(pk=article.pk).data_json
    saved = client.post(edit_url(article), form_values(page, "item-form"))
    assert saved.status_code == 302
    assert ContentItem.objects.get(pk=article.pk).data_json == before  # the two blank blocks are ignored


def test_preview_math_previews_its_own_block_among_all_the_forms_fields(client, world, article):
    """htmx posts the whole enclosing form and the button's own name and value: the preview is of the block
    whose button was pressed, not of the first ``…latex`` field (an empty paragraph's)."""
    client.force_login(world.a.instructor)
    values = form_values(client.get(edit_url(article)).content.decode(), "item-form")
    page = client.post(edit_url(article), {**values, "add_row": "blocks"}).content.decode()
    button = re.search(r'name="latex_field" value="(blocks-4-latex)" hx-post="([^"]+)"', page)
    assert button, "the added block has its own Preview math button"
    typed = {**form_values(page, "item-form"), "blocks-4-kind": "math", "blocks-4-latex": "x^2"}
    preview = client.post(button.group(2), {**typed, "latex_field": button.group(1)}).content.decode()
    assert "<msup>" in preview and "Enter a LaTeX expression" not in preview
    existing = client.post(button.group(2), {**typed, "latex_field": "blocks-1-latex"}).content.decode()
    assert "<mfrac>" in existing


def test_preview_math_is_refused_to_students(client, world):
    client.force_login(world.a.student)
    url = reverse("syllabus:latex-preview")
    assert client.post(url, {"latex_field": "blocks-0-latex", "blocks-0-latex": "x"}).status_code == 404


def test_resource_editor_saves_unchanged_and_ignores_the_blank_link_row(client, world, lesson):
    builtin_content_type("resource")
    item = services.create_content_item(
        actor=world.a.instructor, module=lesson, content_type=builtin_content_type("resource"), title="Reading",
        data_json={"resources": [{"label": "Paper", "url": "https://example.org/p.pdf", "kind": "pdf"}]},
    )  # fmt: skip
    client.force_login(world.a.instructor)
    page = client.get(edit_url(item)).content.decode()
    saved = client.post(edit_url(item), form_values(page, "item-form"))
    assert saved.status_code == 302, re.findall(r"invalid-feedback[^>]*>(.*?)<", saved.content.decode())
    grown = client.post(edit_url(item), {**form_values(page, "item-form"), "add_row": "resources"}).content.decode()
    assert FIELD_REQUIRED not in grown
    assert client.post(edit_url(item), form_values(grown, "item-form")).status_code == 302
    assert ContentItem.objects.get(pk=item.pk).data_json["resources"] == [
        {"label": "Paper", "url": "https://example.org/p.pdf", "kind": "pdf"}
    ]
    # A row with only a label typed is still checked.
    half = {**form_values(page, "item-form"), "resources-1-label": "Video"}
    assert FIELD_REQUIRED in client.post(edit_url(item), half).content.decode()


def test_other_universities_and_teaching_assistants_cannot_open_the_editor(client, world, article):
    client.force_login(world.b.instructor)
    assert client.get(edit_url(article)).status_code == 404
    client.force_login(world.a.ta)
    assert client.post(edit_url(article), {"add_row": "blocks"}).status_code in (403, 404)
