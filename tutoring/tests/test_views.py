"""Tutor pages: the student's panel, sending (JS and no-JS), the SSE stream, feedback, notes, and the
teacher's view — happy paths, denied roles, other tenants, bad input, query bounds."""

import json

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from lms.middleware import MESSAGE as NUL_MESSAGE
from tutoring import chat, moderation
from tutoring.models import ChatMessage, ChatNote, ChatSession, MessageRole, TutorCourseSetting, TutorItemSetting
from tutoring.tests.conftest import access_for, video_item

pytestmark = pytest.mark.django_db


def panel_url(offering, item):
    return reverse("tutoring:panel", args=[offering.pk, item.pk])


def send_url(offering, item):
    return reverse("tutoring:send", args=[offering.pk, item.pk])


def test_panel_shows_the_disclosure_and_the_form(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    response = client.get(panel_url(a.offering, tutor.a_video))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Replies are written by an AI and may be wrong" in body
    assert "Your instructors and teaching assistants can read this conversation" in body
    assert 'name="content"' in body


@pytest.mark.parametrize("who", ["anonymous", "other_student", "b_student", "instructor_not_enrolled"])
def test_panel_denied(client, tutor, who):
    a, b = tutor.world.a, tutor.world.b
    user = {
        "anonymous": None,
        "other_student": UserFactory(),
        "b_student": b.student,
        "instructor_not_enrolled": a.instructor,
    }[who]
    if user:
        client.force_login(user)
    response = client.get(panel_url(a.offering, tutor.a_video))
    assert response.status_code in (302, 404)
    if user:
        assert response.status_code == 404


def test_an_item_of_another_course_is_404_even_for_an_enrolled_student(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    assert client.get(panel_url(a.offering, tutor.b_video)).status_code == 404
    assert client.post(send_url(a.offering, tutor.b_video), {"content": "hi"}).status_code == 404


def test_no_js_send_makes_the_reply_and_the_page_shows_it(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    response = client.post(
        send_url(a.offering, tutor.a_video), {"content": "What does the derivative measure?"}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "No language model is configured" in body
    # The citation became a link that seeks the video.
    assert 'data-seek="65"' in body
    reply = ChatMessage.objects.get(role=MessageRole.ASSISTANT)
    assert reply.meta["status"] == chat.COMPLETE


def test_the_next_url_must_be_on_this_site(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    response = client.post(send_url(a.offering, tutor.a_video), {"content": "hi", "next": "https://evil.example/"})
    assert response.url.startswith(panel_url(a.offering, tutor.a_video))


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("", moderation.MESSAGE_EMPTY),
        ("   ", moderation.MESSAGE_EMPTY),
        ("x" * 5000, moderation.MESSAGE_TOO_LONG.format(limit=2000)),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_written(client, tutor, content, error):
    a = tutor.world.a
    client.force_login(a.student)
    response = client.post(send_url(a.offering, tutor.a_video), {"content": content})
    assert response.status_code == 400
    assert error in response.content.decode()
    response = client.post(send_url(a.offering, tutor.a_video), {"content": content}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json() == {"error": error}
    assert not ChatMessage.objects.exists()


def test_a_nul_is_refused_before_the_view(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    response = client.post(send_url(a.offering, tutor.a_video), {"content": "a\x00b"})
    assert response.status_code == 400 and response.content.decode() == NUL_MESSAGE
    assert not ChatMessage.objects.exists()


def test_a_script_tag_is_shown_as_text_never_run(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    response = client.post(
        send_url(a.offering, tutor.a_video), {"content": "<script>alert(1)</script> derivative"}, follow=True
    )
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_js_send_answers_a_stream_that_delivers_deltas_and_done(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    response = client.post(
        send_url(a.offering, tutor.a_video),
        {"content": "What does the derivative measure?"},
        HTTP_ACCEPT="application/json",
    )
    data = response.json()
    assert data["user_message"] == "What does the derivative measure?"
    stream = client.get(data["stream_url"])
    assert stream["Content-Type"] == "text/event-stream"
    text = b"".join(stream.streaming_content).decode()
    events = [block for block in text.split("\n\n") if block.startswith("event:")]
    assert sum(e.startswith("event: delta") for e in events) > 10
    done = json.loads(events[-1].split("data: ", 1)[1])
    assert done["status"] == "complete" and 'data-seek="65"' in done["html"]
    # A reconnect replays the stored reply and does not run the provider again.
    again = b"".join(client.get(data["stream_url"]).streaming_content).decode()
    assert "event: delta" not in again and "event: done" in again


def test_a_stream_of_someone_elses_reply_is_404(client, tutor):
    a = tutor.world.a
    client.force_login(a.student)
    data = client.post(send_url(a.offering, tutor.a_video), {"content": "hi"}, HTTP_ACCEPT="application/json").json()
    other = UserFactory()
    client.force_login(other)
    assert client.get(data["stream_url"]).status_code == 404


def _reply(tutor):
    a = tutor.world.a
    access = access_for(a.student, a.offering, tutor.a_video)
    session = chat.start_session(actor=a.student, access=access)
    sent = chat.send_message(actor=a.student, access=access, session=session, text="What is a derivative?")
    return chat.run_reply_to_end(message_id=sent.reply.pk, user=a.student, access=access)


def test_feedback_and_notes(client, tutor):
    a = tutor.world.a
    reply = _reply(tutor)
    client.force_login(a.student)
    assert (
        client.post(
            reverse("tutoring:message-feedback", args=[reply.pk]), {"rating": "down", "reason": "too long"}
        ).status_code
        == 302
    )
    reply.refresh_from_db()
    assert reply.meta["feedback"]["rating"] == "down" and reply.meta["feedback"]["reason"] == "too long"
    assert client.post(reverse("tutoring:message-feedback", args=[reply.pk]), {"rating": "meh"}).status_code == 400
    url = reverse("tutoring:note-create", args=[reply.pk])
    assert client.post(url, {"content": "", "selected_text": ""}).status_code == 400
    assert client.post(url, {"content": "x\x00"}).status_code == 400
    assert client.post(url, {"content": "Slope!", "selected_text": "the slope of the tangent line"}).status_code == 302
    note = ChatNote.objects.get()
    assert (note.message_id, note.selected_text) == (reply.pk, "the slope of the tangent line")
    notes_page = client.get(reverse("tutoring:my-notes", args=[a.offering.pk])).content.decode()
    assert "Slope!" in notes_page and reverse("player:item", args=[a.offering.pk, tutor.a_video.pk]) in notes_page
    assert (
        client.post(reverse("tutoring:note-edit", args=[note.pk]), {"content": "Slope of the tangent"}).status_code
        == 302
    )
    note.refresh_from_db()
    assert note.content == "Slope of the tangent"
    # Another student can neither rate, annotate, edit nor delete.
    client.force_login(tutor.world.b.student)
    assert client.post(reverse("tutoring:message-feedback", args=[reply.pk]), {"rating": "up"}).status_code == 404
    assert client.post(url, {"content": "mine"}).status_code == 404
    assert client.post(reverse("tutoring:note-delete", args=[note.pk])).status_code == 404
    assert client.get(reverse("tutoring:my-notes", args=[a.offering.pk])).status_code == 404
    client.force_login(a.student)
    assert client.post(reverse("tutoring:note-delete", args=[note.pk])).status_code == 302
    assert not ChatNote.objects.exists()


def test_teacher_reads_flags_and_switches_the_tutor(client, tutor):
    a = tutor.world.a
    reply = _reply(tutor)
    session = reply.session
    client.force_login(a.ta)
    page = client.get(reverse("tutoring:teach-sessions", args=[a.offering.pk]))
    assert page.status_code == 200 and a.student.full_name in page.content.decode()
    detail = client.get(reverse("tutoring:teach-session", args=[a.offering.pk, session.pk]))
    assert "What is a derivative?" in detail.content.decode()
    flag = reverse("tutoring:teach-flag", args=[a.offering.pk, reply.pk])
    assert client.post(flag, {"flagged": "1", "reason": "x" * 501}).status_code == 400
    assert client.post(flag, {"flagged": "1", "reason": "wrong maths"}).status_code == 302
    reply.refresh_from_db()
    assert reply.meta["flagged"] is True and reply.meta["flag_reason"] == "wrong maths"
    flagged = client.get(reverse("tutoring:teach-sessions", args=[a.offering.pk]) + "?flagged=1").content.decode()
    assert "1 flagged" in flagged
    settings_url = reverse("tutoring:teach-settings", args=[a.offering.pk])
    assert client.post(settings_url, {"item": str(tutor.a_video.pk), "enabled": "0"}).status_code == 302
    assert not access_for(a.student, a.offering, tutor.a_video).enabled
    assert client.post(settings_url, {"item": str(tutor.b_video.pk), "enabled": "0"}).status_code == 400
    assert client.post(settings_url, {"item": "abc", "enabled": "0"}).status_code == 400


@pytest.mark.parametrize("who", ["student", "b_instructor", "a_university_admin"])
def test_teacher_view_denied(client, tutor, who):
    a, b = tutor.world.a, tutor.world.b
    reply = _reply(tutor)
    client.force_login(
        {"student": a.student, "b_instructor": b.instructor, "a_university_admin": a.university_admin}[who]
    )
    assert client.get(reverse("tutoring:teach-sessions", args=[a.offering.pk])).status_code == 404
    assert client.get(reverse("tutoring:teach-session", args=[a.offering.pk, reply.session_id])).status_code == 404
    assert (
        client.post(reverse("tutoring:teach-flag", args=[a.offering.pk, reply.pk]), {"flagged": "1"}).status_code == 404
    )
    # Nor switch the tutor off, for the course or for one item: 404 and nothing written.
    settings_url = reverse("tutoring:teach-settings", args=[a.offering.pk])
    assert client.post(settings_url, {"enabled": "0"}).status_code == 404
    assert client.post(settings_url, {"item": str(tutor.a_video.pk), "enabled": "0"}).status_code == 404
    assert not TutorCourseSetting.objects.exists() and not TutorItemSetting.objects.exists()
    reply.refresh_from_db()
    assert not reply.meta.get("flagged")


def test_another_offerings_session_is_404_to_its_teacher(client, tutor):
    a, b = tutor.world.a, tutor.world.b
    b_access = access_for(b.student, b.offering, tutor.b_video)
    b_session = chat.start_session(actor=b.student, access=b_access)
    b_message = chat.send_message(actor=b.student, access=b_access, session=b_session, text="hello").user_message
    client.force_login(a.instructor)
    assert client.get(reverse("tutoring:teach-session", args=[a.offering.pk, b_session.pk])).status_code == 404
    assert (
        client.post(reverse("tutoring:teach-flag", args=[a.offering.pk, b_message.pk]), {"flagged": "1"}).status_code
        == 404
    )
    assert "hello" not in client.get(reverse("tutoring:teach-sessions", args=[a.offering.pk])).content.decode()


def test_teacher_pages_run_a_bounded_number_of_queries(client, tutor, django_assert_max_num_queries):
    from learning.tests.factories import CourseEnrollmentFactory

    a = tutor.world.a
    items = [video_item(a.course) for _ in range(4)]
    for n in range(12):
        student = UserFactory()
        CourseEnrollmentFactory(user=student, course_offering=a.offering)
        for item in items:
            session = ChatSession.objects.create(user=student, content_item=item, content_context={})
            ChatMessage.objects.create(
                session=session, role=MessageRole.USER, content=f"q{n}", meta={"flagged": n % 3 == 0}
            )
            ChatMessage.objects.create(
                session=session,
                role=MessageRole.ASSISTANT,
                content="a",
                meta={"status": "complete", "feedback": {"rating": "up"}},
            )
    client.force_login(a.instructor)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("tutoring:teach-sessions", args=[a.offering.pk]))
    assert page.status_code == 200 and page.content.decode().count("teach/") >= 48
    session = ChatSession.objects.filter(content_item=items[0]).first()
    with django_assert_max_num_queries(10):
        assert client.get(reverse("tutoring:teach-session", args=[a.offering.pk, session.pk])).status_code == 200


def test_share_link_shows_the_conversation_without_private_details_and_dies_on_revoke(client, tutor):
    a = tutor.world.a
    reply = _reply(tutor)
    session = reply.session
    a.student.full_name = "Ada Lovelace-Byron"
    a.student.save()
    client.force_login(a.student)
    assert client.post(reverse("tutoring:session-share", args=[session.pk]), {"enabled": "1"}).status_code == 302
    session.refresh_from_db()
    assert session.share_enabled and len(session.share_token) >= 40
    client.logout()
    url = reverse("tutoring:shared", args=[session.share_token])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert "Ada" in body and "Lovelace" not in body and a.student.email not in body
    assert "What is a derivative?" in body and "No language model is configured" in body
    assert "offline-bm25" not in body and "prompt" not in body.lower().replace("prompts", "")
    client.force_login(a.student)
    client.post(reverse("tutoring:session-share", args=[session.pk]), {"enabled": "0"})
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get(reverse("tutoring:shared", args=["x" * 43])).status_code == 404


def test_only_the_owner_toggles_sharing_from_the_panel(client, tutor):
    reply = _reply(tutor)
    client.force_login(tutor.world.b.student)
    assert client.post(reverse("tutoring:session-share", args=[reply.session_id]), {"enabled": "1"}).status_code == 404
    client.logout()
    assert client.post(reverse("tutoring:session-share", args=[reply.session_id]), {"enabled": "1"}).status_code == 302
    reply.session.refresh_from_db()
    assert not reply.session.share_enabled


def test_my_notes_page_on_the_server_in_a_fixed_number_of_queries(client, tutor, django_assert_max_num_queries):
    from tutoring.selectors import NOTES_PER_PAGE

    a = tutor.world.a
    reply = _reply(tutor)
    for n in range(NOTES_PER_PAGE + 5):
        chat.add_note(actor=a.student, session=reply.session, content=f"Note number {n:03d}", message=reply)
    url = reverse("tutoring:my-notes", args=[a.offering.pk])
    client.force_login(a.student)
    with django_assert_max_num_queries(8):
        first = client.get(url).content.decode()
    assert first.count('class="card mb-2"') == NOTES_PER_PAGE
    assert f"Note number {NOTES_PER_PAGE + 4:03d}" in first and "Note number 000" not in first  # newest first
    assert "Page 1 of 2" in first and "?page=2" in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert second.count('class="card mb-2"') == 5 and "Note number 000" in second
    # A bad page number falls back (not a number: the first page; out of range: the last), never a 500.
    for bad, shown in (("abc", NOTES_PER_PAGE), ("0", 5), ("-1", 5), ("99999999999999999999", 5)):
        response = client.get(url, {"page": bad})
        assert response.status_code == 200 and response.content.decode().count('class="card mb-2"') == shown
    assert client.get(url, {"page": "2\x00"}).status_code == 400  # a NUL: refused before the view
    # Another student (same university, not enrolled) and another university's student: 404, and nothing
    # of the notes can be changed by them.
    note = ChatNote.objects.order_by("id").first()
    for stranger in (UserFactory(), tutor.world.b.student, a.instructor):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
        assert client.post(reverse("tutoring:note-edit", args=[note.pk]), {"content": "mine"}).status_code == 404
    note.refresh_from_db()
    assert note.content == "Note number 000"


def test_teacher_sessions_page_on_the_server_and_the_flagged_filter_keeps_whole_counts(client, tutor):
    from learning.tests.factories import CourseEnrollmentFactory
    from tutoring.selectors import PAGE_SIZE

    a = tutor.world.a
    item = video_item(a.course)
    for n in range(PAGE_SIZE + 3):
        student = UserFactory(full_name=f"Student {n:03d}")
        CourseEnrollmentFactory(user=student, course_offering=a.offering)
        session = ChatSession.objects.create(user=student, content_item=item, content_context={})
        ChatMessage.objects.create(session=session, role=MessageRole.USER, content="q", meta={"flagged": n < 2})
        ChatMessage.objects.create(session=session, role=MessageRole.ASSISTANT, content="a", meta={})
    url = reverse("tutoring:teach-sessions", args=[a.offering.pk])
    client.force_login(a.instructor)
    first = client.get(url).content.decode()
    assert first.count("(2 messages") == PAGE_SIZE and "Page 1 of 2" in first and "page=2" in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert second.count("(2 messages") == 3
    # Only the flagged sessions, each still counting all its messages; the filter stays in the paging links.
    flagged = client.get(url, {"flagged": "1"}).content.decode()
    assert flagged.count("(2 messages, <strong>1 flagged</strong>)") == 2 and "(1 messages" not in flagged
    filtered = client.get(url, {"item": str(item.pk)}).content.decode()
    assert f"?item={item.pk}&amp;page=2" in filtered
    for bad in ("abc", "0", "99999"):
        assert client.get(url, {"page": bad, "item": "x"}).status_code == 200
