"""The demo course MATH101 can be completed to 100 % by a student, end to end, through the real views:
``manage.py seed_demo``, then the demo student reads the texts, watches the video to the end, opens the
reading list, passes the practice quiz to mastery through the attempt pages, hands in the lab (graded by the
real sandbox, run synchronously), submits the problem set, and the demo instructor grades it with the rubric
and posts the grade. The enrollment ends ``completed`` with the course at 100 %."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from catalog.models import CourseOffering
from learning.assessments.models import LabSubmission, QuizAttempt, QuizAttemptQuestion
from learning.assessments.models_submissions import AssignmentSubmission
from learning.management.demo_lab_files import FINITE_DIFFERENCES_SOLUTION
from learning.models import CourseEnrollment, EnrollmentStatus, UserContentProgress, UserModuleProgress
from learning.progress.structure import get_course_structure

pytestmark = pytest.mark.django_db

STUDENT = "student1@nit.example.edu"
INSTRUCTOR = "instructor@nit.example.edu"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo's files go to a storage of the test's own
    return tmp_path


def right_answer(snapshot: dict):
    """What a student who knows the material posts for a frozen question (its answer key is in the snapshot)."""
    kind, correct = snapshot["type"], snapshot["correct"]
    if kind == "multiple_select":
        return list(correct)
    if kind == "true_false":
        return "true" if correct in (True, "true") else "false"
    if kind == "short_text":
        return correct[0] if isinstance(correct, list) else correct
    return str(correct)


def completed(user, offering, item_id) -> bool:
    return UserContentProgress.objects.filter(
        user=user, course_offering=offering, content_item_id=item_id, completed_at__isnull=False
    ).exists()


def take_quiz_to_completion(client, student, offering, item_id) -> int:
    """Start attempts and answer every question right until the quiz completes (mastery); the attempts used."""
    for used in range(1, 6):
        start = client.post(reverse("assessments:attempt-start", args=[offering.pk, item_id]))
        assert start.status_code == 302, start.content
        attempt = QuizAttempt.objects.get(user=student, content_item_id=item_id, submitted_at__isnull=True)
        assert start.url.endswith(f"/{attempt.pk}/")
        posted = {"action": "submit"}
        for row in QuizAttemptQuestion.objects.filter(attempt=attempt).order_by("position"):
            posted[f"q{row.position}"] = right_answer(row.snapshot)
            if row.snapshot["type"] == "multiple_select":
                posted[f"q{row.position}-present"] = "1"
        response = client.post(start.url, posted)
        assert response.status_code == 302 and response.url.endswith("/result/"), response.content[:2000]
        attempt.refresh_from_db()
        assert attempt.submitted_at is not None and attempt.passed and attempt.score_obtained == attempt.max_score
        assert client.get(response.url).status_code == 200
        if completed(student, offering, item_id):
            return used
    raise AssertionError("the quiz did not complete within its attempts")


@pytest.mark.slow  # the whole demo world is seeded, and the lab runs in the sandbox
def test_a_demo_student_completes_math101_to_100_percent(client, django_capture_on_commit_callbacks):
    call_command("seed_demo", stdout=StringIO())
    student, instructor = User.objects.get(email=STUDENT), User.objects.get(email=INSTRUCTOR)
    enrollment = CourseEnrollment.objects.get(
        user=student, course_offering__course__code="MATH101", status=EnrollmentStatus.ACTIVE
    )
    offering = CourseOffering.objects.select_related("course").get(pk=enrollment.course_offering_id)
    structure = get_course_structure(course_id=offering.course_id, structure_version=offering.course.structure_version)
    items = [(item_id, structure.item_type[item_id]) for item_id in structure.item_order]
    assert sorted({kind for _, kind in items}) == ["assignment", "engineering_lab", "quiz", "resource", "text", "video"]

    client.force_login(student)
    for item_id, kind in items:
        page = client.get(reverse("player:item", args=[offering.pk, item_id]))
        assert page.status_code == 200
        if kind in ("text", "resource"):
            response = client.post(reverse("player:item-done", args=[offering.pk, item_id]))
            assert response.status_code == 302
        elif kind == "video":
            for percent in ("25", "60", "100"):
                response = client.post(
                    reverse("player:item-progress", args=[offering.pk, item_id]), {"event": "watch", "percent": percent}
                )
                assert response.status_code == 200
        elif kind == "quiz":
            # to mastery: 100 % on an attempt (proficient), then the streak across attempts (the demo seeds some)
            assert take_quiz_to_completion(client, student, offering, item_id) >= 1
        elif kind == "engineering_lab":
            upload = SimpleUploadedFile("finite_differences.py", FINITE_DIFFERENCES_SOLUTION.encode())
            with django_capture_on_commit_callbacks(execute=True):  # the grading task, run here by the sandbox
                response = client.post(reverse("labs:lab", args=[offering.pk, item_id]), {"files": [upload]})
            assert response.status_code == 302
            submission = LabSubmission.objects.get(user=student, content_item_id=item_id)
            report = submission.auto_grade_json
            assert submission.status == "graded", report
            assert (report["passed"], report["total"]) == (report["total"], 4), report
            assert submission.score_obtained == submission.max_score == 100
            status = client.get(reverse("labs:submission", args=[offering.pk, submission.pk])).content.decode()
            assert "Score: 100.00 / 100.00" in status
        elif kind == "assignment":
            url = reverse("assignments:assignment", args=[offering.pk, item_id])
            answer = "1. y = -x/4 + 1\n2. 2x sin x + x^2 cos x\n3. 6x e^{3x^2}\n4. 800π cm³/s\n5. |x| > 1"
            response = client.post(url, {"text": answer, "action": "submit"})
            assert response.status_code == 302, response.context["form"].errors
            assert not completed(student, offering, item_id)  # graded and posted by hand: not yet
        assert completed(student, offering, item_id) or kind == "assignment", (kind, item_id)

    # the instructor grades the problem set with the rubric and posts the grade
    client.force_login(instructor)
    assignment_id = next(item_id for item_id, kind in items if kind == "assignment")
    submission = AssignmentSubmission.objects.get(user=student, content_item_id=assignment_id)
    grade_url = reverse("assignments:grade", args=[offering.pk, submission.pk])
    assert client.get(grade_url).status_code == 200
    response = client.post(grade_url, {"action": "grade", "criterion_0": "2", "criterion_1": "2", "feedback": "Good."})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.raw_score == 50 and submission.posted_at is None  # manual posting: not visible yet
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    response = client.post(reverse("assignments:grading", args=[offering.pk, assignment_id]), {"action": "post"})
    assert response.status_code == 302

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.completed_at is not None
    assert all(completed(student, offering, item_id) for item_id, _ in items)
    root = UserModuleProgress.objects.get(user=student, course_offering=offering, module_id=structure.root_id)
    assert root.progress_percent == 100 and root.completed_at is not None
    client.force_login(student)
    html = client.get(reverse("player:resume", args=[offering.pk])).content.decode()
    assert "Course complete" in html
