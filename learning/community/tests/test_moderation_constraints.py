"""The database itself refuses what the moderation and digest services never write: a moderation row with an
unknown action or no reason, and a second digest for the same user and day."""

import pytest

from accounts.tests.db_helpers import accepts, rejects
from learning.tests.factories import CourseReviewModerationFactory, NotificationDigestFactory

pytestmark = pytest.mark.django_db

INSERT_MODERATION = "INSERT INTO course_review_moderations (review_id, action, reason) VALUES (%s, %s, %s)"


def test_moderation_action_must_be_hide_or_unhide_and_reason_is_required():
    review_id = CourseReviewModerationFactory().review_id
    rejects("ck_course_review_moderations_action", INSERT_MODERATION, [review_id, "delete", "spam"])
    rejects("ck_course_review_moderations_reason", INSERT_MODERATION, [review_id, "hide", ""])
    accepts(INSERT_MODERATION, [review_id, "hide", "spam"])


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
