"""Every database constraint of the tutoring tables, proven by a raw write that breaks it."""

import pytest

from accounts.tests.db_helpers import accepts, rejects, rejects_update
from syllabus.tests.factories import ContentItemFactory
from tutoring.models import ChatMessage, ChatSession
from tutoring.tests.factories import (
    ChatMessageFactory,
    ChatNoteFactory,
    ChatSessionFactory,
    TutorCourseSettingFactory,
    TutorItemSettingFactory,
)

pytestmark = pytest.mark.django_db


def test_share_token_is_unique():
    session = ChatSessionFactory(share_enabled=True, share_token="tok-123")
    rejects(
        "ux_chat_sessions_share_token",
        "INSERT INTO chat_sessions (user_id, share_token) VALUES (%s, %s)",
        [session.user_id, "tok-123"],
    )


def test_a_shared_session_has_a_token():
    session = ChatSessionFactory()
    rejects_update("ck_chat_sessions_shared_has_token", ChatSession.objects.filter(pk=session.pk), share_enabled=True)


def test_message_role_is_one_of_the_enum():
    message = ChatMessageFactory()
    rejects_update("ck_chat_messages_role", ChatMessage.objects.filter(pk=message.pk), role="tool")


def test_note_message_is_in_the_notes_session():
    note = ChatNoteFactory()
    other_message = ChatMessageFactory()  # another session
    rejects(
        "fk_chat_notes_message_same_session",
        "UPDATE chat_notes SET message_id = %s WHERE id = %s",
        [other_message.pk, note.pk],
    )
    accepts("UPDATE chat_notes SET message_id = NULL WHERE id = %s", [note.pk])


def test_deleting_a_message_keeps_the_note():
    note = ChatNoteFactory()
    note.message.delete()
    note.refresh_from_db()
    assert note.message is None


def test_one_tutor_conversation_per_student_and_item():
    item = ContentItemFactory()
    session = ChatSessionFactory(content_item=item)
    rejects(
        "ux_chat_sessions_user_item",
        "INSERT INTO chat_sessions (user_id, content_item_id) VALUES (%s, %s)",
        [session.user_id, item.pk],
    )
    other_item = ContentItemFactory(module=item.module)
    accepts("INSERT INTO chat_sessions (user_id, content_item_id) VALUES (%s, %s)", [session.user_id, other_item.pk])


def test_one_tutor_setting_per_course():
    setting = TutorCourseSettingFactory()
    rejects(
        "tutor_course_settings_course_id_key",
        "INSERT INTO tutor_course_settings (course_id, university_id) VALUES (%s, %s)",
        [setting.course_id, setting.university_id],
    )


def test_one_tutor_setting_per_item():
    setting = TutorItemSettingFactory()
    rejects(
        "tutor_item_settings_content_item_id_key",
        "INSERT INTO tutor_item_settings (content_item_id, university_id) VALUES (%s, %s)",
        [setting.content_item_id, setting.university_id],
    )
