"""Assignments: drafts, submission rules, dates and extensions, late penalty stored apart, rubric, posting,
anonymous grading, exemptions, missing scores, completion, the audit trail; the pages with denied access,
bad input and the grading queue's query bound with 500 submissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from learning.assessments import assignments
from learning.assessments.tests.lab_fixtures import RUBRIC, build_assignment
from learning.models import (
    Accommodation,
    AssignmentSubmission,
    GradeChange,
    SubmissionFile,
    UserContentProgress,
)
from learning.tests.factories import CourseEnrollmentFactory

pytestmark = pytest.mark.django_db

DUE = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def task(world):
    return build_assignment(world.a)


def hand_in(task, *, at=DUE, text="My answer", files=None, submit=True, student=None):
    return assignments.save_assignment(
        actor=student or task.student, offering=task.offering, item=task.item, text=text, files=files,
        submit=submit, now=at,
    )  # fmt: skip


def refused(call) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.messages


def completed(task, student=None) -> bool:
    row = UserContentProgress.objects.filter(user=student or task.student, content_item=task.item).first()
    return row is not None and row.completed_at is not None


def test_draft_then_submit_then_no_resubmission(task):
    draft = hand_in(task, submit=False, text="half done", at=DUE - timedelta(days=2))
    assert (draft.status, draft.submitted_at, draft.submission_count) == ("draft", None, 0)
    final = hand_in(task, text="all done", at=DUE - timedelta(days=1))
    assert (final.pk, final.status, final.text_answer, final.submission_count) == (draft.pk, "submitted", "all done", 1)
    assert refused(lambda: hand_in(task, at=DUE)) == [assignments.ASSIGNMENT_NO_RESUBMISSION]


def test_resubmission_when_allowed(world):
    task = build_assignment(world.a, allow_resubmission=True)
    hand_in(task, at=DUE - timedelta(days=1))
    again = hand_in(task, text="better", at=DUE)
    assert (again.submission_count, again.text_answer) == (2, "better")


def test_submission_types_and_empty(world):
    files_only = build_assignment(world.a, submission_types=["file_upload"])
    assert refused(lambda: hand_in(files_only, text="words")) == [assignments.ASSIGNMENT_NO_TEXT]
    assert refused(lambda: hand_in(files_only, text="")) == [assignments.ASSIGNMENT_EMPTY]
    text_only = build_assignment(world.b, submission_types=["text_entry"])
    assert refused(lambda: hand_in(text_only, files={"a.pdf": b"%PDF"})) == [assignments.ASSIGNMENT_NO_FILES]


def test_dates_cutoff_and_extension(world):
    task = build_assignment(world.a, available_from="2030-01-01T00:00:00Z")
    assert "opens on" in refused(lambda: hand_in(task, at=datetime(2029, 12, 31, tzinfo=UTC)))[0]
    cutoff = DUE + timedelta(days=3)
    assert hand_in(task, at=cutoff, submit=False).status == "draft"  # exactly at the cut-off: still open
    assert "closed on" in refused(lambda: hand_in(task, at=cutoff + timedelta(seconds=1)))[0]
    Accommodation.objects.create(
        university=task.offering.university, course_offering=task.offering, student=task.student,
        content_item=task.item, extended_until=DUE + timedelta(days=2),
    )  # fmt: skip
    late_but_extended = hand_in(task, at=DUE + timedelta(days=2))
    assert late_but_extended.seconds_late == 0


def test_late_penalty_is_stored_apart_and_audited(world, task):
    submission = hand_in(task, at=DUE + timedelta(seconds=1))
    graded = assignments.grade_assignment(actor=world.a.instructor, submission=submission, raw_score=Decimal(40))
    assert (graded.raw_score, graded.late_penalty, graded.score, graded.seconds_late) == (
        Decimal("40.00"), Decimal("5.00"), Decimal("35.00"), 1)  # fmt: skip
    kinds = list(GradeChange.objects.filter(target_id=graded.pk).values_list("kind", "field", "from_value", "to_value"))
    assert kinds == [("manual", "score", None, Decimal("40.00")), ("late_penalty", "late_penalty", Decimal("0.00"),
                                                                    Decimal("5.00"))]  # fmt: skip
    exempt = assignments.set_late_exemption(actor=world.a.instructor, submission=graded, exempt=True)
    assert (exempt.late_penalty, exempt.score) == (0, Decimal("40.00"))
    assert GradeChange.objects.filter(target_id=graded.pk, kind="late_penalty").count() == 2


def test_on_time_has_no_penalty(world, task):
    graded = assignments.grade_assignment(actor=world.a.ta, submission=hand_in(task, at=DUE), raw_score=Decimal(50))
    assert (graded.late_penalty, graded.score) == (0, 50)


def test_rubric_scoring(world):
    task = build_assignment(world.a, rubric=RUBRIC)
    submission = hand_in(task)
    graded = assignments.grade_assignment(actor=world.a.instructor, submission=submission, rubric_levels=[1, 1])
    assert graded.raw_score == 30 and graded.rubric_json == {"levels": [1, 1]}
    assert refused(lambda: assignments.grade_assignment(actor=world.a.instructor, submission=submission,
                                                        rubric_levels=[1])) == [assignments.ASSIGNMENT_RUBRIC_INCOMPLETE]  # fmt: skip
    assert refused(lambda: assignments.grade_assignment(actor=world.a.instructor, submission=submission,
                                                        rubric_levels=[1, 7])) == [assignments.ASSIGNMENT_RUBRIC_INCOMPLETE]  # fmt: skip
    assert GradeChange.objects.filter(target_id=submission.pk, kind="rubric").count() == 1


def test_only_graders_grade_and_scores_stay_in_range(world, task):
    submission = hand_in(task)
    for outsider in (task.student, world.b.instructor):
        assert refused(
            lambda u=outsider: assignments.grade_assignment(actor=u, submission=submission, raw_score=1)
        ) == [assignments.ASSIGNMENT_DENIED]
    assert (
        "between 0 and 50"
        in refused(lambda: assignments.grade_assignment(actor=world.a.instructor, submission=submission, raw_score=51))[
            0
        ]
    )


def test_manual_posting_hides_then_reveals(client, world):
    task = build_assignment(world.a, grade_posting="manual")
    submission = hand_in(task)
    assignments.grade_assignment(actor=world.a.instructor, submission=submission, raw_score=Decimal(44),
                                 feedback="Good tangent work", feedback_file=("comments.txt", b"see p.2"))  # fmt: skip
    client.force_login(task.student)
    page = reverse("assignments:assignment", args=[task.offering.pk, task.item.pk])
    html = client.get(page).content.decode()
    assert 'id="grade"' not in html and "44.00" not in html
    assert "Good tangent work" not in html and "comments.txt" not in html
    feedback_file = SubmissionFile.objects.get(role="feedback")
    assert client.get(reverse("labs:file", args=[task.offering.pk, feedback_file.pk])).status_code == 404
    assert not completed(task)
    assert assignments.post_assignment_grades(actor=world.a.instructor, offering=task.offering, item=task.item) == 1
    html = client.get(page).content.decode()
    assert "Grade: 44.00 / 50.00" in html and "Good tangent work" in html and "comments.txt" in html
    assert client.get(reverse("labs:file", args=[task.offering.pk, feedback_file.pk])).content == b"see p.2"
    assert completed(task)


def test_automatic_posting_completes_at_grading(world, task):
    submission = hand_in(task)
    assert not completed(task)
    assignments.grade_assignment(actor=world.a.instructor, submission=submission, raw_score=Decimal(10))
    assert completed(task)


def test_completion_on_submission(world):
    task = build_assignment(world.a, completion="submitted")
    hand_in(task)
    assert completed(task)


def test_missing_score_after_the_cutoff_but_not_for_exempt_students(world):
    task = build_assignment(world.a, late_policy={"accept_late": False, "missing_score_percent": 0})
    exempt_student = CourseEnrollmentFactory(course_offering=task.offering).user
    AssignmentSubmission.objects.create(
        university=task.offering.university, course_offering=task.offering, user=exempt_student,
        content_item=task.item, late_exempt=True,
    )  # fmt: skip
    assert assignments.apply_missing_scores(actor=world.a.instructor, offering=task.offering, item=task.item,
                                            now=DUE) == 0  # fmt: skip
    assert not AssignmentSubmission.objects.filter(user=task.student).exists()  # before the cut-off: no empty row
    assert assignments.apply_missing_scores(actor=world.a.instructor, offering=task.offering, item=task.item,
                                            now=DUE + timedelta(seconds=1)) == 1  # fmt: skip
    missing = AssignmentSubmission.objects.get(user=task.student)
    assert (missing.is_missing, missing.score, missing.posted_at is not None) == (True, 0, True)
    assert GradeChange.objects.filter(target_id=missing.pk, kind="missing").count() == 1


# --- pages ---------------------------------------------------------------------------------------------


def test_the_student_page_saves_and_submits(client, task):
    client.force_login(task.student)
    url = reverse("assignments:assignment", args=[task.offering.pk, task.item.pk])
    assert "Problem set 1" in client.get(url).content.decode()
    response = client.post(url, {"action": "save", "text": "draft"})
    assert response.status_code == 302 and AssignmentSubmission.objects.get().status == "draft"
    pdf = SimpleUploadedFile("work.pdf", b"%PDF-1.4")
    assert client.post(url, {"action": "submit", "text": "final", "files": [pdf]}).status_code == 302
    submission = AssignmentSubmission.objects.get()
    assert submission.status == "submitted" and SubmissionFile.objects.get().path == "work.pdf"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "launch", "text": "x"}, None),
        ({"action": "submit", "text": ""}, assignments.ASSIGNMENT_EMPTY),
        (
            {"action": "submit", "text": "x", "files": [SimpleUploadedFile("evil.exe", b"MZ")]},
            "not an allowed file type",
        ),
    ],
)
def test_the_student_page_refuses_bad_input(client, task, data, message):
    client.force_login(task.student)
    response = client.post(reverse("assignments:assignment", args=[task.offering.pk, task.item.pk]), data)
    assert response.status_code == 400
    if message:
        assert message in response.content.decode()
    assert not AssignmentSubmission.objects.filter(status="submitted").exists()


def _on_page(moment) -> str:
    return f"{moment:%d %b %Y, %H:%M} UTC"


def test_after_the_cutoff_the_page_says_closed_and_why_instead_of_the_form(client, world):
    due = (timezone.now() - timedelta(days=5)).replace(microsecond=0)
    task = build_assignment(world.a, due_at=due.isoformat())  # cut-off: due + 3 days, two days ago
    url = reverse("assignments:assignment", args=[task.offering.pk, task.item.pk])
    client.force_login(task.student)
    page = client.get(url).content.decode()
    closed = assignments.ASSIGNMENT_CLOSED.format(date=_on_page(due + timedelta(days=3)))
    assert closed in page
    assert 'name="action"' not in page and 'enctype="multipart/form-data"' not in page
    # A tab opened before the cut-off posts anyway: refused with the same message, nothing written.
    response = client.post(url, {"action": "submit", "text": "too late"})
    assert response.status_code == 400 and closed in response.content.decode()
    assert not AssignmentSubmission.objects.exists()


def test_an_extension_reopens_the_form_until_it_ends(client, world):
    due = (timezone.now() - timedelta(days=5)).replace(microsecond=0)
    task = build_assignment(world.a, due_at=due.isoformat(), late_policy={"accept_late": False})
    url = reverse("assignments:assignment", args=[task.offering.pk, task.item.pk])
    extension = Accommodation.objects.create(
        university=task.offering.university, course_offering=task.offering, student=task.student,
        content_item=task.item, extended_until=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    client.force_login(task.student)
    page = client.get(url).content.decode()
    assert 'name="action" value="submit"' in page and "hand-in-closed" not in page
    assert client.post(url, {"action": "submit", "text": "in time"}).status_code == 302
    AssignmentSubmission.objects.all().delete()
    ended = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    Accommodation.objects.filter(pk=extension.pk).update(extended_until=ended)
    page = client.get(url).content.decode()
    assert assignments.ASSIGNMENT_EXTENSION_ENDED.format(date=_on_page(ended)) in page
    assert 'name="action"' not in page
    response = client.post(url, {"action": "submit", "text": "too late"})
    assert response.status_code == 400 and not AssignmentSubmission.objects.exists()


def test_before_it_opens_the_page_says_when_instead_of_the_form(client, world):
    opens = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    task = build_assignment(world.a, available_from=opens.isoformat())
    client.force_login(task.student)
    page = client.get(reverse("assignments:assignment", args=[task.offering.pk, task.item.pk])).content.decode()
    assert assignments.ASSIGNMENT_NOT_OPEN.format(date=_on_page(opens)) in page and 'name="action"' not in page


def test_strangers_get_404(client, world, task):
    submission = hand_in(task)
    urls = [
        reverse("assignments:assignment", args=[task.offering.pk, task.item.pk]),
        reverse("assignments:grading", args=[task.offering.pk, task.item.pk]),
        reverse("assignments:grade", args=[task.offering.pk, submission.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (world.b.student, world.b.instructor, world.b.university_admin):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client.force_login(task.student)  # wrong role for the graders' pages
    assert [client.get(url).status_code for url in urls[1:]] == [404, 404]


def test_anonymous_grading_hides_names_until_posted(client, world):
    task = build_assignment(world.a, anonymous_grading=True, grade_posting="manual")
    submission = hand_in(task)
    client.force_login(world.a.instructor)
    url = reverse("assignments:grade", args=[task.offering.pk, submission.pk])
    html = client.get(url).content.decode()
    assert task.student.full_name not in html and f"Student {submission.pk}" in html
    assert client.post(url, {"action": "grade", "score": "45", "feedback": "ok"}).status_code == 302
    assert task.student.full_name not in client.get(url).content.decode()
    assignments.post_assignment_grades(actor=world.a.instructor, offering=task.offering, item=task.item)
    assert task.student.full_name in client.get(url).content.decode()


def test_grading_page_bad_input_writes_nothing(client, world, task):
    submission = hand_in(task)
    client.force_login(world.a.instructor)
    url = reverse("assignments:grade", args=[task.offering.pk, submission.pk])
    assert client.post(url, {"action": "grade", "score": "51"}).status_code == 400
    assert client.post(url, {"action": "grade", "score": "abc"}).status_code == 400
    assert client.post(url, {"action": "nonsense"}).status_code == 400
    submission.refresh_from_db()
    assert submission.score is None and not GradeChange.objects.exists()


def test_the_grading_queue_pages_on_the_server(client, world, task, django_assert_max_num_queries):
    students = [CourseEnrollmentFactory(course_offering=task.offering).user for _ in range(500)]
    AssignmentSubmission.objects.bulk_create(
        AssignmentSubmission(
            university=task.offering.university, course_offering=task.offering, content_item=task.item, user=student,
            status="submitted", submitted_at=DUE, text_answer=f"answer {n}", submission_count=1,
        )
        for n, student in enumerate(students)
    )  # fmt: skip
    ids = list(AssignmentSubmission.objects.order_by("id").values_list("id", flat=True))
    client.force_login(world.a.ta)
    with django_assert_max_num_queries(6):  # the queue's counts and first id in one query
        start = client.get(reverse("assignments:grading", args=[task.offering.pk, task.item.pk]))
    assert start.status_code == 200 and "500 submission(s), 0 graded, 0 not posted" in start.content.decode()
    assert reverse("assignments:grade", args=[task.offering.pk, ids[0]]) in start.content.decode()  # "Start grading"
    with django_assert_max_num_queries(10):  # previous, next, position and total in one query
        response = client.get(reverse("assignments:grade", args=[task.offering.pk, ids[250]]))
    html = response.content.decode()
    assert "251 of 500" in html
    assert reverse("assignments:grade", args=[task.offering.pk, ids[249]]) in html
    assert reverse("assignments:grade", args=[task.offering.pk, ids[251]]) in html
    response = client.post(
        reverse("assignments:grade", args=[task.offering.pk, ids[250]]),
        {"action": "grade", "score": "30", "then": "next"},
    )
    assert response.url == reverse("assignments:grade", args=[task.offering.pk, ids[251]])


def test_posting_tells_each_student_once(world, django_capture_on_commit_callbacks):
    from learning.notifications.models import Notification, NotificationKind

    task = build_assignment(world.a, grade_posting="manual")
    submission = hand_in(task)
    with django_capture_on_commit_callbacks(execute=True):
        assignments.grade_assignment(actor=world.a.instructor, submission=submission, raw_score=Decimal(44))
    assert not Notification.objects.filter(kind=NotificationKind.GRADE_POSTED).exists()  # graded, not posted
    with django_capture_on_commit_callbacks(execute=True):
        assignments.post_assignment_grades(actor=world.a.instructor, offering=task.offering, item=task.item)
        assignments.post_assignment_grades(actor=world.a.instructor, offering=task.offering, item=task.item)
    note = Notification.objects.get(kind=NotificationKind.GRADE_POSTED)
    assert note.user_id == task.student.pk, list(Notification.objects.values_list("kind", "user_id", "text"))
    assert task.item.title in note.text
    assert note.url == reverse("assignments:assignment", args=[task.offering.pk, task.item.pk])


def test_automatic_posting_tells_the_student_at_the_first_grading_only(world, task, django_capture_on_commit_callbacks):
    from learning.notifications.models import Notification, NotificationKind

    submission = hand_in(task)
    with django_capture_on_commit_callbacks(execute=True):
        assignments.grade_assignment(actor=world.a.instructor, submission=submission, raw_score=Decimal(10))
        assignments.grade_assignment(actor=world.a.instructor, submission=submission, raw_score=Decimal(12))
    posted = Notification.objects.filter(kind=NotificationKind.GRADE_POSTED)
    assert list(posted.values_list("user_id", flat=True)) == [task.student.pk]
