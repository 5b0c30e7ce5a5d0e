"""Sessions, messages, replies: snapshot, prompt and meta, streaming, guard, budgets, moderation."""

import threading

import pytest
from django.db import connection

from prompts import services as prompt_services
from syllabus.tests.factories import ContentItemFactory, LabContentItemFactory, QuizContentItemFactory
from tutoring import budgets, chat, guard, moderation
from tutoring.context import CONTEXT_CHAR_LIMIT, build_snapshot, snapshot_as_text
from tutoring.models import ChatMessage, ChatSession, MessageRole
from tutoring.prompting import DEFAULT_PROMPT_NAME
from tutoring.providers.base import PROVIDER_REFUSED
from tutoring.providers.offline import NO_MODEL_NOTICE
from tutoring.tests.conftest import access_for

pytestmark = pytest.mark.django_db


def send(user, offering, item, text="What does the derivative measure?"):
    access = access_for(user, offering, item)
    session = chat.start_session(actor=user, access=access)
    return access, session, chat.send_message(actor=user, access=access, session=session, text=text)


def reply_to_end(user, access, sent, **kwargs):
    return chat.run_reply_to_end(message_id=sent.reply.pk, user=user, access=access, **kwargs)


def test_offline_reply_cites_the_transcript_and_records_meta(tutor):
    a = tutor.world.a
    access, session, sent = send(a.student, a.offering, tutor.a_video)
    reply = reply_to_end(a.student, access, sent)
    assert reply.content.startswith(NO_MODEL_NOTICE)
    assert "[01:05]" in reply.content
    meta = reply.meta
    assert meta["status"] == chat.COMPLETE
    assert (meta["prompt_name"], meta["prompt_version"], meta["prompt_label"]) == (DEFAULT_PROMPT_NAME, 1, "production")
    assert (meta["provider"], meta["model"], meta["finish_reason"]) == ("offline", "offline-bm25", "stop")
    assert meta["tokens_in"] > 0 and meta["tokens_out"] > 0 and meta["latency_ms"] >= 0
    assert session.content_context["hash"] and session.content_context["segments"][1]["start"] == 65.0


def test_openai_reply_streams_through_the_fake_server_with_the_items_prompt(tutor, fake_openai):
    a = tutor.world.a
    prompt_services.create_prompt_version(
        actor=None, name="calc/tutor", prompt="Tutor {{item_title}} for {{student_first_name}}.", labels=["staging"]
    )
    prompt_services.create_prompt_version(
        actor=None, name="calc/tutor", prompt="Production {{item_title}}.", labels=["production"]
    )
    tutor.a_video.prompt_name, tutor.a_video.prompt_label = "calc/tutor", "staging"
    tutor.a_video.save()
    access, session, sent = send(a.student, a.offering, tutor.a_video)
    kinds = [kind for kind, _ in chat.ReplyRun(message_id=sent.reply.pk, user=a.student, access=access).events()]
    assert kinds.count("delta") == 5 and kinds[-1] == "done"
    reply = ChatMessage.objects.get(pk=sent.reply.pk)
    assert reply.content == fake_openai.reply
    assert reply.meta | {"latency_ms": 0} == reply.meta | {
        "status": "complete",
        "prompt_name": "calc/tutor",
        "prompt_version": 1,
        "prompt_label": "staging",
        "provider": "openai",
        "model": "fake-model-1",
        "tokens_in": 42,
        "tokens_out": 5,
        "finish_reason": "stop",
        "mode": "study",
        "latency_ms": 0,
    }
    system = fake_openai.requests[0]["messages"][0]
    assert system == {"role": "system", "content": f"Tutor Derivatives for {a.student.full_name.split()[0]}."}
    # The history comes from the database: the student's message, nothing else from the client.
    assert fake_openai.requests[0]["messages"][1:] == [{"role": "user", "content": "What does the derivative measure?"}]


