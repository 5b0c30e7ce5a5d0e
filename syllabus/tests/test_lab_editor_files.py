"""The lab editor edits the lab's files — name, role and content of starter files and hidden tests: add,
remove, edit; paths that leave the lab's directory, duplicates and oversized files are field errors and
nothing is written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from learning.assessments.labs import lab_settings
from syllabus import services
from syllabus.forms.content import (
    LAB_FILE_DUPLICATE,
    LAB_FILE_MAX_CHARS,
    LAB_FILE_PATH_INVALID,
    LAB_FILE_TOO_LARGE,
    LAB_FILES_TOO_LARGE,
    LAB_TOO_MANY_FILES,
)
from syllabus.models import ContentItem, ModuleType
from syllabus.tests.factories import ContentItemFactory, builtin_content_type
from syllabus.tests.test_assignment_editor import as_posted
from syllabus.tests.test_editor_forms import COMMON, _formset

pytestmark = pytest.mark.django_db

STARTER = {
    "path": "solver.py",
    "role": "student_visible",
    "content": "def solve(a, b):\n    raise NotImplementedError\n",
}
TESTS = {"path": "tests/test_solver.py", "role": "hidden_test",
         "content": "from solver import solve\n\n\ndef test_solve():\n    assert solve(2, 4) == 2\n"}  # fmt: skip
SOLUTION = {"path": "solution/solver.py", "role": "solution", "content": "def solve(a, b):\n    return b / a\n"}
PAYLOAD = {
    "lab_type": "code", "runtime": "python", "container_image": "reg/labs:1", "timeout_seconds": 20,
    "files": [STARTER, TESTS, SOLUTION], "grading": {"type": "unit_tests", "max_points": 10.0},
    "score_policy": "best", "show_hidden_test_names": False,
}  # fmt: skip
FIELDS = {"runtime": "python", "container_image": "reg/labs:1", "timeout_seconds": "20", "grading_type": "unit_tests",
          "max_points": "10", "score_policy": "best"}  # fmt: skip


@pytest.fixture
def lab(world):
    lesson = services.create_module(course=world.a.course, module_type=ModuleType.LESSON, title="Lesson")
    return ContentItemFactory(
        module=lesson, title="Lab", content_type=builtin_content_type("engineering_lab"), data_json=PAYLOAD
    )


def edit_url(world, item) -> str:
    return reverse("syllabus:item-edit", args=[world.a.course.pk, item.pk])


def post(client, world, item, rows, initial=3, **extra):
    client.force_login(world.a.instructor)
    return client.post(edit_url(world, item), {**COMMON, **FIELDS, **_formset("files", rows, initial), **extra})


def test_the_editor_shows_each_file_with_its_content_and_round_trips(client, world, lab):
    client.force_login(world.a.instructor)
    page = client.get(edit_url(world, lab))
    html = page.content.decode()
    assert 'value="tests/test_solver.py"' in html and "assert solve(2, 4) == 2" in html
    assert "raise NotImplementedError" in html and "+ Add file" in html
    response = client.post(edit_url(world, lab), as_posted(page.context["form"]))
    assert response.status_code == 302, response.context["form"].errors
    lab.refresh_from_db()
    assert lab.data_json == PAYLOAD


def test_edit_a_file_remove_one_and_add_one(client, world, lab):
    fixed = {**STARTER, "content": "def solve(a, b):\r\n    return 0\r\n"}  # a browser posts CRLF
    new = {"path": "data/points.csv", "role": "read_only", "content": "x,y\n1,2\n"}
    response = post(client, world, lab, [fixed, {**TESTS, "DELETE": "on"}, SOLUTION, new])
    assert response.status_code == 302, response.context["form"].errors
    lab.refresh_from_db()
    assert lab.data_json["files"] == [{**STARTER, "content": "def solve(a, b):\n    return 0\n"}, SOLUTION, new]
    settings_ = lab_settings(lab)  # what the grader and the student's download read
    assert settings_.starter == {"solver.py": "def solve(a, b):\n    return 0\n"}
    assert settings_.hidden_tests == {} and settings_.read_only == {"data/points.csv": "x,y\n1,2\n"}


def test_rename_and_change_role(client, world, lab):
    renamed = {**TESTS, "path": "tests/test_more.py"}
    assert post(client, world, lab, [STARTER, renamed, {**SOLUTION, "role": "hidden_test"}]).status_code == 302
    lab.refresh_from_db()
    assert set(lab_settings(lab).hidden_tests) == {"tests/test_more.py", "solution/solver.py"}


def test_add_a_file_row_without_javascript(client, world, lab):
    response = post(client, world, lab, [STARTER, TESTS, SOLUTION], add_row="files")
    assert response.status_code == 200
    assert len(response.context["form"].formsets["files"].forms) == 4
    lab.refresh_from_db()
    assert lab.data_json == PAYLOAD  # nothing saved yet


@pytest.mark.parametrize(
    "path", ["../secrets.py", "/etc/passwd", "tests/../../x.py", "a\\b.py", "a//b.py", "./x.py", "a/b/c/d/e/f/g/h/i.py",
             "tests/", "x\x01.py"],
)  # fmt: skip
def test_unsafe_paths_are_refused(client, world, lab, path):
    response = post(client, world, lab, [{**STARTER, "path": path}, TESTS, SOLUTION])
    assert response.status_code == 200
    errors = response.context["form"].formsets["files"].forms[0].errors
    assert errors["path"] == [LAB_FILE_PATH_INVALID.format(path=path.strip()[:80])]
    lab.refresh_from_db()
    assert lab.data_json == PAYLOAD


def test_a_new_file_needs_a_path(client, world, lab):
    response = post(client, world, lab, [STARTER, TESTS, SOLUTION, {"path": "", "role": "hidden_test",
                                                                     "content": "x"}])  # fmt: skip
    assert "path" in response.context["form"].formsets["files"].forms[3].errors
    lab.refresh_from_db()
    assert lab.data_json == PAYLOAD


def test_duplicates_size_and_count_limits(client, world, lab):
    response = post(client, world, lab, [STARTER, {**TESTS, "path": "solver.py"}, SOLUTION])
    assert response.context["form"].formsets["files"].forms[1].errors["path"] == [
        LAB_FILE_DUPLICATE.format(path="solver.py")
    ]
    huge = {**STARTER, "content": "#" * (LAB_FILE_MAX_CHARS + 1)}
    response = post(client, world, lab, [huge, TESTS, SOLUTION])
    assert response.context["form"].formsets["files"].forms[0].errors["content"] == [
        LAB_FILE_TOO_LARGE.format(size=256)
    ]
    big = [{"path": f"data{n}.txt", "role": "read_only", "content": "#" * LAB_FILE_MAX_CHARS} for n in range(5)]
    response = post(client, world, lab, big, initial=0)
    assert response.context["form"].formsets["files"].non_form_errors() == [LAB_FILES_TOO_LARGE.format(size=1024)]
    many = [{"path": f"f{n}.py", "role": "read_only", "content": ""} for n in range(31)]
    response = post(client, world, lab, many, initial=0)
    assert response.context["form"].formsets["files"].non_form_errors() == [LAB_TOO_MANY_FILES.format(count=30)]
    lab.refresh_from_db()
    assert lab.data_json == PAYLOAD


def test_another_universitys_instructor_gets_404(client, world, lab):
    client.force_login(world.b.instructor)
    assert client.get(edit_url(world, lab)).status_code == 404
    response = client.post(edit_url(world, lab), {**COMMON, **FIELDS, **_formset("files", [STARTER], 3)})
    assert response.status_code == 404
    lab.refresh_from_db()
    assert lab.data_json == PAYLOAD
    assert ContentItem.objects.count() == 1


def test_a_post_without_the_files_keeps_them(client, world, lab):
    """An editor page from before the files were editable (or a script) posts no files formset at all."""
    client.force_login(world.a.instructor)
    response = client.post(edit_url(world, lab), {**COMMON, **FIELDS, "timeout_seconds": "30"})
    assert response.status_code == 302, response.context["form"].errors
    lab.refresh_from_db()
    assert lab.data_json == {**PAYLOAD, "timeout_seconds": 30}
