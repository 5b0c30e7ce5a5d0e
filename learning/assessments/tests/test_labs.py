"""Lab services: submitting, autograding in the real sandbox through the task queue (immediate backend),
attempt limits, best/latest, completion at the pass mark, overrides and feedback with their audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from learning.assessments import labs
from learning.assessments.audit import grade_changes_for
from learning.assessments.tests.lab_fixtures import BROKEN, PARTLY_CORRECT, build_lab
from learning.management.demo_lab_files import FINITE_DIFFERENCES_SOLUTION
from learning.models import LabSubmission, LabSubmissionStatus, UserContentProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(world):
    return build_lab(world.a)


def submit(lab, source: str, capture, user=None) -> LabSubmission:
    with capture(execute=True):
        submission = labs.submit_lab(
            actor=user or lab.student, offering=lab.offering, item=lab.item,
            files={"finite_differences.py": source.encode()},
        )  # fmt: skip
    submission.refresh_from_db()
    return submission


def progress_of(lab):
    return UserContentProgress.objects.filter(
        user=lab.student, course_offering=lab.offering, content_item=lab.item
    ).first()


def test_a_correct_submission_scores_full_marks_and_completes(lab, django_capture_on_commit_callbacks):
    submission = submit(lab, FINITE_DIFFERENCES_SOLUTION, django_capture_on_commit_callbacks)
    assert submission.status == LabSubmissionStatus.GRADED
    assert submission.score_obtained == Decimal("100.00") == submission.auto_score
    report = submission.auto_grade_json
    assert (report["passed"], report["total"]) == (4, 4)
    assert {t["name"] for t in report["tests"]} >= {
        "test_finite_differences.py::test_forward_difference_of_sine_at_zero"
    }
    assert all(set(t) == {"name", "outcome", "message", "duration"} for t in report["tests"])
    assert progress_of(lab).completed_at is not None
    trail = list(grade_changes_for(submission))
    assert [(c.kind, c.from_value, c.to_value, c.actor_id) for c in trail] == [("auto", None, Decimal("100.00"), None)]


def test_a_partly_correct_submission_scores_the_passed_share(lab, django_capture_on_commit_callbacks):
    submission = submit(lab, PARTLY_CORRECT, django_capture_on_commit_callbacks)
    assert submission.status == LabSubmissionStatus.GRADED
    outcomes = {t["name"].split("::")[1]: t["outcome"] for t in submission.auto_grade_json["tests"]}
    assert outcomes["test_forward_difference_of_sine_at_zero"] == "passed"
    assert outcomes["test_central_difference_is_second_order"] == "failed"
    assert submission.score_obtained == Decimal("50.00")
    assert progress_of(lab).completed_at is not None  # 50 % reaches the default pass mark


def test_below_the_pass_mark_the_lab_is_not_complete(world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a, pass_mark_percent=60)
    submission = submit(lab, PARTLY_CORRECT, django_capture_on_commit_callbacks)
    assert submission.score_obtained == Decimal("50.00")
    row = progress_of(lab)
    assert row.completed_at is None and row.progress_percent == Decimal("50.00")


def test_a_broken_submission_scores_zero_with_the_compile_error(lab, django_capture_on_commit_callbacks):
    submission = submit(lab, BROKEN, django_capture_on_commit_callbacks)
    assert submission.status == LabSubmissionStatus.GRADED
    assert submission.score_obtained == 0
    report = submission.auto_grade_json
    assert report["compile_errors"][0]["path"] == "finite_differences.py"
    assert "SyntaxError" in report["compile_errors"][0]["message"]


def test_attempt_limit_and_numbers(lab, django_capture_on_commit_callbacks):
    numbers = [submit(lab, BROKEN, django_capture_on_commit_callbacks).attempt_number for _ in range(3)]
    assert numbers == [1, 2, 3]
    with pytest.raises(ValidationError) as caught:
        labs.submit_lab(actor=lab.student, offering=lab.offering, item=lab.item, files={"a.py": b""})
    assert caught.value.messages == [labs.LAB_NO_ATTEMPTS_LEFT.format(limit=3)]
    assert LabSubmission.objects.count() == 3


def test_extra_attempts_from_an_accommodation(lab, django_capture_on_commit_callbacks):
    from learning.models import Accommodation

    Accommodation.objects.create(
        university=lab.offering.university, course_offering=lab.offering, student=lab.student, extra_attempts=1
    )
    for _ in range(4):
        submit(lab, BROKEN, django_capture_on_commit_callbacks)
    assert LabSubmission.objects.count() == 4


def test_best_or_latest_score_counts(world, django_capture_on_commit_callbacks):
    best = build_lab(world.a)
    submit(best, FINITE_DIFFERENCES_SOLUTION, django_capture_on_commit_callbacks)
    submit(best, BROKEN, django_capture_on_commit_callbacks)
    assert labs.counted_score(student_id=best.student.pk, offering_id=best.offering.pk, item=best.item) == 100
    best.item.data_json = {**best.item.data_json, "score_policy": "latest"}
    best.item.save(update_fields=["data_json"])
    assert labs.counted_score(student_id=best.student.pk, offering_id=best.offering.pk, item=best.item) == 0


def test_only_active_students_submit(world, lab):
    with pytest.raises(ValidationError) as caught:
        labs.submit_lab(actor=world.b.student, offering=lab.offering, item=lab.item, files={"a.py": b""})
    assert caught.value.messages == [labs.LAB_NOT_ENROLLED]


def test_override_needs_a_grader_and_a_reason_and_is_audited(world, lab, django_capture_on_commit_callbacks):
    submission = submit(lab, PARTLY_CORRECT, django_capture_on_commit_callbacks)
    for outsider in (lab.student, world.b.instructor):
        with pytest.raises(ValidationError) as caught:
            labs.override_lab_score(actor=outsider, submission=submission, score=Decimal(90), reason="x")
        assert caught.value.messages == [labs.LAB_DENIED]
    with pytest.raises(ValidationError) as caught:
        labs.override_lab_score(actor=world.a.instructor, submission=submission, score=Decimal(90), reason="  ")
    assert caught.value.messages == [labs.LAB_REASON_REQUIRED]
    with pytest.raises(ValidationError):
        labs.override_lab_score(actor=world.a.instructor, submission=submission, score=Decimal(101), reason="r")
    labs.override_lab_score(actor=world.a.ta, submission=submission, score=Decimal(90), reason="Regraded by hand")
    submission.refresh_from_db()
    assert (submission.score_obtained, submission.auto_score) == (Decimal("90.00"), Decimal("50.00"))
    last = list(grade_changes_for(submission))[-1]
    assert (last.kind, last.from_value, last.to_value, last.actor, last.reason) == (
        "override", Decimal("50.00"), Decimal("90.00"), world.a.ta, "Regraded by hand")  # fmt: skip
    labs.set_lab_feedback(actor=world.a.instructor, submission=submission, feedback="Check h in the central one.")
    submission.refresh_from_db()
    assert submission.instructor_feedback == "Check h in the central one."


def test_rerun_grades_again(world, lab, django_capture_on_commit_callbacks):
    submission = submit(lab, PARTLY_CORRECT, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert labs.rerun_lab_grading_all(actor=world.a.instructor, offering=lab.offering, item=lab.item) == 1
    submission.refresh_from_db()
    assert submission.status == LabSubmissionStatus.GRADED and submission.score_obtained == 50


def test_a_duplicate_task_is_a_no_op(lab, django_capture_on_commit_callbacks):
    submission = submit(lab, PARTLY_CORRECT, django_capture_on_commit_callbacks)
    assert labs.grade_lab_submission(submission_id=submission.pk) == "skipped"


def test_a_lab_this_server_cannot_run_is_not_queued(world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a, runtime="matlab")
    submission = submit(lab, BROKEN, django_capture_on_commit_callbacks)
    assert submission.status == LabSubmissionStatus.SUBMITTED


def test_a_server_without_the_sandbox_reports_an_error_not_a_crash(
    lab, django_capture_on_commit_callbacks, monkeypatch
):
    from learning.assessments.sandbox import runner

    monkeypatch.setattr(runner, "BWRAP", "/nonexistent/bwrap")
    submission = submit(lab, FINITE_DIFFERENCES_SOLUTION, django_capture_on_commit_callbacks)
    assert submission.status == LabSubmissionStatus.ERROR and submission.score_obtained is None
    assert "/nonexistent/bwrap is not installed" in submission.auto_grade_json["error"]
