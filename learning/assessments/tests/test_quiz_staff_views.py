"""The instructors' quiz pages: quizzes, attempts (filters, review, re-grade, new attempt), item analysis,
CSV export and accommodations. Denied roles, other universities, bad input, query bounds at 500 attempts."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from learning.assessments import services, views
from learning.assessments.tests.quiz_fixtures import answer_right, build_quiz
from learning.models import Accommodation, EnrollmentStatus, QuizAttempt, QuizAttemptQuestion, QuizRegrade
from learning.tests.factories import CourseEnrollmentFactory
from syllabus.models import Question

pytestmark = pytest.mark.django_db


def _staff_urls(quiz, attempt=None):
    kwargs = {"offering_id": quiz.offering.pk, "item_id": quiz.item.pk}
    urls = [
        reverse("assessments:staff-quizzes", kwargs={"offering_id": quiz.offering.pk}),
        reverse("assessments:staff-attempts", kwargs=kwargs),
        reverse("assessments:staff-analysis", kwargs=kwargs),
        reverse("assessments:staff-attempts-csv", kwargs=kwargs),
        reverse("assessments:accommodations", kwargs={"offering_id": quiz.offering.pk}),
    ]
    if attempt is not None:
        urls.append(reverse("assessments:staff-attempt", kwargs={**kwargs, "attempt_id": attempt.pk}))
    return urls


def _take(quiz, student, *, wrong=()):
    attempt = services.start_attempt(actor=student, offering=quiz.offering, item_id=quiz.item.pk)
    rows = list(QuizAttemptQuestion.objects.filter(attempt=attempt))
    services.save_answers(actor=student, attempt=attempt, answers=answer_right(rows, wrong_positions=wrong))
    return services.submit_attempt(actor=student, attempt=attempt)


def test_staff_pages_for_instructors_tas_and_admins_only(client, world):
    quiz = build_quiz(world.a, questions=3)
    attempt = _take(quiz, world.a.student)
    urls = _staff_urls(quiz, attempt)
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous → login
    for user in (world.a.instructor, world.a.ta, world.a.university_admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)
    for user in (world.a.student, world.b.instructor, world.b.university_admin):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    # A's instructor probing B's quiz and attempt ids through A's offering: 404.
    other = build_quiz(world.b, questions=1)
    b_attempt = _take(other, world.b.student)
    client.force_login(world.a.instructor)
    kwargs = {"offering_id": quiz.offering.pk, "item_id": other.item.pk}
    assert client.get(reverse("assessments:staff-attempts", kwargs=kwargs)).status_code == 404
    wrong = reverse(
        "assessments:staff-attempt",
        kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk, "attempt_id": b_attempt.pk},
    )
    assert client.get(wrong).status_code == 404


def test_attempt_list_filters_and_bad_filters(client, world):
    quiz = build_quiz(world.a, questions=2)
    _take(quiz, world.a.student)
    other = CourseEnrollmentFactory(course_offering=world.a.offering, user=UserFactory(full_name="Zed Failing")).user
    _take(quiz, other, wrong=(1, 2))
    client.force_login(world.a.instructor)
    url = reverse("assessments:staff-attempts", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk})
    assert "2 attempt(s)" in client.get(url).content.decode()
    failed = client.get(url, {"status": "failed"}).content.decode()
    assert "1 attempt(s)" in failed and "Zed Failing" in failed
    assert "Zed Failing" not in client.get(url, {"student": world.a.student.email}).content.decode()
    for bad in ({"status": "bogus"}, {"number": "abc"}, {"number": "0"}, {"student": "a\x00b"}):
        assert client.get(url, bad).status_code == 400


def test_item_analysis_counts_draws_correctness_and_options(client, world):
    quiz = build_quiz(world.a, questions=3)
    _take(quiz, world.a.student)
    other = CourseEnrollmentFactory(course_offering=world.a.offering).user
    _take(quiz, other, wrong=(1,))
    client.force_login(world.a.instructor)
    url = reverse("assessments:staff-analysis", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk})
    stats = {s.kind: s for s in client.get(url).context["stats"]}
    choice = stats["multiple_choice"]
    assert (choice.drawn, choice.correct_percent) == (2, Decimal("50.0"))
    assert {key: times for key, _text, times in choice.options} == {"a": 1, "b": 1, "c": 0}
    assert {key: times for key, _text, times in stats["multiple_select"].options} == {"a": 2, "b": 0, "c": 2}
    assert {key: times for key, _text, times in stats["true_false"].options} == {"true": 2, "false": 0}


def test_csv_export_is_streamed_and_formula_safe(client, world):
    quiz = build_quiz(world.a, questions=1)
    hostile = CourseEnrollmentFactory(
        course_offering=world.a.offering, user=UserFactory(full_name='=HYPERLINK("http://evil.example","x")')
    ).user
    _take(quiz, hostile)
    client.force_login(world.a.instructor)
    response = client.get(_staff_urls(quiz)[3])
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["attempt_id", "email", "full_name"]
    assert rows[1][2].startswith("'=HYPERLINK") and rows[1][11] == "True"


def test_review_regrade_and_allow_a_new_attempt(client, world):
    quiz = build_quiz(world.a, questions=1, mastery={"max_attempts": 1})
    attempt = _take(quiz, world.a.student, wrong=(1,))
    url = _staff_urls(quiz, attempt)[-1]
    client.force_login(world.a.ta)
    page = client.get(url).content.decode()
    assert "Right answer" in page and "4" in page
    assert client.post(url, {"action": "regrade", "reason": ""}).status_code == 400
    assert client.post(url, {"action": "mystery"}).status_code == 400
    assert not QuizRegrade.objects.exists()
    Question.objects.filter(pk=quiz.questions[0].pk).update(correct_answer="a")
    assert client.post(url, {"action": "regrade", "reason": "Key was wrong"}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.score_obtained == 1 and attempt.passed
    assert "Key was wrong" in client.get(url).content.decode()
    assert client.post(url, {"action": "allow", "reason": "Fire alarm"}).status_code == 302
    assert Accommodation.objects.get(student=world.a.student, content_item=quiz.item).extra_attempts == 1
    assert (
        services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk).attempt_number == 2
    )
    client.force_login(world.a.student)
    assert client.post(url, {"action": "allow"}).status_code == 404


def test_regrade_all_needs_a_reason(client, world):
    quiz = build_quiz(world.a, questions=1)
    _take(quiz, world.a.student, wrong=(1,))
    client.force_login(world.a.instructor)
    url = reverse("assessments:staff-regrade", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk})
    assert client.post(url, {"reason": ""}, follow=True).status_code == 200
    assert not QuizRegrade.objects.exists()
    Question.objects.filter(pk=quiz.questions[0].pk).update(correct_answer="a")
    response = client.post(url, {"reason": "Key corrected"}, follow=True)
    assert views.REGRADED_ITEM.format(count=1) in response.content.decode()


def test_bulk_accommodation_form(client, world):
    quiz = build_quiz(world.a, questions=1)
    other = CourseEnrollmentFactory(course_offering=world.a.offering, status=EnrollmentStatus.ACTIVE).user
    url = reverse("assessments:accommodations", kwargs={"offering_id": quiz.offering.pk})
    client.force_login(world.a.instructor)
    data = {
        "students": [world.a.student.pk, other.pk],
        "content_item": quiz.item.pk,
        "time_multiplier": "1.5",
        "extra_attempts": "1",
        "extended_until": (timezone.now() + timezone.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Disability services letter",
    }
    assert client.post(url, data).status_code == 302
    assert Accommodation.objects.filter(time_multiplier=Decimal("1.5")).count() == 2
    page = client.get(url).content.decode()
    assert "Disability services letter" in page and "1.5×" in page
    for bad in (
        {**data, "students": []},
        {**data, "students": [world.b.student.pk]},
        {**data, "time_multiplier": "0.5"},
        {**data, "extra_attempts": "-3"},
        {**data, "extended_until": "not a date"},
        {**data, "content_item": "999999999"},
        {**data, "time_multiplier": "1", "extra_attempts": "0", "extended_until": ""},
    ):
        Accommodation.objects.all().delete()
        response = client.post(url, bad)
        assert response.status_code == 400, bad
        assert not Accommodation.objects.exists()
    client.force_login(world.a.ta)
    assert client.post(url, data).status_code == 403
    assert not Accommodation.objects.exists()
    client.force_login(world.a.instructor)
    client.post(url, data)
    row = Accommodation.objects.first()
    delete = reverse(
        "assessments:accommodation-delete", kwargs={"offering_id": quiz.offering.pk, "accommodation_id": row.pk}
    )
    client.force_login(world.b.instructor)
    assert client.post(delete).status_code == 404
    client.force_login(world.a.instructor)
    assert client.post(delete).status_code == 302 and not Accommodation.objects.filter(pk=row.pk).exists()


def test_attempts_list_and_item_analysis_queries_do_not_grow_with_500_attempts(
    client, world, django_assert_max_num_queries
):
    quiz = build_quiz(world.a, questions=16)
    students = UserFactory.create_batch(500)
    for student in students:
        CourseEnrollmentFactory(course_offering=world.a.offering, user=student)
    # 500 submitted attempts with 16 answered questions each, written in bulk.
    now = timezone.now()
    attempts = QuizAttempt.objects.bulk_create(
        QuizAttempt(
            user=student,
            course_offering=world.a.offering,
            content_item=quiz.item,
            attempt_number=1,
            started_at=now,
            submitted_at=now,
            score_obtained=n % 17,
            max_score=16,
            passed=n % 17 >= 8,
            mode="practice",
            raw_response_json={"pass_mark_percent": "50"},
        )
        for n, student in enumerate(students)
    )
    snapshots = {
        q.pk: {
            "type": q.question_type,
            "prompt": q.prompt,
            "choices": q.choices,
            "correct": q.correct_answer,
            "points": "1",
        }
        for q in quiz.questions
    }
    QuizAttemptQuestion.objects.bulk_create(
        QuizAttemptQuestion(
            attempt=attempt,
            university=world.a.university,
            question=q,
            position=i + 1,
            snapshot=snapshots[q.pk],
            answer="b" if q.question_type == "multiple_choice" else None,
            score=1,
            is_correct=True,
        )
        for attempt in attempts
        for i, q in enumerate(quiz.questions)
    )
    client.force_login(world.a.instructor)
    kwargs = {"offering_id": quiz.offering.pk, "item_id": quiz.item.pk}
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessments:staff-attempts", kwargs=kwargs))
    assert response.status_code == 200 and response.context["page"].paginator.count == 500
    with django_assert_max_num_queries(10):
        response = client.get(reverse("assessments:staff-analysis", kwargs=kwargs))
    stats = response.context["stats"]
    assert len(stats) == 16 and all(s.drawn == 500 for s in stats)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessments:staff-quizzes", kwargs={"offering_id": quiz.offering.pk}))
    assert response.status_code == 200