def test_an_unknown_label_falls_back_to_production_then_to_the_default(tutor, fake_openai):
    a = tutor.world.a
    prompt_services.create_prompt_version(
        actor=None, name="calc/tutor", prompt="Production prompt.", labels=["production"]
    )
    tutor.a_video.prompt_name, tutor.a_video.prompt_label = "calc/tutor", "nosuchlabel"
    tutor.a_video.save()
    access, _, sent = send(a.student, a.offering, tutor.a_video)
    reply = reply_to_end(a.student, access, sent)
    assert (reply.meta["prompt_name"], reply.meta["prompt_label"]) == ("calc/tutor", "production")
    tutor.a_video.prompt_name = "missing/prompt"
    tutor.a_video.save()
    access, _, sent = send(a.student, a.offering, tutor.a_video, "again")
    assert reply_to_end(a.student, access, sent).meta["prompt_name"] == DEFAULT_PROMPT_NAME


def test_warm_prompt_resolution_runs_no_query(tutor, django_assert_num_queries):
    from tutoring.prompting import system_prompt

    system_prompt(item=tutor.a_video, variables={"mode": "study"})
    with django_assert_num_queries(0):
        system_prompt(item=tutor.a_video, variables={"mode": "study"})


def test_provider_error_is_stored_with_a_friendly_message(tutor, fake_openai):
    a = tutor.world.a
    fake_openai.behaviour = "status"
    access, _, sent = send(a.student, a.offering, tutor.a_video)
    reply = reply_to_end(a.student, access, sent)
    assert reply.meta["status"] == chat.ERROR
    assert reply.content == PROVIDER_REFUSED
    assert "HTTP 500" in reply.meta["error_detail"]


def test_max_duration_keeps_the_partial_reply(tutor, fake_openai):
    a = tutor.world.a
    fake_openai.delay, fake_openai.chunks = 0.3, 10
    access, _, sent = send(a.student, a.offering, tutor.a_video)
    reply = reply_to_end(a.student, access, sent, max_seconds=1.0, heartbeat=0.1)
    assert reply.meta["status"] == chat.INTERRUPTED and reply.meta["finish_reason"] == "max_duration"
    assert 0 < len(reply.content) < len(fake_openai.reply)
    assert fake_openai.reply.startswith(reply.content)


def test_a_cut_reader_saves_the_partial_reply_and_a_reconnect_does_not_call_again(tutor, fake_openai):
    a = tutor.world.a
    fake_openai.delay, fake_openai.chunks = 0.05, 10
    access, _, sent = send(a.student, a.offering, tutor.a_video)
    events = chat.ReplyRun(message_id=sent.reply.pk, user=a.student, access=access, heartbeat=0.02).events()
    got = ""
    for kind, value in events:
        if kind == "delta":
            got += value
            if len(got) > 5:
                break
    events.close()  # what the server does when the browser goes away
    reply = ChatMessage.objects.get(pk=sent.reply.pk)
    assert reply.meta["status"] == chat.INTERRUPTED
    assert reply.content == got
    calls = len(fake_openai.requests)
    again = list(chat.ReplyRun(message_id=sent.reply.pk, user=a.student, access=access).events())
    assert again[-1][0] == "done" and again[-1][1].content == got
    assert len(fake_openai.requests) == calls


def test_heartbeats_flow_while_the_model_is_silent(tutor, fake_openai):
    a = tutor.world.a
    fake_openai.behaviour, fake_openai.delay = "slow", 0.5
    access, _, sent = send(a.student, a.offering, tutor.a_video)
    kinds = [
        k for k, _ in chat.ReplyRun(message_id=sent.reply.pk, user=a.student, access=access, heartbeat=0.1).events()
    ]
    assert kinds.count("heartbeat") >= 2 and kinds[-1] == "done"


class Key:
    def __init__(self, kind, correct_texts=(), numeric_value=None, abs_tolerance=None, rel_tolerance=None):
        self.kind, self.correct_texts = kind, tuple(correct_texts)
        self.numeric_value, self.abs_tolerance, self.rel_tolerance = numeric_value, abs_tolerance, rel_tolerance


