"""Reads for the lab pages. Every function takes an offering the caller got through
``learning.assessments.access`` and scopes by it, so ids of other offerings answer nothing (404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import Http404

from learning.assessments.labs import LabSettings, attempts_allowed, counted_score, lab_settings
from learning.assessments.models import LabSubmission, LabSubmissionStatus
from learning.assessments.models_submissions import SubmissionFile

FINAL_STATUSES = (LabSubmissionStatus.GRADED, LabSubmissionStatus.ERROR)
GRADING_PAGE_SIZE = 50


@dataclass
class StudentLabState:
    lab: LabSettings
    submissions: list[LabSubmission]
    attempts_left: int | None  # None: unlimited
    counted: object


def student_lab_state(*, user, offering, item) -> StudentLabState:
    from learning.assessments.labs import _extra_attempts

    lab = lab_settings(item)
    submissions = list(
        LabSubmission.objects.filter(user_id=user.pk, course_offering_id=offering.pk, content_item_id=item.pk).order_by(
            "-attempt_number"
        )
    )
    limit = attempts_allowed(settings_=lab, extra_attempts=_extra_attempts(student=user, offering=offering, item=item))
    left = None if limit is None else max(0, limit - len(submissions))
    counted = counted_score(student_id=user.pk, offering_id=offering.pk, item=item, lab=lab)
    return StudentLabState(lab=lab, submissions=submissions, attempts_left=left, counted=counted)


def get_own_submission(*, user, offering_id: int, submission_id: int) -> LabSubmission:
    """The user's own submission (scoped by its owner, so it may be read before the offering's access check);
    404 for anyone else's."""
    submission = (
        LabSubmission.objects.select_related("content_item")
        .filter(pk=submission_id, user_id=user.pk, course_offering_id=offering_id)
        .first()
    )
    if submission is None:
        raise Http404("No such submission.")
    return submission


def get_offering_submission(*, offering, submission_id: int) -> LabSubmission:
    submission = (
        LabSubmission.objects.select_related("content_item", "user", "course_offering")
        .filter(pk=submission_id, course_offering_id=offering.pk)
        .first()
    )
    if submission is None:
        raise Http404("No such submission.")
    return submission


def submission_files(submission: LabSubmission) -> list[SubmissionFile]:
    return list(SubmissionFile.objects.filter(lab_submission_id=submission.pk).defer("data").order_by("path"))


def student_test_rows(submission: LabSubmission, lab: LabSettings) -> list[dict]:
    """What the student sees per test: names and messages only when the lab shows hidden test names."""
    tests = (submission.auto_grade_json or {}).get("tests") or []
    rows = []
    for number, test in enumerate(tests, start=1):
        shown = lab.show_hidden_test_names
        rows.append(
            {
                "name": test.get("name") if shown else f"Test {number}",
                "outcome": test.get("outcome"),
                "message": test.get("message") if shown else "",
                "duration": test.get("duration"),
            }
        )
    return rows


def grading_page(*, offering, item, page_number) -> Page:
    """One page of the lab's submissions, newest first, with the students joined (two queries)."""
    queryset = (
        LabSubmission.objects.filter(course_offering_id=offering.pk, content_item_id=item.pk)
        .select_related("user")
        .defer("auto_grade_json")
        .order_by("-id")
    )
    return Paginator(queryset, GRADING_PAGE_SIZE).get_page(page_number)


def get_file_for_user(*, user, offering_id: int, file_id: int, as_grader: bool) -> SubmissionFile:
    """A submission file of this offering: the student's own, or any when ``as_grader`` (the caller checked the
    user grades the offering through ``access.graded_offerings``)."""
    files = SubmissionFile.objects.filter(pk=file_id, course_offering_id=offering_id)
    if not as_grader:
        files = files.filter(lab_submission__user_id=user.pk) | files.filter(assignment_submission__user_id=user.pk)
    found = files.select_related("assignment_submission").first()
    if found is None:
        raise Http404("No such file.")
    if not as_grader and found.role == "feedback":
        # a grader's file back is the student's only once the grade is posted
        parent = found.assignment_submission
        if parent is None or parent.posted_at is None:
            raise Http404("No such file.")
    return found
