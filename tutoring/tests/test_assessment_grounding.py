"""The tutor and real quiz attempts (started through ``learning.assessments.services`` from a real question
pool): an open practice attempt's questions ground the tutor (texts only, never a key); an open exam
attempt keeps them out and its guard withholds a reply that gives one of its answers away, with the keys
read through ``learning.assessments.selectors.exam_answer_keys``."""

import json

import pytest
from django.urls import reverse

from learning.assessments import selectors as assessment_selectors
from learning.assessments import services as assessment_services
from learning.assessments.tests.quiz_fixtures import build_quiz
from syllabus.models import QuestionType
from tutoring import chat, guard
from tutoring.models import ChatMessage
from tutoring.tests.conftest import access_for

pytestmark = pytest.mark.django_db

# What the fixture pool's keys hold (learning/assessments/tests/quiz_fixtures.py): none may reach the model.
KEYS_AND_EXPLANATIONS = ["Gaussian elimination", "1000.5", "Explanation 1", "Explanation 4", '"correct"', "tolerance"]


def _send(student, quiz, text):
    access = access_for(student, quiz.offering, quiz.item)
    session = chat.start_session(actor=student, access=access)
    sent = chat.send_message(actor=student, access=access, session=session, text=text)
    return access, session, sent


def _system_prompt(fake_openai) -> str:
    return "\n".join(m["content"] for m in fake_openai.requests[-1]["messages"] if m["role"] == "system")


def test_an_open_practice_attempt_grounds_the_tutor_in_its_questions_without_their_answers(world, fake_openai):
    student = world.a.student
    quiz = build_quiz(world.a, questions=5)  # practice, one question of each kind
    # A session that began before the attempt: the quiz's settings only.
    access, session, sent = _send(student, quiz, "What is this quiz about?")
    chat.run_reply_to_end(message_id=sent.reply.pk, user=student, access=access)
    assert session.content_context["quiz"]["questions"] == []
    assert "Question 1 (multiple_choice)" not in _system_prompt(fake_openai)

    attempt = assessment_services.start_attempt(actor=student, offering=quiz.offering, item_id=quiz.item.pk)
    access, session, sent = _send(student, quiz, "How should I start question 2?")
    reply = chat.run_reply_to_end(message_id=sent.reply.pk, user=student, access=access)
    assert reply.meta["mode"] == "practice_hints"
    snapshot = session.content_context
    assert snapshot["practice_attempt"] == attempt.pk
    assert snapshot["quiz"]["questions"] == [
        {"text": "Question 1 (multiple_choice)", "choices": ["3", "4", "5"]},
        {"text": "Question 2 (multiple_select)", "choices": ["2", "9", "7"]},
        {"text": "Question 3 (true_false)", "choices": []},
        {"text": "Question 4 (numeric)", "choices": []},
        {"text": "Question 5 (short_text)", "choices": []},
    ]
    prompt = _system_prompt(fake_openai)
    assert "Question 2: Question 2 (multiple_select) Choices: 2 | 9 | 7" in prompt
    stored = json.dumps(snapshot)
    for secret in KEYS_AND_EXPLANATIONS:
        assert secret not in stored and secret not in prompt

    # Submitted: the next message's snapshot no longer holds the attempt's questions.
    assessment_services.submit_attempt(actor=student, attempt=attempt)
    _, session, _ = _send(student, quiz, "And now?")
    assert session.content_context["practice_attempt"] is None
    assert session.content_context["quiz"]["questions"] == []


def test_practice_questions_are_the_students_own_open_attempt_only(world):
    quiz = build_quiz(world.a, questions=2)
    attempt = assessment_services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
    shown = assessment_selectors.open_practice_questions(user=world.a.student, offering=quiz.offering, item=quiz.item)
    assert shown.attempt_id == attempt.pk and len(shown.questions) == 2
    other = world.a.instructor  # not the attempt's student
    assert assessment_selectors.open_practice_questions(user=other, offering=quiz.offering, item=quiz.item) is None
    assert (
        assessment_selectors.open_practice_questions(user=world.b.student, offering=quiz.offering, item=quiz.item)
        is None
    )
    assert (
        assessment_selectors.open_practice_questions(user=world.a.student, offering=world.b.offering, item=quiz.item)
        is None
    )


