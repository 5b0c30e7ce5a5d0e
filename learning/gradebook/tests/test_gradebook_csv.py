"""The gradebook's CSV exports (streamed, read in chunks, formula-safe) and the CSV import of one item's scores
(checked first, then all or nothing through the audited override path; every kind of bad input refused)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from accounts.imports import MISSING_COLUMN, WRONG_ENCODING
from learning.gradebook import grid, imports, overrides
from learning.models import GradeChange, ItemScoreOverride

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _export(client, gb, name="export"):
    return client.get(reverse(f"gradebook:{name}", kwargs={"offering_id": gb.a.offering.pk}))


def test_the_grid_export_streams_one_row_per_student(client, gb):
    client.force_login(gb.a.instructor)
    response = _export(client, gb)
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    header = rows[0]
    assert header[:3] == ["email", "full_name", "status"]
    assert header[-5:] == ["current grade %", "final grade %", "letter (final)", "passed (final)", "final overridden"]
    by_email = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_email) == {"learner0@a.example.edu", "learner1@a.example.edu", "learner2@a.example.edu",
                             "student@a.example.edu"}  # fmt: skip
    l0 = by_email["learner0@a.example.edu"]
    assert l0[f"Quiz 1 (100 pts) [{gb.quiz.pk}]"] == "80.00" and l0["final grade %"] == "70.00"
    assert l0["letter (final)"] == "C-" and l0["passed (final)"] == "yes"
    assert by_email["learner2@a.example.edu"][f"Essay 1 (50 pts) [{gb.task.pk}]"] == "EX"


def test_the_scores_export_has_one_row_per_student_and_item_with_its_marks(client, gb):
    client.force_login(gb.a.instructor)
    rows = _rows(_export(client, gb, "export-scores"))
    header, body = rows[0], rows[1:]
    assert len(body) == 4 * 3
    records = {(r[0], r[3]): dict(zip(header, r, strict=True)) for r in body}
    late = records[("learner0@a.example.edu", "Essay 1")]
    assert (late["score"], late["points_possible"], late["late"], late["category"]) == ("40.00", "50.00", "yes", "Assignments")
    assert records[("learner1@a.example.edu", "Essay 1")]["missing"] == "yes"
    overridden = records[("learner2@a.example.edu", "Quiz 1")]
    assert (overridden["score"], overridden["overridden"]) == ("95.00", "yes")
    assert records[("learner2@a.example.edu", "Essay 1")]["excused"] == "yes"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_run_get_a_leading_apostrophe(client, gb, prefix):
    gb.l0.full_name = f"{prefix}HYPERLINK(\"http://evil.example\")"
    gb.l0.save(update_fields=["full_name"])
    gb.quiz.title = f"{prefix}1+1"
    gb.quiz.save(update_fields=["title"])
    client.force_login(gb.a.instructor)
    for name in ("export", "export-scores"):
        text = b"".join(_export(client, gb, name).streaming_content).decode()
        assert f"'{prefix}HYPERLINK" in text and f"'{prefix}1+1" in text
        for row in csv.reader(io.StringIO(text)):
            assert not any(cell.startswith(("=", "+", "@")) for cell in row)


def test_the_exports_read_the_students_in_chunks(client, gb, monkeypatch):
    """Constant memory: the students come from a cursor in chunks, and each chunk's scores are read alone."""
    monkeypatch.setattr(grid, "CSV_CHUNK", 2)
    seen: list[int] = []
    real = grid.offering_scores

    def recording(offering, *, user_ids=None):
        seen.append(len(user_ids))
        return real(offering, user_ids=user_ids)

    monkeypatch.setattr(grid, "offering_scores", recording)
    client.force_login(gb.a.instructor)
    response = _export(client, gb, "export-scores")
    stream = iter(response.streaming_content)
    next(stream)  # the header: nothing read yet
    assert seen == []
    rest = list(stream)
    assert seen == [2, 2] and len(rest) == 12


