"""What a student sees in the player that the issue-16 walkthrough found wrong: an assignment past its due
date, instructions whose numbered problems ran together, raw type names in the module's item list, and
"0% complete" on a course the student completed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.management import demo_data
from learning.models import CourseEnrollment, EnrollmentStatus
from learning.player.content import render_paragraph
from learning.tests.test_player_fixtures import bump
from syllabus.tests.factories import ContentItemFactory, LabContentItemFactory, builtin_content_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(client, tree):
    client.force_login(tree.student)
    return client


def item_url(tree, item):
    return reverse("player:item", args=[tree.offering.pk, item.pk])


def assignment(tree, *, instructions=None, **data):
    item = ContentItemFactory(
        module=tree.lesson_a2,
        title="Problem set",
        content_type=builtin_content_type("assignment"),
        data_json={
            "instructions": instructions or [{"type": "paragraph", "text": "Differentiate $x^3$."}],
            "max_points": 20,
            "submission_types": ["file_upload"],
            **data,
        },
    )
    bump(tree.course)
    return item


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- an assignment against its due date ---------------------------------------------------------------


def test_an_assignment_past_its_due_date_that_takes_no_late_work_is_closed(student, tree):
    item = assignment(tree, due_at=iso(timezone.now() - timedelta(days=16)), late_policy={"accept_late": False})
    html = student.get(item_url(tree, item)).content.decode()
    assert '<span class="badge text-bg-secondary" data-deadline="closed">Closed</span>' in html
    assert "The due date has passed; late work is not accepted." in html
    assert "Overdue" not in html


def test_an_assignment_past_its_last_late_day_is_closed(student, tree):
    late = {"accept_late": True, "penalty_percent_per_day": 10, "max_late_days": 3}
    item = assignment(tree, due_offset_days=14, late_policy=late)  # the demo's problem set
    type(tree.offering).objects.filter(pk=tree.offering.pk).update(starts_at=timezone.now() - timedelta(days=30))
    html = student.get(item_url(tree, item)).content.decode()
    assert 'data-deadline="closed">Closed</span>' in html
    assert "The due date and the 3 days for late work have passed." in html


def test_an_assignment_in_its_late_window_is_overdue_and_says_until_when(student, tree):
    tree.student.time_zone = "UTC"
    tree.student.save(update_fields=["time_zone"])
    due = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    late = {"accept_late": True, "penalty_percent_per_day": 10, "max_late_days": 3}
    item = assignment(tree, due_at=iso(due), late_policy=late)
    html = student.get(item_url(tree, item)).content.decode()
    assert 'data-deadline="late">Overdue</span>' in html
    until = (due + timedelta(days=3)).strftime("%a %-d %b %Y, %H:%M")
    assert f"Late work is accepted until {until} UTC, −10% per day." in html


def test_late_work_without_a_limit_stays_overdue(student, tree):
    item = assignment(tree, due_at=iso(timezone.now() - timedelta(days=40)), late_policy={"accept_late": True})
    html = student.get(item_url(tree, item)).content.decode()
    assert 'data-deadline="late">Overdue</span>' in html and "Late work is accepted." in html


def test_an_assignment_not_yet_due_shows_no_deadline_state(student, tree):
    item = assignment(tree, due_at=iso(timezone.now() + timedelta(days=2)), late_policy={"accept_late": False})
    html = student.get(item_url(tree, item)).content.decode()
    assert "data-deadline=" not in html and "Closed" not in html and "Overdue" not in html


# --- the line structure of instructions and text ----------------------------------------------------------


def test_numbered_problems_are_a_numbered_list(student, tree):
    text = "Solve the problems below.\n1. Differentiate $x^2$.\n2. Integrate $2x$.\n3. Sketch both."
    item = assignment(tree, instructions=[{"type": "paragraph", "text": text}], due_offset_days=7)
    html = student.get(item_url(tree, item)).content.decode()
    body = html[html.index('class="content-text') :]
    assert "<p>Solve the problems below.</p>" in body
    listed = re.search(r"<ol>(.*?)</ol>", body, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", listed, re.S)
    assert len(items) == 3 and items[2] == "Sketch both." and items[0].startswith("Differentiate <math")


def test_lines_bullets_and_blank_lines_keep_their_layout():
    blocks = render_paragraph("First line\nsecond line\n\nNew paragraph\n- apples\n- pears\nAfter.\n3. three\n4) four")
    kinds = ["paragraph", "paragraph", "bullet_list", "paragraph", "ordered_list"]
    assert [b["type"] for b in blocks] == kinds
    assert str(blocks[0]["html"]) == "First line<br>second line" and str(blocks[1]["html"]) == "New paragraph"
    assert [str(i) for i in blocks[2]["items"]] == ["apples", "pears"]
    assert blocks[4]["start"] == 3 and [str(i) for i in blocks[4]["items"]] == ["three", "four"]


def test_each_line_is_sanitised_on_its_own():
    blocks = render_paragraph("1. <script>alert(1)</script>ok\n2. <b onclick=x>bold</b>")
    html = " ".join(str(i) for i in blocks[0]["items"])
    assert "<script" not in html and "onclick" not in html and "ok" in html


def test_the_demo_problem_set_shows_five_numbered_problems():
    units = demo_data.SYLLABI[("NIT", "MATH101")]
    found = []

    def walk(nodes):
        for node in nodes:
            found.extend(i for i in node.get("items", []) if i["type"] == "assignment")
            walk(node.get("children", []))

    walk(units)
    paragraphs = [b["text"] for b in found[0]["data"]["instructions"] if b["type"] == "paragraph"]
    lists = [b for text in paragraphs for b in render_paragraph(text) if b["type"] == "ordered_list"]
    assert len(lists) == 1 and len(lists[0]["items"]) == 5


# --- the module's item list ---------------------------------------------------------------------------------


def test_the_module_item_list_names_types_by_their_label(student, tree):
    lab = LabContentItemFactory(module=tree.lesson_a2, title="Numerical lab")
    bump(tree.course)
    html = student.get(item_url(tree, lab)).content.decode()
    aside = html[html.index('aria-label="In this module"') :]
    assert "(Engineering lab)" in aside and "engineering_lab" not in aside
    assert "(Resources)" in aside  # r1, the lesson's resource item


def test_a_relabelled_type_shows_its_new_label(student, tree):
    builtin_content_type("resource")
    from syllabus.models import ContentType

    ContentType.objects.filter(name="resource").update(label="Reading list")
    bump(tree.course)
    html = student.get(item_url(tree, tree.r1)).content.decode()
    assert "(Reading list)" in html[html.index('aria-label="In this module"') :]


def test_a_type_without_a_viewer_is_named_by_its_label(student, tree):
    from syllabus.models import ContentType

    poster = ContentType.objects.create(
        name="poster_session", label="Poster session", json_schema={"type": "object"}, is_builtin=False
    )
    item = ContentItemFactory(module=tree.lesson_a2, title="Posters", content_type=poster, data_json={})
    bump(tree.course)
    html = student.get(item_url(tree, item)).content.decode()
    assert "This kind of content (Poster session) has no viewer yet." in html
    assert "poster_session" not in html.replace('data-kind="poster_session"', "")


# --- a completed enrollment ----------------------------------------------------------------------------------


def test_a_completed_enrollment_shows_the_course_as_complete_not_0_percent(student, tree):
    CourseEnrollment.objects.filter(user=tree.student, course_offering=tree.offering).update(
        status=EnrollmentStatus.COMPLETED, completed_at=timezone.now() - timedelta(days=3)
    )
    html = student.get(reverse("player:resume", args=[tree.offering.pk])).content.decode()
    header = html[html.index('id="course-progress"') :]
    header = header[: header.index("</span>")]
    assert "Course complete ✓" in header and "0% complete" not in header


def test_an_active_enrollment_without_progress_is_at_0_percent(student, tree):
    html = student.get(reverse("player:resume", args=[tree.offering.pk])).content.decode()
    header = html[html.index('id="course-progress"') :]
    assert "0% complete" in header[: header.index("</span>")]