@pytest.mark.parametrize(
    ("key", "revealing", "safe"),
    [
        (Key("multiple_choice", ["Paris"]), "The answer is **Paris**.", "Think about which city is the capital."),
        (Key("multiple_select", ["2", "3"]), "Both 2 and 3 are prime.", "Primes have exactly 2 divisors; try 12."),
        (Key("true_false", ["False"]), "That statement is false.", "Is it always true? Try a counterexample."),
        (
            Key("numeric", numeric_value=9.81, abs_tolerance=0.05),
            "g is about 9.8 m/s².",
            "Use the formula from the video.",
        ),
        (
            Key("numeric", numeric_value=1000, rel_tolerance=0.01),
            "It comes to 1,005 joules.",
            "What units is energy in?",
        ),
        (Key("short_text", ["mitochondria", "mitochondrion"]), "It's the Mitochondrion.", "Which organelle makes ATP?"),
    ],
)
def test_exam_guard_replaces_a_reply_holding_an_answer(key, revealing, safe):
    mode = guard.GuardMode("exam", (key,))
    shown, reason = guard.check_reply(revealing, mode)
    assert shown == guard.EXAM_NUDGE and reason
    assert guard.check_reply(safe, mode) == (safe, "")


def test_exam_mode_buffers_and_flags_with_the_withheld_reply_kept(tutor, fake_openai, monkeypatch):
    a = tutor.world.a
    fake_openai.reply = "The answer is 42."
    monkeypatch.setattr(guard, "open_exam_keys", lambda **kw: [Key("numeric", numeric_value=42, abs_tolerance=0)])
    access, _, sent = send(a.student, a.offering, tutor.a_video)
    events = list(chat.ReplyRun(message_id=sent.reply.pk, user=a.student, access=access).events())
    assert "delta" not in [k for k, _ in events]  # nothing shown before the check
    reply = ChatMessage.objects.get(pk=sent.reply.pk)
    assert reply.content == guard.EXAM_NUDGE
    assert (
        reply.meta["flagged"] is True and reply.meta["withheld"] == "The answer is 42." and reply.meta["mode"] == "exam"
    )


def test_practice_quiz_hints_only_by_default(tutor, fake_openai):
    a = tutor.world.a
    quiz = QuizContentItemFactory(module=tutor.a_video.module)
    fake_openai.reply = "You're close, but 15 - 6 is actually 9."
    access, _, sent = send(a.student, a.offering, quiz)
    reply = reply_to_end(a.student, access, sent)
    assert reply.content == guard.PRACTICE_NUDGE and reply.meta["mode"] == "practice_hints"
    chat.set_course_tutor(actor=a.instructor, offering=a.offering, enabled=True, practice_answers_allowed=True)
    access, _, sent = send(a.student, a.offering, quiz, "and now?")
    assert reply_to_end(a.student, access, sent).content == fake_openai.reply


def test_snapshot_is_capped_and_holds_no_answers(tutor):
    long_text = ContentItemFactory(
        module=tutor.a_video.module,
        data_json={"blocks": [{"type": "paragraph", "text": "x" * 5000} for _ in range(5)]},
    )
    snapshot = build_snapshot(long_text)
    assert snapshot["chars"] == CONTEXT_CHAR_LIMIT and snapshot["truncated"] is True
    assert sum(len(b["text"]) for b in snapshot["blocks"]) == CONTEXT_CHAR_LIMIT
    quiz = QuizContentItemFactory(module=tutor.a_video.module)
    questions = [{"text": "2+2?", "choices": ["3", "4"], "correct": "4", "feedback": "4 is right"}]
    snapshot = build_snapshot(quiz, practice_questions=questions)
    assert snapshot["quiz"]["questions"] == [{"text": "2+2?", "choices": ["3", "4"]}]
    assert "4 is right" not in str(snapshot) and "correct" not in str(snapshot)
    lab = LabContentItemFactory(module=tutor.a_video.module)
    lab.data_json["files"] = [
        {"path": "main.py", "role": "student_visible", "content": "def area(r):\n    pass  # your code"},
        {"path": "data.csv", "role": "read_only", "content": "r,area\n1,3.14"},
        {"path": "test_secret.py", "role": "hidden_test", "content": "assert area(2) == 12.566"},
        {"path": "sol.py", "role": "solution", "content": "return 3.14159 * r * r"},
    ]
    snapshot = build_snapshot(lab)
    assert snapshot["lab"]["visible_files"] == ["main.py", "data.csv"]
    assert snapshot["lab"]["files"] == [
        {"path": "main.py", "text": "def area(r):\n    pass  # your code"},
        {"path": "data.csv", "text": "r,area\n1,3.14"},
    ]
    text = snapshot_as_text(snapshot)
    assert "pass  # your code" in text and "12.566" not in text and "3.14159" not in text
    assert "test_secret.py" not in str(snapshot) and "sol.py" not in str(snapshot)