# --- the import ---------------------------------------------------------------------------------------------


def _import_url(gb):
    return reverse("gradebook:import", kwargs={"offering_id": gb.a.offering.pk})


def _check(client, gb, content: bytes | str, *, item=None, reason="Paper exam re-marked."):
    data = content.encode() if isinstance(content, str) else content
    upload = SimpleUploadedFile("scores.csv", data, content_type="text/csv")
    return client.post(_import_url(gb), {"item": (item or gb.lab).pk, "file": upload, "reason": reason})


def _confirm(client, gb, token):
    return client.post(reverse("gradebook:import-confirm", kwargs={"offering_id": gb.a.offering.pk}), {"token": token})


def test_an_import_is_checked_first_then_written_through_the_audited_override_path(client, gb):
    client.force_login(gb.a.instructor)
    before = GradeChange.objects.count()
    response = _check(client, gb, "\ufeffemail,full_name,score\nLEARNER0@a.example.edu,x,62.5\nlearner1@a.example.edu,,ex\n"
                                  "learner2@a.example.edu,,\nstudent@a.example.edu,,0\n")
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 scores of Lab 1 will change" in html and "1 empty score left as it is" in html
    assert not ItemScoreOverride.objects.filter(content_item=gb.lab).exists()  # the check writes nothing
    token = response.context["token"]
    done = _confirm(client, gb, token)
    assert done.status_code == 302
    rows = {r.student_id: r for r in ItemScoreOverride.objects.filter(content_item=gb.lab)}
    assert rows[gb.l0.pk].score == Decimal("62.50") and rows[gb.l1.pk].excused and rows[gb.a.student.pk].score == 0
    changes = GradeChange.objects.order_by("id")[before:]
    assert [(c.kind, c.reason, c.actor_id) for c in changes] == [("override", "Paper exam re-marked.", gb.a.instructor.pk)] * 3
    assert _confirm(client, gb, token).status_code == 302  # a second confirm finds nothing to import
    assert GradeChange.objects.count() == before + 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("mail,points\nlearner0@a.example.edu,5\n", MISSING_COLUMN.format(column="email")),
        ("email,points\nlearner0@a.example.edu,5\n", MISSING_COLUMN.format(column="score")),
        ("email,score\nnobody@a.example.edu,5\n", imports.UNKNOWN_STUDENT),
        ("email,score\nstudent@b.example.edu,5\n", imports.UNKNOWN_STUDENT),  # another university's student
        ("email,score\nbeta0@b.example.edu,5\n", imports.UNKNOWN_STUDENT),
        ("email,score\nlearner0@a.example.edu,five\n", overrides.SCORE_INVALID),
        ("email,score\nlearner0@a.example.edu,-1\n", overrides.SCORE_NEGATIVE),
        ("email,score\nlearner0@a.example.edu,100.5\n", overrides.SCORE_TOO_HIGH.format(max="100")),
        ("email,score\nlearner0@a.example.edu,=1+1\n", overrides.SCORE_INVALID),
        ("email,score\nlearner0@a.example.edu,5\nlearner0@a.example.edu,6\n", imports.DUPLICATE_STUDENT.format(row=2)),
        ("email,score\n", "The file is empty"),
        ("\n\n", "The file is empty"),
        ("email,score\n,5\n", imports.EMAIL_REQUIRED),
        ("email,score\nlearner0@a.example.edu,5\n".encode("utf-16"), WRONG_ENCODING),
        (b"email,score\nl\xe9arner0@a.example.edu,5\n", WRONG_ENCODING),
    ],
)
def test_every_bad_input_is_a_row_error_and_nothing_is_written(client, gb, content, message):
    client.force_login(gb.a.instructor)
    before = (ItemScoreOverride.objects.count(), GradeChange.objects.count())
    response = _check(client, gb, content)
    assert response.status_code == 400
    assert "Nothing was written" in response.content.decode()
    assert any(message in str(error) for error in response.context["errors"]), response.context["errors"]
    assert (ItemScoreOverride.objects.count(), GradeChange.objects.count()) == before


