"""Bad input on every tutor form other than the message box (that one is in test_views): feedback, a new
note, a note edit, an instructor's flag. Each answers 400 with its message and writes nothing; a NUL is
refused before any view; a script tag is stored as text and shown escaped where the text appears."""

import pytest
from django.urls import reverse

from lms.middleware import MESSAGE as NUL_MESSAGE
from tutoring import chat
from tutoring.models import ChatMessage, ChatNote
from tutoring.tests.conftest import access_for

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def reply(tutor):
    a = tutor.world.a
    access = access_for(a.student, a.offering, tutor.a_video)
    session = chat.start_session(actor=a.student, access=access)
    sent = chat.send_message(actor=a.student, access=access, session=session, text="What is a derivative?")
    return chat.run_reply_to_end(message_id=sent.reply.pk, user=a.student, access=access)


@pytest.fixture
def note(reply):
    return chat.add_note(actor=reply.session.user, session=reply.session, content="Slope", message=reply)


def _form(name, reply, note, offering):
    return {
        "feedback": reverse("tutoring:message-feedback", args=[reply.pk]),
        "note-create": reverse("tutoring:note-create", args=[reply.pk]),
        "note-edit": reverse("tutoring:note-edit", args=[note.pk]),
        "teach-flag": reverse("tutoring:teach-flag", args=[offering.pk, reply.pk]),
    }[name]


def _state():
    return (
        list(ChatMessage.objects.order_by("pk").values_list("content", "meta")),
        list(ChatNote.objects.order_by("pk").values_list("content", "selected_text")),
    )


@pytest.mark.parametrize(
    ("form", "data", "error"),
    [
        ("feedback", {"rating": ""}, chat.FEEDBACK_INVALID),
        ("feedback", {"rating": "meh"}, chat.FEEDBACK_INVALID),
        ("feedback", {"rating": "up", "reason": "x" * 501}, chat.FEEDBACK_REASON_TOO_LONG),
        ("note-create", {"content": "", "selected_text": ""}, chat.NOTE_EMPTY),
        ("note-create", {"content": "   "}, chat.NOTE_EMPTY),
        ("note-create", {"content": "x" * 5001}, chat.NOTE_TOO_LONG),
        ("note-create", {"content": "ok", "selected_text": "x" * 5001}, chat.NOTE_TOO_LONG),
        ("note-edit", {"content": ""}, chat.NOTE_EMPTY),
        ("note-edit", {"content": "x" * 5001}, chat.NOTE_TOO_LONG),
        ("teach-flag", {"flagged": "1", "reason": "x" * 501}, chat.FLAG_REASON_TOO_LONG),
    ],
)
def test_bad_input_is_a_400_with_its_message_and_nothing_changes(client, tutor, reply, note, form, data, error):
    a = tutor.world.a
    client.force_login(a.instructor if form == "teach-flag" else a.student)
    before = _state()
    response = client.post(_form(form, reply, note, a.offering), data)
    assert response.status_code == 400 and response.content.decode() == error
    assert _state() == before
    if form in ("feedback", "note-create"):  # the panel's script asks for JSON
        response = client.post(_form(form, reply, note, a.offering), data, HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and response.json() == {"error": error}
        assert _state() == before


@pytest.mark.parametrize("form", ["feedback", "note-create", "note-edit", "teach-flag"])
def test_a_nul_is_refused_before_the_view(client, tutor, reply, note, form):
    a = tutor.world.a
    client.force_login(a.instructor if form == "teach-flag" else a.student)
    before = _state()
    data = {"rating": "up", "reason": "a\x00b", "content": "a\x00b", "flagged": "1"}
    response = client.post(_form(form, reply, note, a.offering), data)
    assert response.status_code == 400 and response.content.decode() == NUL_MESSAGE
    assert _state() == before


def test_script_tags_are_kept_as_text_and_shown_escaped(client, tutor, reply, note):
    a = tutor.world.a
    client.force_login(a.student)
    assert (
        client.post(_form("feedback", reply, note, a.offering), {"rating": "down", "reason": SCRIPT}).status_code == 302
    )
    assert (
        client.post(
            _form("note-create", reply, note, a.offering), {"content": SCRIPT, "selected_text": SCRIPT}
        ).status_code
        == 302
    )
    notes_page = client.get(reverse("tutoring:my-notes", args=[a.offering.pk])).content.decode()
    assert SCRIPT not in notes_page and notes_page.count(ESCAPED) >= 2
    client.force_login(a.instructor)
    assert (
        client.post(_form("teach-flag", reply, note, a.offering), {"flagged": "1", "reason": SCRIPT}).status_code == 302
    )
    page = client.get(reverse("tutoring:teach-session", args=[a.offering.pk, reply.session_id])).content.decode()
    assert SCRIPT not in page and page.count(ESCAPED) >= 2  # the flag reason and the student's feedback


def test_a_german_student_gets_the_refusals_and_confirmations_in_german(client, tutor, reply, note):
    from accounts.models import User

    a = tutor.world.a
    User.objects.filter(pk=a.student.pk).update(locale="de")  # the student's own language (profile page)
    client.force_login(a.student)
    german = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}  # the user's language wins over the browser's
    response = client.post(_form("note-create", reply, note, a.offering), {"content": "  "}, **german)
    assert response.status_code == 400 and response.content.decode() == "Eine Notiz braucht etwas Text."
    response = client.post(_form("feedback", reply, note, a.offering), {"rating": "meh"}, **german)
    assert response.status_code == 400 and response.content.decode() == "Wählen Sie Daumen hoch oder Daumen runter."
    response = client.post(
        _form("note-edit", reply, note, a.offering), {"content": "Steigung", "next": "/"}, follow=True, **german
    )
    assert "Notiz aktualisiert." in response.content.decode()
