"""Lab pages: the student's flow (starter zip without hidden tests, upload, status polling, results), the
graders' pages, denied access (anonymous, other university, wrong role), bad uploads, files by id, and the
query bound of the grading list with 500 submissions."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from learning.assessments import lab_views, uploads
from learning.assessments.models_submissions import SubmissionFile
from learning.assessments.tests.lab_fixtures import PARTLY_CORRECT, build_lab
from learning.models import GradeChange, LabSubmission, LabSubmissionStatus
from learning.tests.factories import CourseEnrollmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(world):
    return build_lab(world.a)


def lab_url(lab, name="labs:lab"):
    return reverse(name, args=[lab.offering.pk, lab.item.pk])


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def hand_in(client, lab, source=PARTLY_CORRECT, capture=None):
    client.force_login(lab.student)
    with capture(execute=True):
        response = client.post(lab_url(lab), {"files": [upload("finite_differences.py", source.encode())]})
    assert response.status_code == 302, response.content[:500]
    return LabSubmission.objects.get(user=lab.student, attempt_number=LabSubmission.objects.count())


def test_the_student_flow(client, lab, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    client.force_login(lab.student)
    page = client.get(lab_url(lab))
    assert page.status_code == 200 and "Download starter files" in page.content.decode()
    starter = client.get(lab_url(lab, "labs:starter"))
    names = zipfile.ZipFile(io.BytesIO(starter.content)).namelist()
    assert sorted(names) == ["README.md", "finite_differences.py"]  # hidden tests and solution stay
    assert starter["Content-Disposition"].startswith("attachment")

    submission = hand_in(client, lab, capture=django_capture_on_commit_callbacks)
    assert submission.status == LabSubmissionStatus.GRADED
    html = client.get(reverse("labs:submission", args=[lab.offering.pk, submission.pk])).content.decode()
    assert "50.00 / 100.00" in html and "Test 1" in html
    assert "test_central_difference_is_second_order" not in html  # hidden names stay hidden
    assert 'hx-trigger="every 2s"' not in html  # final: no more polling
    # polled every 2 s: session+user, the submission once, enrollment, item, files
    with django_assert_max_num_queries(5):
        partial = client.get(reverse("labs:submission-status", args=[lab.offering.pk, submission.pk]))
    assert partial.status_code == 200 and 'id="lab-status"' in partial.content.decode()


def test_a_pending_submission_polls(client, world):
    lab = build_lab(world.a, runtime="matlab")  # not run on this server: stays "submitted"
    client.force_login(lab.student)
    client.post(lab_url(lab), {"files": [upload("finite_differences.py", b"x = 1\n")]})
    submission = LabSubmission.objects.get()
    html = client.get(reverse("labs:submission-status", args=[lab.offering.pk, submission.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and "Submitted" in html


def test_hidden_test_names_when_the_lab_says_so(client, world, django_capture_on_commit_callbacks):
    lab = build_lab(world.a, show_hidden_test_names=True)
    submission = hand_in(client, lab, capture=django_capture_on_commit_callbacks)
    html = client.get(reverse("labs:submission", args=[lab.offering.pk, submission.pk])).content.decode()
    assert "test_central_difference_is_second_order" in html


@pytest.mark.parametrize(
    "files, message",
    [
        ([], uploads.UPLOAD_EMPTY),
        ([("math.py", b"")], uploads.UPLOAD_SHADOWS.format(name="math.py", module="math")),
        ([("work.zip", b"not a zip")], uploads.UPLOAD_BAD_ZIP.format(name="work.zip")),
        ([("big.py", b"x" * (257 * 1024))], "larger than 256 KB"),
    ],
)
def test_bad_uploads_are_form_errors_and_write_nothing(client, lab, files, message):
    client.force_login(lab.student)
    response = client.post(lab_url(lab), {"files": [upload(name, data) for name, data in files]})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["files"])
    assert not LabSubmission.objects.exists() and not SubmissionFile.objects.exists()


def test_traversal_in_a_zip_is_refused(client, lab):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/evil.py", "x = 1")
    client.force_login(lab.student)
    response = client.post(lab_url(lab), {"files": [upload("work.zip", buffer.getvalue())]})
    assert response.status_code == 400 and "must stay inside the submission" in response.content.decode()


def test_strangers_get_404(client, world, lab, django_capture_on_commit_callbacks):
    submission = hand_in(client, lab, capture=django_capture_on_commit_callbacks)
    file_id = SubmissionFile.objects.get(lab_submission=submission).pk
    urls = [
        lab_url(lab),
        lab_url(lab, "labs:starter"),
        reverse("labs:submission", args=[lab.offering.pk, submission.pk]),
        reverse("labs:submission-status", args=[lab.offering.pk, submission.pk]),
        reverse("labs:file", args=[lab.offering.pk, file_id]),
        reverse("labs:grading-list", args=[lab.offering.pk, lab.item.pk]),
        reverse("labs:grading-detail", args=[lab.offering.pk, submission.pk]),
    ]
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    for user in (world.b.student, world.b.instructor, world.b.university_admin, world.b.department_admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    client.force_login(CourseEnrollmentFactory(course_offering=lab.offering).user)  # a classmate: the lab, not
    assert client.get(urls[0]).status_code == 200  # this student's submission nor the graders' pages
    for url in urls[2:]:
        assert client.get(url).status_code == 404, url
    client.force_login(lab.student)  # the student cannot open the graders' pages
    for url in urls[-2:]:
        assert client.get(url).status_code == 404


def test_another_students_file_by_id_is_404(client, world, lab, django_capture_on_commit_callbacks):
    mine = hand_in(client, lab, capture=django_capture_on_commit_callbacks)
    theirs = build_lab(world.b)
    with django_capture_on_commit_callbacks(execute=False):
        client.force_login(theirs.student)
        client.post(lab_url(theirs), {"files": [upload("finite_differences.py", b"SECRET = 1\n")]})
    their_file = SubmissionFile.objects.exclude(lab_submission=mine).get()
    client.force_login(lab.student)
    for offering_id in (lab.offering.pk, theirs.offering.pk):
        assert client.get(reverse("labs:file", args=[offering_id, their_file.pk])).status_code == 404
    own = SubmissionFile.objects.get(lab_submission=mine)
    assert client.get(reverse("labs:file", args=[lab.offering.pk, own.pk])).content == PARTLY_CORRECT.encode()


def test_graders_override_give_feedback_and_rerun(client, world, lab, django_capture_on_commit_callbacks):
    submission = hand_in(client, lab, capture=django_capture_on_commit_callbacks)
    url = reverse("labs:grading-detail", args=[lab.offering.pk, submission.pk])
    client.force_login(world.a.instructor)
    html = client.get(url).content.decode()
    assert "Test harness output" in html and "test_central_difference_is_second_order" in html
    response = client.post(url, {"action": "override", "override-score": "80", "override-reason": ""})
    assert response.status_code == 400 and "reason" in response.context["override_form"].errors
    response = client.post(url, {"action": "override", "override-score": "500", "override-reason": "why"})
    assert response.status_code == 400
    assert (
        client.post(url, {"action": "override", "override-score": "80", "override-reason": "Late fix"}).status_code
        == 302
    )
    assert client.post(url, {"action": "feedback", "feedback-feedback": "Nice work"}).status_code == 302
    assert client.post(url, {"action": "nonsense"}).status_code == 400
    submission.refresh_from_db()
    assert (submission.score_obtained, submission.instructor_feedback) == (80, "Nice work")
    assert GradeChange.objects.filter(kind="override", actor=world.a.instructor, reason="Late fix").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "rerun"}).status_code == 302
    submission.refresh_from_db()
    assert submission.score_obtained == 50 and submission.status == LabSubmissionStatus.GRADED
    client.force_login(lab.student)
    html = client.get(reverse("labs:submission", args=[lab.offering.pk, submission.pk])).content.decode()
    assert "Nice work" in html


def test_grading_list_is_paged_with_a_fixed_number_of_queries(client, world, lab, django_assert_max_num_queries):
    students = [CourseEnrollmentFactory(course_offering=lab.offering).user for _ in range(50)]
    LabSubmission.objects.bulk_create(
        LabSubmission(
            user=students[n % 50], course_offering=lab.offering, content_item=lab.item,
            attempt_number=n // 50 + 1, status=LabSubmissionStatus.GRADED, score_obtained=n % 100, max_score=100,
            auto_score=n % 100,
        )
        for n in range(500)
    )  # fmt: skip
    client.force_login(world.a.ta)
    url = reverse("labs:grading-list", args=[lab.offering.pk, lab.item.pk])
    with django_assert_max_num_queries(10):
        response = client.get(url + "?page=3")
    assert response.status_code == 200 and "Page 3 of 10" in response.content.decode()
    assert client.get(url + "?page=abc").status_code == 200  # a bad page number is the first page


def test_rerun_all_from_the_list(client, world, lab, django_capture_on_commit_callbacks):
    hand_in(client, lab, capture=django_capture_on_commit_callbacks)
    client.force_login(world.a.instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("labs:grading-list", args=[lab.offering.pk, lab.item.pk]), follow=True)
    assert lab_views.RERUN_QUEUED.format(count=1) in response.content.decode()
