"""The students' quiz pages: start, the attempt page (no-JS post and autosave), submit, result; the
player's quiz card. Denied access (anonymous, another student, another university) and bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learning.assessments import services, views
from learning.assessments.tests.quiz_fixtures import answer_right, build_quiz
from learning.models import QuizAttempt, QuizAttemptQuestion

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _start_url(quiz):
    return reverse("assessments:attempt-start", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk})


def _url(name, attempt):
    return reverse(
        name,
        kwargs={
            "offering_id": attempt.course_offering_id,
            "item_id": attempt.content_item_id,
            "attempt_id": attempt.pk,
        },
    )


def test_start_then_attempt_page_then_result(client, world):
    quiz = build_quiz(world.a, questions=5)
    _login(client, world.a.student)
    response = client.post(_start_url(quiz))
    attempt = QuizAttempt.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("assessments:attempt", attempt)
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('class="card mb-3 quiz-question"') == 5 and "Question 1" in body
    # A second "Start" (another tab) lands on the same attempt.
    again = client.post(_start_url(quiz))
    assert again["Location"] == _url("assessments:attempt", attempt) and QuizAttempt.objects.count() == 1
    rows = list(QuizAttemptQuestion.objects.filter(attempt=attempt).order_by("position"))
    post = {f"q{p}": v for p, v in answer_right(rows).items()}
    post["action"] = "submit"
    done = client.post(_url("assessments:attempt", attempt), post)
    assert done.status_code == 302 and done["Location"] == _url("assessments:attempt-result", attempt)
    result = client.get(done["Location"]).content.decode()
    assert "5.00 / 5.00" in result and "Passed" in result and "Explanation 1" in result
    # The closed attempt's page sends to the result.
    assert client.get(_url("assessments:attempt", attempt))["Location"] == _url("assessments:attempt-result", attempt)


def test_saving_without_javascript_and_bad_input(client, world):
    quiz = build_quiz(world.a, questions=5)
    _login(client, world.a.student)
    client.post(_start_url(quiz))
    attempt = QuizAttempt.objects.get()
    numeric = QuizAttemptQuestion.objects.get(attempt=attempt, snapshot__type="numeric")
    bad = client.post(
        _url("assessments:attempt", attempt), {"q1": "b", f"q{numeric.position}": "twelve", "action": "save"}
    )
    assert bad.status_code == 400
    assert "Enter a number" in bad.content.decode() and views.FIX_ERRORS in bad.content.decode()
    assert not QuizAttemptQuestion.objects.filter(attempt=attempt, answer__isnull=False).exists()
    good = client.post(
        _url("assessments:attempt", attempt), {"q1": "b", f"q{numeric.position}": "1,000.5", "action": "save"}
    )
    assert good.status_code == 302
    assert QuizAttemptQuestion.objects.get(attempt=attempt, position=numeric.position).answer == "1,000.5"
    # The page shows what was saved.
    assert 'value="1,000.5"' in client.get(_url("assessments:attempt", attempt)).content.decode()


def test_autosave_endpoint(client, world):
    quiz = build_quiz(world.a, questions=2)
    _login(client, world.a.student)
    client.post(_start_url(quiz))
    attempt = QuizAttempt.objects.get()
    url = _url("assessments:attempt-answer", attempt)
    ok = client.post(url, {"position": "1", "q1": "b"})
    assert ok.status_code == 200 and ok.json()["feedback"]["correct"] is True
    multi = client.post(url, {"position": "2", "q2": ["c", "a"], "multiple": "1"})
    assert multi.status_code == 200
    assert QuizAttemptQuestion.objects.get(attempt=attempt, position=2).answer == ["a", "c"]
    for data in ({"position": "x"}, {"position": "99999999999"}, {}):
        assert client.post(url, data).status_code == 400
    assert client.post(url, {"position": "7", "q7": "a"}).json()["error"] == services.QUESTION_NOT_IN_ATTEMPT
    assert client.post(url, {"position": "1", "q1": "zzz"}).status_code == 400
    assert client.get(url).status_code == 405
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    closed = client.post(url, {"position": "1", "q1": "a"})
    assert closed.status_code == 409 and closed.json()["error"] == services.ATTEMPT_CLOSED


def test_an_expired_attempt_page_closes_it_and_shows_the_result(client, world):
    quiz = build_quiz(world.a, questions=1, time_limit_seconds=60)
    start = timezone.now() - timedelta(minutes=5)
    attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk, now=start)
    _login(client, world.a.student)
    response = client.get(_url("assessments:attempt", attempt))
    assert response["Location"] == _url("assessments:attempt-result", attempt)
    attempt.refresh_from_db()
    assert attempt.submitted_at == start + timedelta(seconds=60)
    assert "time ran out" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("review, shown", [("immediately", True), ("never", False), ("after_due", False)])
def test_exam_review_setting(client, world, review, shown):
    quiz = build_quiz(world.a, questions=1, quiz_mode="exam", review=review)
    attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    body = _login(client, world.a.student).get(_url("assessments:attempt-result", attempt)).content.decode()
    assert ("Explanation 1" in body) is shown
    assert ('id="review-hidden"' in body) is (not shown)


def test_denied_access(client, world):
    quiz = build_quiz(world.a, questions=1)
    attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
    urls = [_url(name, attempt) for name in ("assessments:attempt", "assessments:attempt-result")]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    assert client.post(_start_url(quiz)).status_code == 302
    for user in (world.b.student, world.a.instructor, world.a.ta):
        _login(client, user)
        for url in urls:
            assert client.get(url).status_code == 404
        assert client.post(_url("assessments:attempt-answer", attempt), {"position": "1", "q1": "a"}).status_code == 404
        assert client.post(_url("assessments:attempt-submit", attempt)).status_code == 404
    assert client.post(_start_url(quiz)).status_code == 404
    # A's student probing B's offering and a quiz id through the wrong offering: 404.
    _login(client, world.a.student)
    other = build_quiz(world.b, questions=1)
    assert client.post(_start_url(other)).status_code == 404
    wrong = reverse(
        "assessments:attempt",
        kwargs={"offering_id": world.b.offering.pk, "item_id": quiz.item.pk, "attempt_id": attempt.pk},
    )
    assert client.get(wrong).status_code == 404
    assert QuizAttemptQuestion.objects.filter(answer__isnull=False).count() == 0


def test_a_refused_start_is_a_message_on_the_item(client, world):
    quiz = build_quiz(world.a, questions=1, mastery={"max_attempts": 1})
    services.submit_attempt(
        actor=world.a.student,
        attempt=services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk),
    )
    _login(client, world.a.student)
    response = client.post(_start_url(quiz), follow=True)
    assert services.NO_ATTEMPTS_LEFT in response.content.decode()
    assert QuizAttempt.objects.count() == 1


def test_the_player_card_is_the_entry_point(client, world):
    quiz = build_quiz(world.a, questions=3, mastery={"max_attempts": 3, "threshold_correct_in_row": 5, "points": 40})
    _login(client, world.a.student)
    item_url = reverse("player:item", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk})
    body = client.get(item_url).content.decode()
    assert _start_url(quiz) in body and "3 of 3" in body and "Not started" in body
    attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
    body = client.get(item_url).content.decode()
    assert "Continue attempt 1" in body and _url("assessments:attempt", attempt) in body
    services.save_answers(
        actor=world.a.student,
        attempt=attempt,
        answers=answer_right(list(QuizAttemptQuestion.objects.filter(attempt=attempt))),
    )
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    services.set_accommodations(
        actor=world.a.instructor,
        offering=quiz.offering,
        student_ids=[world.a.student.pk],
        extra_attempts=2,
        reason="Extra attempts granted",
    )
    body = client.get(item_url).content.decode()
    assert "4 of 5" in body and "100.00 %" in body and "Proficient" in body
    assert "Extra attempts granted" in body and "+2 attempts" in body


def test_mastery_shows_in_the_module_list_and_on_my_learning(client, world):
    quiz = build_quiz(world.a, questions=2, mastery={"threshold_correct_in_row": 2})
    attempt = services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
    rows = list(QuizAttemptQuestion.objects.filter(attempt=attempt))
    services.save_answers(actor=world.a.student, attempt=attempt, answers=answer_right(rows))
    services.submit_attempt(actor=world.a.student, attempt=attempt)
    _login(client, world.a.student)
    item_page = client.get(reverse("player:item", kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk}))
    badge = (
        '<span class="badge text-bg-light border po-mastery mastery-mastered">'
        f'<span class="visually-hidden">{quiz.item.title} mastery: </span>Mastered</span>'
    )
    assert item_page.content.decode().count(badge) == 2  # "In this module" and the outline
    dashboard = client.get(reverse("learning:dashboard")).content.decode()
    assert "Quiz skills: 1 mastered" in dashboard
