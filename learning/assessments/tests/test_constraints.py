"""Every database constraint of the assignment, submission-file and grade-audit tables (and the lab attempt
numbering), proven by a raw write that breaks it; a control write beside a rejection shows the row is sound."""

import pytest

from accounts.tests.db_helpers import accepts, rejects, rejects_update
from learning.models import AssignmentSubmission, GradeChange, LabSubmission, SubmissionFile
from learning.tests.factories import (
    AssignmentSubmissionFactory,
    GradeChangeFactory,
    LabSubmissionFactory,
    SubmissionFileFactory,
)

pytestmark = pytest.mark.django_db


def _submissions(submission):
    return AssignmentSubmission.objects.filter(pk=submission.pk)


def test_one_assignment_submission_per_student_offering_and_item():
    submission = AssignmentSubmissionFactory()
    rejects(
        "ux_assignment_submissions_user_item",
        "INSERT INTO assignment_submissions (university_id, course_offering_id, user_id, content_item_id) "
        "VALUES (%s, %s, %s, %s)",
        [submission.university_id, submission.course_offering_id, submission.user_id, submission.content_item_id],
    )


def test_assignment_submission_status_is_one_of_the_enum():
    rejects_update("ck_assignment_submissions_status", _submissions(AssignmentSubmissionFactory()), status="graded")


def test_a_submitted_assignment_has_a_submission_time():
    submission = AssignmentSubmissionFactory()
    rejects_update("ck_assignment_submissions_submitted_at", _submissions(submission), submitted_at=None)
    # a draft may have none
    accepts("UPDATE assignment_submissions SET status = 'draft', submitted_at = NULL WHERE id = %s", [submission.pk])


@pytest.mark.parametrize(
    ("constraint", "field"),
    [
        ("ck_assignment_submissions_raw_score_nonnegative", "raw_score"),
        ("ck_assignment_submissions_late_penalty_nonnegative", "late_penalty"),
        ("ck_assignment_submissions_score_nonnegative", "score"),
        ("ck_assignment_submissions_count_nonnegative", "submission_count"),
    ],
)
def test_assignment_submission_figures_are_not_negative(constraint, field):
    submission = AssignmentSubmissionFactory()
    rejects_update(constraint, _submissions(submission), **{field: -1})
    assert _submissions(submission).update(**{field: 0}) == 1


def test_a_submission_file_has_exactly_one_parent():
    file = SubmissionFileFactory()
    lab = LabSubmissionFactory(course_offering=file.course_offering)
    files = SubmissionFile.objects.filter(pk=file.pk)
    rejects_update("ck_submission_files_one_parent", files, lab_submission=lab)  # two parents
    rejects_update("ck_submission_files_one_parent", files, assignment_submission=None)  # none
    accepts(
        "UPDATE submission_files SET lab_submission_id = %s, assignment_submission_id = NULL WHERE id = %s",
        [lab.pk, file.pk],
    )


def test_a_path_appears_once_per_assignment_submission_and_role():
    file = SubmissionFileFactory()
    insert = (
        "INSERT INTO submission_files (university_id, course_offering_id, assignment_submission_id, role, path, "
        "size, data) VALUES (%s, %s, %s, %s, %s, 1, '\\x00')"
    )
    params = [file.university_id, file.course_offering_id, file.assignment_submission_id]
    rejects("ux_submission_files_assignment_path", insert, [*params, "submission", file.path])
    # the grader may return a file of the same name
    accepts(insert, [*params, "feedback", file.path])


def test_a_path_appears_once_per_lab_submission_and_role():
    lab = LabSubmissionFactory()
    file = SubmissionFileFactory(
        lab_submission=lab,
        assignment_submission=None,
        course_offering=lab.course_offering,
        university=lab.course_offering.university,
    )
    insert = (
        "INSERT INTO submission_files (university_id, course_offering_id, lab_submission_id, role, path, size, data) "
        "VALUES (%s, %s, %s, %s, %s, 1, '\\x00')"
    )
    params = [file.university_id, file.course_offering_id, lab.pk]
    rejects("ux_submission_files_lab_path", insert, [*params, "submission", file.path])
    accepts(insert, [*params, "submission", "other.py"])


def test_submission_file_role_is_one_of_the_enum():
    file = SubmissionFileFactory()
    rejects_update("ck_submission_files_role", SubmissionFile.objects.filter(pk=file.pk), role="draft")


def test_submission_file_size_is_not_negative():
    file = SubmissionFileFactory()
    rejects_update("ck_submission_files_size_nonnegative", SubmissionFile.objects.filter(pk=file.pk), size=-1)


def test_grade_change_kind_is_one_of_the_enum():
    change = GradeChangeFactory()
    rejects_update("ck_grade_changes_kind", GradeChange.objects.filter(pk=change.pk), kind="bribe")


def test_an_override_needs_a_reason():
    change = GradeChangeFactory()
    changes = GradeChange.objects.filter(pk=change.pk)
    rejects_update("ck_grade_changes_override_reason", changes, kind="override", reason="")
    accepts("UPDATE grade_changes SET kind = 'override', reason = 'Regraded by hand' WHERE id = %s", [change.pk])


def test_lab_attempt_numbers_start_at_one():
    lab = LabSubmissionFactory()
    rejects_update(
        "ck_lab_submissions_attempt_number_positive", LabSubmission.objects.filter(pk=lab.pk), attempt_number=0
    )


def test_lab_attempt_number_is_unique_per_student_offering_and_item():
    lab = LabSubmissionFactory()
    insert = (
        "INSERT INTO lab_submissions (user_id, course_offering_id, content_item_id, attempt_number) "
        "VALUES (%s, %s, %s, %s)"
    )
    params = [lab.user_id, lab.course_offering_id, lab.content_item_id]
    rejects("ux_lab_submissions_attempt_number", insert, [*params, lab.attempt_number])
    accepts(insert, [*params, lab.attempt_number + 1])


def test_lab_grading_runs_are_not_negative():
    lab = LabSubmissionFactory()
    rejects_update(
        "ck_lab_submissions_grading_runs_nonnegative", LabSubmission.objects.filter(pk=lab.pk), grading_runs=-1
    )