def test_a_changed_item_gets_a_fresh_snapshot_on_the_next_start(tutor):
    a = tutor.world.a
    access = access_for(a.student, a.offering, tutor.a_text)
    first = chat.start_session(actor=a.student, access=access).content_context
    tutor.a_text.data_json = {"blocks": [{"type": "paragraph", "text": "Brand new text."}]}
    tutor.a_text.save()
    second = chat.start_session(actor=a.student, access=access_for(a.student, a.offering, tutor.a_text)).content_context
    assert first["hash"] != second["hash"] and second["blocks"][0]["text"] == "Brand new text."
    assert ChatSession.objects.filter(user=a.student, content_item=tutor.a_text).count() == 1


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", moderation.MESSAGE_EMPTY),
        ("   ", moderation.MESSAGE_EMPTY),
        ("a\x00b", moderation.MESSAGE_NUL),
        ("x" * 2001, moderation.MESSAGE_TOO_LONG.format(limit=2000)),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(tutor, text, error):
    a = tutor.world.a
    access = access_for(a.student, a.offering, tutor.a_video)
    session = chat.start_session(actor=a.student, access=access)
    with pytest.raises(chat.ChatRefused) as refused:
        chat.send_message(actor=a.student, access=access, session=session, text=text)
    assert refused.value.message == error
    assert not ChatMessage.objects.exists()


def test_a_blocked_term_is_kept_flagged_and_not_sent_to_the_model(tutor, fake_openai):
    from lms.services import set_system_setting

    a = tutor.world.a
    set_system_setting(key="tutor.moderation.blocked_terms", value="forbidden, other", is_encrypted=False)
    _, _, sent = send(a.student, a.offering, tutor.a_video, "this is FORBIDDEN stuff")
    assert sent.user_message.meta == {"flagged": True, "flag_reason": "blocked term"}
    assert sent.reply.content == moderation.MESSAGE_BLOCKED_REPLY and sent.reply.meta["status"] == chat.COMPLETE
    assert fake_openai.requests == []


def test_the_token_budget_counts_a_server_that_reports_no_usage(tutor, fake_openai):
    from lms.services import set_system_setting

    a = tutor.world.a
    fake_openai.send_usage = False  # as llama-cpp-python's server
    access, _, sent = send(a.student, a.offering, tutor.a_video, "one")
    reply = reply_to_end(a.student, access, sent)
    assert reply.meta["tokens_estimated"] is True and reply.meta["tokens_out"] == fake_openai.chunks
    assert reply.meta["tokens_in"] > 100  # the system prompt with the transcript
    set_system_setting(key="tutor.budget.daily_tokens", value=str(reply.meta["tokens_in"]), is_encrypted=False)
    with pytest.raises(chat.ChatRefused) as refused:
        send(a.student, a.offering, tutor.a_video, "two")
    assert refused.value.message.startswith("You have used today's tutor allowance")


def test_budget_refusal_says_when_it_resets_and_staff_are_exempt(tutor):
    from lms.services import set_system_setting

    a = tutor.world.a
    set_system_setting(key="tutor.budget.per_minute", value="2", is_encrypted=False)
    send(a.student, a.offering, tutor.a_video, "one")
    send(a.student, a.offering, tutor.a_video, "two")
    with pytest.raises(chat.ChatRefused) as refused:
        send(a.student, a.offering, tutor.a_video, "three")
    assert (
        refused.value.message.startswith("You are sending messages faster")
        and "You can send again at" in refused.value.message
    )
    set_system_setting(key="tutor.budget.per_minute", value="0", is_encrypted=False)
    set_system_setting(key="tutor.budget.daily_messages", value="2", is_encrypted=False)
    with pytest.raises(chat.ChatRefused) as refused:
        send(a.student, a.offering, tutor.a_video, "four")
    assert refused.value.message == budgets.DAILY_MESSAGES_SPENT.format(limit=2, reset="00:00")
    a.student.is_staff = True
    send(a.student, a.offering, tutor.a_video, "staff go on")


