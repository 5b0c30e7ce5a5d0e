"""The assignment editor edits every option the assignments feature reads (docs/assignments.md): dates, the
late policy, resubmission, completion, posting, anonymous grading and the rubric (a structured textarea);
saving keeps payload keys the editor does not manage; an older editor page without the options keeps them;
bad input is a field error with nothing written. The quiz editor's pass mark and review setting likewise."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.urls import reverse

from learning.assessments.assignments import assignment_settings
from learning.assessments.late_policy import LatePolicy
from syllabus import services
from syllabus.forms.content import (
    RUBRIC_FORMAT,
    RUBRIC_MAX_CRITERIA,
    RUBRIC_MAX_LEVELS,
    RUBRIC_OVER_MAX,
    RUBRIC_POINTS,
    RUBRIC_TITLE_MAX,
    RUBRIC_TITLE_TOO_LONG,
    RUBRIC_TOO_MANY,
    parse_rubric,
    rubric_text,
)
from syllabus.models import ContentItem, ModuleType
from syllabus.tests.factories import ContentItemFactory, QuestionPoolFactory, builtin_content_type
from syllabus.tests.test_editor_forms import COMMON, _formset

pytestmark = pytest.mark.django_db

RUBRIC_TEXT = (
    "Working shown | Missing = 0 | Partial = 10 | Complete = 20\nCorrect answers | Few = 0 | Most = 15 | All = 30"
)
RUBRIC = {
    "criteria": [
        {"title": "Working shown", "levels": [{"title": "Missing", "points": 0}, {"title": "Partial", "points": 10},
                                              {"title": "Complete", "points": 20}]},
        {"title": "Correct answers", "levels": [{"title": "Few", "points": 0}, {"title": "Most", "points": 15},
                                                {"title": "All", "points": 30}]},
    ]
}  # fmt: skip
FULL = {
    "instructions": [{"type": "paragraph", "text": "Solve the five problems."}],
    "due_at": "2027-03-01T12:00:00Z",
    "available_from": "2027-02-01T08:00:00Z",
    "max_points": 50.0,
    "submission_types": ["file_upload", "text_entry"],
    "allowed_file_types": [".pdf"],
    "late_policy": {"accept_late": True, "penalty_percent_per_hour": 2.5, "max_late_days": 3, "floor_percent": 40.0,
                    "missing_score_percent": 0.0},
    "allow_resubmission": True,
    "completion": "submitted",
    "grade_posting": "manual",
    "anonymous_grading": True,
    "rubric": RUBRIC,
}  # fmt: skip
OPTIONS = {
    "due_at": "2027-03-01 12:00", "available_from": "2027-02-01 08:00", "max_points": "50",
    "submission_types": ["file_upload", "text_entry"], "allowed_file_types": ".pdf", "allow_resubmission": "on",
    "accept_late": "on", "penalty_percent_per_day": "2.5", "penalty_interval": "hour", "max_late_days": "3",
    "floor_percent": "40", "missing_score_percent": "0", "completion": "submitted", "grade_posting": "manual",
    "anonymous_grading": "on", "rubric": RUBRIC_TEXT, "assignment_options": "1",
    **_formset("instructions", [{"kind": "paragraph", "text": "Solve the five problems."}]),
}  # fmt: skip
# The same on the edit page of an item that has the instruction already (an initial form of the formset).
OPTIONS_EDIT = {**OPTIONS, **_formset("instructions", [{"kind": "paragraph", "text": "Solve the five problems."}], 1)}
# What the editor posted before these options existed (no marker, no option fields).
OLD_FORM = {
    "due_at": "2027-03-01 12:00", "max_points": "50", "submission_types": ["file_upload", "text_entry"],
    "allowed_file_types": ".pdf", "accept_late": "on", "max_late_days": "3",
}  # fmt: skip


@pytest.fixture
def lesson(world):
    builtin_content_type("assignment")
    return services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Lesson")


def edit_url(world, item) -> str:
    return reverse("syllabus:item-edit", args=[world.a.course.pk, item.pk])


def as_posted(form) -> dict:
    """What a browser posts for the rendered form, unchanged: every field's value and each formset's rows."""
    data = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool) or field.widget_type == "checkbox":
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(v) for v in value]
        elif value is not None:
            data[field.html_name] = str(value)
    for formset in form.formsets.values():
        for field in formset.management_form:
            data[field.html_name] = str(field.value())
        for sub in formset.forms:
            for field in sub:
                if field.value() not in (None, ""):
                    data[field.html_name] = str(field.value())
    return data


def test_a_new_assignment_with_every_option(client, world, lesson):
    client.force_login(world.a.instructor)
    url = reverse("syllabus:item-create", args=[world.a.course.pk, lesson.pk]) + "?type=assignment"
    response = client.post(url, {**COMMON, "content_type": "assignment", **OPTIONS})
    assert response.status_code == 302, response.context["form"].errors
    data = ContentItem.objects.get().data_json
    assert data == FULL
    config = assignment_settings(ContentItem.objects.get())  # what the assignments feature reads
    assert (config.allow_resubmission, config.completion, config.automatic_posting, config.anonymous_grading) == (
        True, "submitted", False, True,
    )  # fmt: skip
    assert config.late_policy == LatePolicy(accept_late=True, deduction_percent=Decimal("2.5"), interval="hour",
                                            max_late_days=3, floor_percent=Decimal(40), missing_percent=Decimal(0))  # fmt: skip
    assert config.rubric_total([2, 1]) == 35


def test_the_edit_page_round_trips_every_option_and_keeps_unknown_keys(client, world, lesson):
    content_type = builtin_content_type("assignment")
    schema = copy.deepcopy(content_type.json_schema)  # a newer feature's key the editor does not know
    schema["properties"]["peer_review"] = {"type": "object"}
    content_type.json_schema = schema
    content_type.save(update_fields=["json_schema"])
    stored = {**FULL, "peer_review": {"reviewers": 2}}
    item = ContentItemFactory(module=lesson, content_type=content_type, data_json=stored)
    client.force_login(world.a.instructor)
    page = client.get(edit_url(world, item))
    html = page.content.decode()
    assert "Working shown | Missing = 0 | Partial = 10 | Complete = 20" in html
    assert 'name="assignment_options"' in html
    response = client.post(edit_url(world, item), as_posted(page.context["form"]))
    assert response.status_code == 302, response.context["form"].errors
    item.refresh_from_db()
    assert item.data_json == stored  # nothing lost, nothing changed


def test_an_older_editor_page_keeps_the_options(client, world, lesson):
    item = ContentItemFactory(module=lesson, content_type=builtin_content_type("assignment"), data_json=FULL)
    client.force_login(world.a.instructor)
    posted = {**COMMON, **OLD_FORM, **_formset("instructions", [{"kind": "paragraph", "text": "New wording"}])}
    response = client.post(edit_url(world, item), posted)
    assert response.status_code == 302, response.context["form"].errors
    item.refresh_from_db()
    assert item.data_json["instructions"] == [{"type": "paragraph", "text": "New wording"}]
    for key in ("available_from", "allow_resubmission", "completion", "grade_posting", "anonymous_grading", "rubric"):
        assert item.data_json[key] == FULL[key]
    assert item.data_json["late_policy"] == FULL["late_policy"]  # the per-hour deduction, floor and missing stay


def test_clearing_options_on_the_new_page_removes_them(client, world, lesson):
    item = ContentItemFactory(module=lesson, content_type=builtin_content_type("assignment"), data_json=FULL)
    client.force_login(world.a.instructor)
    posted = {
        **COMMON,
        **OPTIONS_EDIT,
        "rubric": "",
        "available_from": "",
        "floor_percent": "",
        "anonymous_grading": "",
    }
    posted.pop("anonymous_grading")
    response = client.post(edit_url(world, item), posted)
    assert response.status_code == 302, response.context["form"].errors
    item.refresh_from_db()
    assert "rubric" not in item.data_json and "available_from" not in item.data_json
    assert "floor_percent" not in item.data_json["late_policy"] and item.data_json["anonymous_grading"] is False


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rubric": "Working shown"}, "rubric", RUBRIC_FORMAT.format(line=1)),
        ({"rubric": "Method | Sound = 10\nAnswers | Right = lots"}, "rubric",
         RUBRIC_POINTS.format(line=2, level="Right = lots")),
        ({"rubric": "Method | Sound = -1"}, "rubric", RUBRIC_POINTS.format(line=1, level="Sound = -1")),
        ({"rubric": "Method | Sound = 40\nAnswers | Right = 30"}, "rubric",
         RUBRIC_OVER_MAX.format(total=70, max=50)),
        ({"rubric": "M" * (RUBRIC_TITLE_MAX + 1) + " | Sound = 1"}, "rubric",
         RUBRIC_TITLE_TOO_LONG.format(line=1, max=RUBRIC_TITLE_MAX)),
        ({"rubric": "Method | Sound = 1\nAnswers | " + "R" * (RUBRIC_TITLE_MAX + 1) + " = 1"}, "rubric",
         RUBRIC_TITLE_TOO_LONG.format(line=2, max=RUBRIC_TITLE_MAX)),
        ({"rubric": "Method | Sound = 1e999"}, "rubric", RUBRIC_POINTS.format(line=1, level="Sound = 1e999")),
        ({"rubric": "Method | Sound = NaN"}, "rubric", RUBRIC_POINTS.format(line=1, level="Sound = NaN")),
        ({"rubric": "\n".join(f"C{n} | Done = 0" for n in range(RUBRIC_MAX_CRITERIA + 1))}, "rubric",
         RUBRIC_TOO_MANY.format(criteria=RUBRIC_MAX_CRITERIA, levels=RUBRIC_MAX_LEVELS)),
        ({"rubric": "Method | " + " | ".join(f"L{n} = 0" for n in range(RUBRIC_MAX_LEVELS + 1))}, "rubric",
         RUBRIC_TOO_MANY.format(criteria=RUBRIC_MAX_CRITERIA, levels=RUBRIC_MAX_LEVELS)),
        ({"available_from": "2027-04-01 00:00"}, "available_from", "The assignment must open before it is due."),
        ({"floor_percent": "150"}, "floor_percent", None),
        ({"penalty_interval": "fortnight"}, "penalty_interval", None),
        ({"grade_posting": "whenever"}, "grade_posting", None),
        ({"missing_score_percent": "-5"}, "missing_score_percent", None),
    ],
)  # fmt: skip
def test_bad_options_are_field_errors_and_nothing_is_written(client, world, lesson, changes, field, message):
    item = ContentItemFactory(module=lesson, content_type=builtin_content_type("assignment"), data_json=FULL)
    client.force_login(world.a.instructor)
    response = client.post(edit_url(world, item), {**COMMON, **OPTIONS_EDIT, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and (message is None or message in errors[field])
    item.refresh_from_db()
    assert item.data_json == FULL


def test_another_universitys_instructor_cannot_edit(client, world, lesson):
    item = ContentItemFactory(module=lesson, content_type=builtin_content_type("assignment"), data_json=FULL)
    client.force_login(world.b.instructor)
    assert client.get(edit_url(world, item)).status_code == 404
    assert client.post(edit_url(world, item), {**COMMON, **OPTIONS, "rubric": ""}).status_code == 404
    item.refresh_from_db()
    assert item.data_json == FULL


def test_a_student_and_a_visitor_cannot_edit(client, world, lesson):
    """The course's own student gets the same 404 as a stranger; a visitor is sent to log in; nothing is written."""
    item = ContentItemFactory(module=lesson, content_type=builtin_content_type("assignment"), data_json=FULL)
    posted = {**COMMON, **OPTIONS, "rubric": ""}
    response = client.post(edit_url(world, item), posted)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.a.student)
    assert client.get(edit_url(world, item)).status_code == 404
    assert client.post(edit_url(world, item), posted).status_code == 404
    item.refresh_from_db()
    assert item.data_json == FULL


