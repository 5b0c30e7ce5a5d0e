"""The instructor gradebook page: what it shows (scores, marks, links, subtotals, both grades), sorting, filtering
and paging on the server, a fixed number of queries with 1,000 students × 100 items, access and tenants."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learning.gradebook import grid, grid_views
from learning.models import ItemScoreOverride

pytestmark = pytest.mark.django_db


def _url(offering, **query):
    url = reverse("gradebook:grid", kwargs={"offering_id": offering.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _names(response) -> list[str]:
    return re.findall(r'<th scope="row" class="gb-student">([^<]*)<br>', response.content.decode())


def _row(response, name: str) -> str:
    html = response.content.decode()
    start = html.index(f'<th scope="row" class="gb-student">{name}<br>')
    return html[start : html.index("</tr>", start)]


def test_the_grid_shows_scores_marks_links_subtotals_and_both_grades(client, gb):
    client.force_login(gb.a.instructor)
    response = client.get(_url(gb.a.offering))
    assert response.status_code == 200
    assert _names(response) == ["Learner 0000", "Learner 0001", "Learner 0002", "Student A"]
    html = response.content.decode()
    for label in ("Current grade", "Final grade", "Letter (final)", "Pass/fail (final)", "Quizzes", "Labs", "Assignments"):
        assert label in html
    # accessible markup: column and row headers, a caption, a legend that spells the marks out
    assert 'scope="col"' in html and "<caption" in html and 'id="gb-legend"' in html
    l0 = _row(response, "Learner 0000")
    attempt_url = reverse("assignments:grade", kwargs={"offering_id": gb.a.offering.pk, "assignment_submission_id": gb.late.pk})
    assert f'<a href="{attempt_url}">40</a>' in l0
    assert "gb-late" in l0 and '<span class="visually-hidden">late</span>' in l0
    l1 = _row(response, "Learner 0001")
    assert "gb-missing" in l1 and '<span class="visually-hidden">missing</span>' in l1
    l2 = _row(response, "Learner 0002")
    assert ">95</a>" in l2 and "gb-overridden" in l2 and "gb-excused" in l2
    assert f'href="o/{gb.l2.pk}/{gb.quiz.pk}/"' in l2
    # Learner 0000: quiz 80 %, lab 50 %, assignment 80 %: current = final = 70 % (equal default weights)
    assert "70.00 %" in l0 and "C-" in l0 and "pass" in l0
    # Learner 0001 has nothing graded: no current grade, a final grade of 0 (missing work counts as zero)
    final_link = reverse("grading:override", kwargs={"offering_id": gb.a.offering.pk, "student_id": gb.l1.pk})
    assert f'<td class="gb-grade">–</td><td class="gb-grade"><a href="{final_link}">0.00 %</a></td>' in l1
    assert "fail" in l1
    # B's learner never appears
    assert "Beta 0000" not in html and "@b.example.edu" not in html


def test_an_overridden_course_grade_replaces_the_final_grade_and_is_marked(client, gb):
    from learning.gradebook import grades

    grades.override_course_grade(actor=gb.a.instructor, offering=gb.a.offering, student_id=gb.l1.pk, score="91",
                                 reason="Oral exam.")  # fmt: skip
    client.force_login(gb.a.instructor)
    l1 = _row(client.get(_url(gb.a.offering)), "Learner 0001")
    assert '<td class="gb-grade gb-overridden"><a href="' in l1 and '">91.00 %</a><span class="gb-mark"' in l1
    assert "<td>A-</td><td>pass</td>" in l1
    response = client.get(_url(gb.a.offering, sort="final", dir="desc"))
    assert _names(response)[0] == "Learner 0001"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sort": "name", "dir": "desc"}, ["Student A", "Learner 0002", "Learner 0001", "Learner 0000"]),
        ({"sort": "email"}, ["Learner 0000", "Learner 0001", "Learner 0002", "Student A"]),
        ({"sort": "status"}, ["Learner 0000", "Learner 0001", "Student A", "Learner 0002"]),
        # by the quiz's score, best first; no score sorts last both ways
        ({"sort": "item-{quiz}", "dir": "desc"}, ["Student A", "Learner 0002", "Learner 0000", "Learner 0001"]),
        ({"sort": "item-{quiz}", "dir": "asc"}, ["Learner 0000", "Learner 0002", "Student A", "Learner 0001"]),
        # final: 70.00, 33.33 (quiz only), 31.66 (quiz 95; lab missing, the excused assignment's category empty)
        ({"sort": "final", "dir": "desc"}, ["Learner 0000", "Student A", "Learner 0002", "Learner 0001"]),
        ({"sort": "current", "dir": "asc"}, ["Learner 0000", "Learner 0002", "Student A", "Learner 0001"]),
    ],
)
def test_every_column_sorts_on_the_server(client, gb, query, expected):
    client.force_login(gb.a.instructor)
    query = {k: v.format(quiz=gb.quiz.pk) for k, v in query.items()}
    response = client.get(_url(gb.a.offering, **query))
    assert response.status_code == 200
    assert _names(response) == expected


def test_a_category_column_sorts(client, gb):
    client.force_login(gb.a.instructor)
    page = grid.gradebook_page(gb.a.offering, request=grid.GridRequest())
    labs = next(c for c in page.categories if c.name == "Labs")
    response = client.get(_url(gb.a.offering, sort=f"cat-{labs.key}", dir="desc"))
    assert _names(response)[0] == "Learner 0000"  # the only lab score


def test_the_status_filter_narrows_the_students(client, gb):
    client.force_login(gb.a.instructor)
    assert _names(client.get(_url(gb.a.offering, status="completed"))) == ["Learner 0002"]
    assert _names(client.get(_url(gb.a.offering, status="active"))) == ["Learner 0000", "Learner 0001", "Student A"]


@pytest.mark.parametrize("sort", ["name", "final"])
def test_pages_on_the_server(client, gb, monkeypatch, sort):
    monkeypatch.setattr(grid, "PAGE_SIZE", 3)
    client.force_login(gb.a.instructor)
    first = client.get(_url(gb.a.offering, sort=sort))
    second = client.get(_url(gb.a.offering, sort=sort, page=2))
    beyond = client.get(_url(gb.a.offering, sort=sort, page=99))  # the last page
    assert len(_names(first)) == 3 and len(_names(second)) == 1
    assert set(_names(first)) | set(_names(second)) == {"Learner 0000", "Learner 0001", "Learner 0002", "Student A"}
    assert _names(beyond) == _names(second)
    assert "Students 4–4 of 4" in second.content.decode() and 'rel="prev"' in second.content.decode()


@pytest.mark.parametrize("query", [{"sort": "evil();"}, {"page": "abc"}, {"status": "dropped"}, {"dir": "sideways"}])
def test_bad_parameters_fall_back_to_the_defaults_and_say_so(client, gb, query):
    client.force_login(gb.a.instructor)
    response = client.get(_url(gb.a.offering, **query))
    assert response.status_code == 200
    assert grid_views.BAD_PARAMETERS in response.content.decode()
    assert len(_names(response)) == 4


def test_an_unknown_item_or_category_sort_falls_back_to_the_name(client, gb):
    client.force_login(gb.a.instructor)
    response = client.get(_url(gb.a.offering, sort=f"item-{gb.b_quiz.pk}"))
    assert _names(response) == ["Learner 0000", "Learner 0001", "Learner 0002", "Student A"]


@pytest.mark.parametrize("who", ["instructor", "ta", "university_admin", "department_admin"])
def test_teachers_and_admins_of_the_offering_see_it(client, gb, who):
    client.force_login(getattr(gb.a, who))
    assert client.get(_url(gb.a.offering)).status_code == 200


@pytest.mark.parametrize("who", ["student", "b_instructor", "b_university_admin"])
def test_students_and_other_universities_get_404(client, gb, who):
    user = gb.a.student if who == "student" else getattr(gb.b, who[2:])
    client.force_login(user)
    for name in ("grid", "export", "export-scores"):
        assert client.get(reverse(f"gradebook:{name}", kwargs={"offering_id": gb.a.offering.pk})).status_code == 404


def test_anonymous_is_sent_to_log_in(client, gb):
    response = client.get(_url(gb.a.offering))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_a_missing_offering_is_404(client, gb):
    client.force_login(gb.a.instructor)
    assert client.get(reverse("gradebook:grid", kwargs={"offering_id": 999_999_999})).status_code == 404


# --- the override page --------------------------------------------------------------------------------------


def _override_url(gb, student, item):
    return reverse("gradebook:override", kwargs={"offering_id": gb.a.offering.pk, "student_id": student.pk,
                                                 "item_id": item.pk})  # fmt: skip


def test_the_override_page_saves_an_audited_score_and_shows_its_history(client, gb):
    client.force_login(gb.a.instructor)
    url = _override_url(gb, gb.l0, gb.lab)
    page = client.get(url)
    assert page.status_code == 200 and "Open the submission" in page.content.decode()
    response = client.post(url, {"action": "save", "score": "77.5", "reason": "Regraded by hand."})
    assert response.status_code == 302
    row = ItemScoreOverride.objects.get(student=gb.l0, content_item=gb.lab)
    assert row.score == 77.5 and row.updated_by == gb.a.instructor
    history = client.get(url).content.decode()
    assert "Regraded by hand." in history and "50.00 → 77.50" in history


def test_the_override_page_removes_an_override(client, gb):
    client.force_login(gb.a.instructor)
    url = _override_url(gb, gb.l2, gb.quiz)
    assert client.post(url, {"action": "clear", "reason": "Back to the attempt."}).status_code == 302
    assert not ItemScoreOverride.objects.filter(student=gb.l2, content_item=gb.quiz).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "save", "score": "50", "reason": ""},
        {"action": "save", "score": "-3", "reason": "why"},
        {"action": "save", "score": "101", "reason": "why"},
        {"action": "save", "score": "abc", "reason": "why"},
        {"action": "save", "score": "", "reason": "why"},
        {"action": "save", "score": "5", "excused": "on", "reason": "why"},
        {"action": "clear", "reason": "no override to remove"},
    ],
)
def test_bad_override_input_is_a_400_with_the_message_and_writes_nothing(client, gb, data):
    client.force_login(gb.a.instructor)
    before = ItemScoreOverride.objects.count()
    response = client.post(_override_url(gb, gb.l0, gb.lab), data)
    assert response.status_code == 400
    assert 'class="invalid-feedback' in response.content.decode() or 'role="alert"' in response.content.decode()
    assert ItemScoreOverride.objects.count() == before


def test_a_ta_sees_the_grid_without_write_links(client, gb):
    client.force_login(gb.a.ta)
    html = client.get(_url(gb.a.offering)).content.decode()
    assert "Import an item" not in html and "/course-grades/" not in html.split("<tbody>")[1]


def test_a_ta_sees_the_override_page_but_may_not_write(client, gb):
    client.force_login(gb.a.ta)
    url = _override_url(gb, gb.l0, gb.lab)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "save", "score": "10", "reason": "TA"}).status_code == 403
    assert not ItemScoreOverride.objects.filter(student=gb.l0, content_item=gb.lab).exists()


def test_foreign_or_unknown_student_and_item_ids_are_404(client, gb):
    client.force_login(gb.a.instructor)
    for student, item in ((gb.b_learner, gb.quiz), (gb.b.student, gb.quiz), (gb.l0, gb.b_quiz)):
        assert client.get(_override_url(gb, student, item)).status_code == 404
        assert client.post(_override_url(gb, student, item), {"score": "1", "reason": "x"}).status_code == 404
    url = reverse("gradebook:override", kwargs={"offering_id": gb.a.offering.pk, "student_id": 999_999_999,
                                                "item_id": gb.quiz.pk})  # fmt: skip
    assert client.get(url).status_code == 404
    client.force_login(gb.b.instructor)
    assert client.get(_override_url(gb, gb.l0, gb.quiz)).status_code == 404


# --- a fixed number of queries -----------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.slow
@pytest.mark.parametrize("sort", ["name", "final"])
def test_the_page_runs_a_fixed_number_of_queries_with_1000_students_and_100_items(client, world, sort):
    from learning.gradebook.tests.bigbook import build_big_gradebook

    a = world.a
    client.force_login(a.instructor)
    build_big_gradebook(offering=a.offering, students=4, items=3, prefix="small")
    url = _url(a.offering, sort=sort, dir="desc")
    small = _queries(client, url)
    # 1,000 learners (with Student A) × 100 graded items
    build_big_gradebook(offering=a.offering, students=995, items=97, prefix="big")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(_names(response)) == grid.PAGE_SIZE
    assert response.content.decode().count('class="gb-cell') == grid.PAGE_SIZE * 100
    assert len(captured.captured_queries) == small, [q["sql"][:120] for q in captured.captured_queries]
    assert small <= 14