def test_an_open_exam_attempt_keeps_its_questions_out_and_the_guard_withholds_an_answer(world, fake_openai):
    student = world.a.student
    quiz = build_quiz(world.a, questions=5, quiz_mode="exam")
    assessment_services.start_attempt(actor=student, offering=quiz.offering, item_id=quiz.item.pk)
    fake_openai.reply = "Use Gaussian elimination on the system."
    access, session, sent = _send(student, quiz, "Which method solves question 5?")
    events = list(chat.ReplyRun(message_id=sent.reply.pk, user=student, access=access).events())
    assert "delta" not in [kind for kind, _ in events]  # nothing shown before the check
    reply = ChatMessage.objects.get(pk=sent.reply.pk)
    assert reply.content == guard.EXAM_NUDGE
    assert reply.meta["mode"] == "exam" and reply.meta["flagged"] is True
    assert reply.meta["withheld"] == "Use Gaussian elimination on the system."
    # The exam's questions are not in the snapshot nor in what the model was sent.
    assert session.content_context["quiz"]["questions"] == [] and session.content_context["practice_attempt"] is None
    assert "Question 5 (short_text)" not in _system_prompt(fake_openai)


# One revealing and one harmless reply per kind of the fixture pool (its keys: choice "4"; choices "2" and
# "7"; True; 1000.5 ± 0.5; "Gaussian elimination").
REPLIES = {
    QuestionType.MULTIPLE_CHOICE: ("Pick 4.", "Count the sides again and compare with the choices."),
    QuestionType.MULTIPLE_SELECT: ("Choose 2 and 7.", "Only 2 of them are prime; which?"),
    QuestionType.TRUE_FALSE: ("The statement is true.", "Is it always so? Look for a counterexample."),
    QuestionType.NUMERIC: ("It comes to about 1,000.8 joules.", "Add the two energies from the table."),
    QuestionType.SHORT_TEXT: ("That's **gaussian  elimination**.", "Which method reduces a matrix row by row?"),
}


@pytest.mark.parametrize("kind", list(REPLIES))
def test_the_exam_guard_reads_a_real_attempts_keys_for_each_kind(world, kind):
    student = world.a.student
    quiz = build_quiz(world.a, questions=5, quiz_mode="exam")
    attempt = assessment_services.start_attempt(actor=student, offering=quiz.offering, item_id=quiz.item.pk)
    keys = assessment_selectors.exam_answer_keys(attempt=attempt)
    assert sorted(key.kind for key in keys) == sorted(REPLIES)
    mode = guard.mode_for(user=student, offering=quiz.offering, item=quiz.item, practice_answers_allowed=True)
    assert mode.mode == "exam" and len(mode.keys) == 5
    revealing, harmless = REPLIES[kind]
    shown, reason = guard.check_reply(revealing, mode)
    assert shown == guard.EXAM_NUDGE and reason
    assert guard.check_reply(harmless, mode) == (harmless, "")
    # Once submitted the exam is over: the same reply is shown (the course allows practice answers here).
    assessment_services.submit_attempt(actor=student, attempt=attempt)
    after = guard.mode_for(user=student, offering=quiz.offering, item=quiz.item, practice_answers_allowed=True)
    assert after.mode != "exam" and guard.check_reply(revealing, after) == (revealing, "")


@pytest.mark.parametrize(("mode", "shown"), [("practice", True), ("exam", False)])
def test_the_tutor_sits_beside_a_practice_attempt_and_not_an_exam(client, world, mode, shown):
    quiz = build_quiz(world.a, questions=2, quiz_mode=mode)
    attempt = assessment_services.start_attempt(actor=world.a.student, offering=quiz.offering, item_id=quiz.item.pk)
    client.force_login(world.a.student)
    page = client.get(
        reverse(
            "assessments:attempt",
            kwargs={"offering_id": quiz.offering.pk, "item_id": quiz.item.pk, "attempt_id": attempt.pk},
        )
    ).content.decode()
    panel = reverse("tutoring:panel", args=[quiz.offering.pk, quiz.item.pk])
    assert "Question 1" in page
    assert (panel + "?next=" in page) is shown and ("js/tutor.js" in page) is shown
    if shown:  # the panel it opens is the quiz item's, where the attempt's questions ground the tutor
        assert client.get(panel).status_code == 200