def test_rubric_text_and_back():
    assert parse_rubric(RUBRIC_TEXT) == RUBRIC
    assert parse_rubric(rubric_text(RUBRIC)) == RUBRIC
    assert parse_rubric("Style | Poor = 0.5 | Fine = 1.25") == {
        "criteria": [
            {"title": "Style", "levels": [{"title": "Poor", "points": 0.5}, {"title": "Fine", "points": 1.25}]}
        ]
    }
    assert parse_rubric("  \n") is None


def test_the_quiz_editor_keeps_its_pass_mark_and_review(client, world, lesson):
    pool = QuestionPoolFactory(course=world.a.course)
    stored = {"question_pool_id": pool.pk, "quiz_mode": "exam", "randomize_order": False, "pass_mark_percent": 70.0,
              "review": "after_due"}  # fmt: skip
    item = ContentItemFactory(module=lesson, content_type=builtin_content_type("quiz"), data_json=stored)
    client.force_login(world.a.instructor)
    page = client.get(edit_url(world, item))
    assert client.post(edit_url(world, item), as_posted(page.context["form"])).status_code == 302
    item.refresh_from_db()
    assert item.data_json == stored
    # an older page without the two fields keeps them too
    old = {**COMMON, "question_pool": str(pool.pk), "quiz_mode": "practice"}
    assert client.post(edit_url(world, item), old).status_code == 302
    item.refresh_from_db()
    assert (item.data_json["quiz_mode"], item.data_json["pass_mark_percent"], item.data_json["review"]) == (
        "practice", 70.0, "after_due",
    )  # fmt: skip
    bad = client.post(edit_url(world, item), {**old, "pass_mark_percent": "101"})
    assert "pass_mark_percent" in bad.context["form"].errors
    item.refresh_from_db()
    assert (item.data_json["quiz_mode"], item.data_json["pass_mark_percent"]) == ("practice", 70.0)  # unchanged