def test_one_bad_row_among_good_ones_writes_nothing_and_names_its_row(client, gb):
    client.force_login(gb.a.instructor)
    response = _check(client, gb, "email,score\nlearner0@a.example.edu,10\nlearner1@a.example.edu,abc\n"
                                  "student@a.example.edu,101\n")  # fmt: skip
    assert response.status_code == 400
    errors = [str(error) for error in response.context["errors"]]
    assert errors == [f"row 3, column 'score': {overrides.SCORE_INVALID}",
                      f"row 4, column 'score': {overrides.SCORE_TOO_HIGH.format(max='100')}"]  # fmt: skip
    assert "token" not in response.context
    assert not ItemScoreOverride.objects.filter(content_item=gb.lab).exists()


def test_a_huge_file_is_refused_unread(client, gb):
    client.force_login(gb.a.instructor)
    response = _check(client, gb, b"email,score\n" + b"x" * (imports.MAX_BYTES + 1))
    assert response.status_code == 400
    assert escape(imports.FILE_TOO_LARGE.format(max=2)) in response.content.decode()
    assert not ItemScoreOverride.objects.filter(content_item=gb.lab).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"item": "", "reason": "r"},
        {"reason": ""},
        {"item": "999999999", "reason": "r"},
        {"file": ""},
        {"file": SimpleUploadedFile("empty.csv", b"")},  # an empty upload: the form's own error
    ],
)
def test_a_bad_form_is_a_400(client, gb, data):
    client.force_login(gb.a.instructor)
    values = {"item": gb.lab.pk, "reason": "r",
              "file": SimpleUploadedFile("s.csv", b"email,score\nlearner0@a.example.edu,1\n")} | data  # fmt: skip
    response = client.post(_import_url(gb), values)
    assert response.status_code == 400
    assert not ItemScoreOverride.objects.filter(content_item=gb.lab).exists()


def test_another_universitys_item_cannot_be_chosen(client, gb):
    client.force_login(gb.a.instructor)
    response = _check(client, gb, "email,score\nlearner0@a.example.edu,1\n", item=gb.b_quiz)
    assert response.status_code == 400 and "item" in response.context["form"].errors


def test_a_confirm_without_a_valid_check_writes_nothing(client, gb):
    client.force_login(gb.a.instructor)
    response = _confirm(client, gb, "forged")
    assert response.status_code == 302 and response["Location"] == _import_url(gb)
    assert not ItemScoreOverride.objects.filter(content_item=gb.lab).exists()


def test_a_student_dropped_between_the_check_and_the_import_stops_the_whole_import(client, gb):
    from learning.models import CourseEnrollment

    client.force_login(gb.a.instructor)
    response = _check(client, gb, "email,score\nlearner0@a.example.edu,10\nlearner1@a.example.edu,20\n")
    CourseEnrollment.objects.filter(user=gb.l1, course_offering=gb.a.offering).update(status="dropped")
    refused = _confirm(client, gb, response.context["token"])
    assert refused.status_code == 400 and escape(overrides.NOT_ON_GRADEBOOK) in refused.content.decode()
    assert not ItemScoreOverride.objects.filter(content_item=gb.lab).exists()


def test_tas_may_not_import_and_students_and_strangers_get_404(client, gb):
    client.force_login(gb.a.ta)
    assert client.get(_import_url(gb)).status_code == 403
    assert _check(client, gb, "email,score\nlearner0@a.example.edu,1\n").status_code == 403
    for user in (gb.a.student, gb.b.instructor, gb.b.university_admin):
        client.force_login(user)
        assert client.get(_import_url(gb)).status_code == 404
    assert not ItemScoreOverride.objects.filter(content_item=gb.lab).exists()