def test_turned_off_tutor_refuses(tutor):
    a = tutor.world.a
    chat.set_item_tutor(actor=a.instructor, offering=a.offering, item=tutor.a_video, enabled=False)
    with pytest.raises(chat.ChatRefused):
        send(a.student, a.offering, tutor.a_video)
    chat.set_item_tutor(actor=a.instructor, offering=a.offering, item=tutor.a_video, enabled=True)
    chat.set_course_tutor(actor=a.instructor, offering=a.offering, enabled=False, practice_answers_allowed=False)
    with pytest.raises(chat.ChatRefused):
        send(a.student, a.offering, tutor.a_video)


def test_retention_deletes_old_messages_in_batches(tutor):
    a = tutor.world.a
    send(a.student, a.offering, tutor.a_video, "old")
    ChatMessage.objects.update(created_at="2020-01-01T00:00:00Z")
    send(a.student, a.offering, tutor.a_video, "new")
    assert chat.delete_old_messages(older_than_days=30, batch_size=1) == 2
    assert list(ChatMessage.objects.filter(role=MessageRole.USER).values_list("content", flat=True)) == ["new"]


def _race(workers):
    barrier = threading.Barrier(len(workers))
    errors = []

    def run(work):
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_opens_make_one_session():
    from conftest import build_world
    from tutoring.tests.conftest import video_item

    world = build_world()
    item = video_item(world.a.course)
    a = world.a
    errors = _race([lambda: chat.start_session(actor=a.student, access=access_for(a.student, a.offering, item))] * 8)
    assert errors == []
    assert ChatSession.objects.filter(user=a.student, content_item=item).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_cannot_overspend_the_daily_budget():
    from conftest import build_world
    from lms.services import set_system_setting
    from tutoring.tests.conftest import video_item

    world = build_world()
    item = video_item(world.a.course)
    a = world.a
    set_system_setting(key="tutor.budget.daily_messages", value="3", is_encrypted=False)
    set_system_setting(key="tutor.budget.per_minute", value="0", is_encrypted=False)
    access = access_for(a.student, a.offering, item)
    session = chat.start_session(actor=a.student, access=access)
    refused = []

    def one():
        try:
            chat.send_message(actor=a.student, access=access, session=session, text="hi")
        except chat.ChatRefused as error:
            refused.append(error)

    assert _race([one] * 8) == []
    assert ChatMessage.objects.filter(role=MessageRole.USER).count() == 3
    assert len(refused) == 5


def test_the_retention_command_uses_the_setting_and_refuses_nonsense(tutor):
    from django.core.management import CommandError, call_command

    from lms.services import set_system_setting

    a = tutor.world.a
    send(a.student, a.offering, tutor.a_video, "old")
    ChatMessage.objects.update(created_at="2020-01-01T00:00:00Z")
    set_system_setting(key="tutor.retention_days", value="abc", is_encrypted=False)
    with pytest.raises(CommandError):
        call_command("delete_old_chat_messages")
    with pytest.raises(CommandError):
        call_command("delete_old_chat_messages", days=0)
    set_system_setting(key="tutor.retention_days", value="30", is_encrypted=False)
    call_command("delete_old_chat_messages", batch_size=1)
    assert not ChatMessage.objects.exists()


def test_an_open_exam_attempt_in_the_offering_puts_the_tutor_in_exam_mode(tutor):
    from learning.tests.factories import QuizAttemptFactory

    a = tutor.world.a
    access = access_for(a.student, a.offering, tutor.a_video)
    assert (
        guard.mode_for(user=a.student, offering=a.offering, item=tutor.a_video, practice_answers_allowed=False).mode
        == "study"
    )
    QuizAttemptFactory(user=a.student, course_offering=a.offering, submitted_at=None, mode="exam")
    mode = guard.mode_for(user=a.student, offering=access.offering, item=tutor.a_video, practice_answers_allowed=False)
    assert mode.mode == "exam" and mode.buffered
