"""The database refuses a notification or a user row that breaks the notification rules."""

import pytest

from accounts.models import User
from accounts.tests.db_helpers import accepts, rejects, rejects_update
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INSERT = "INSERT INTO notifications (user_id, kind, text, url) VALUES (%s, %s, %s, %s)"


def test_notification_kind_text_and_url():
    user = UserFactory()
    accepts(INSERT, [user.pk, "reply", "A reply", "/learn/"])
    rejects("ck_notifications_kind", INSERT, [user.pk, "gossip", "A reply", "/learn/"])
    rejects("ck_notifications_text_not_empty", INSERT, [user.pk, "reply", "", "/learn/"])
    rejects("ck_notifications_url_is_a_path", INSERT, [user.pk, "reply", "A reply", "https://evil.example/"])


def test_user_notification_columns():
    user = UserFactory()
    rejects_update("ck_users_notification_email", User.objects.filter(pk=user.pk), notification_email="weekly")
    rejects_update(
        "ck_users_unread_notifications_nonnegative", User.objects.filter(pk=user.pk), unread_notification_count=-1
    )
