"""The database itself refuses what the digest task never writes: a second digest for the same user and day."""

import pytest

from accounts.tests.db_helpers import accepts, rejects
from learning.tests.factories import NotificationDigestFactory

pytestmark = pytest.mark.django_db


def test_one_digest_per_user_and_day():
    digest = NotificationDigestFactory()
    rejects(
        "ux_notification_digests_user_day",
        "INSERT INTO notification_digests (user_id, day) VALUES (%s, %s)",
        [digest.user_id, digest.day],
    )
    accepts(
        "INSERT INTO notification_digests (user_id, day) VALUES (%s, %s + 1)",
        [digest.user_id, digest.day],
    )
