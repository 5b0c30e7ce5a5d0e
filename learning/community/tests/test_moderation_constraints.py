"""The database itself refuses what the moderation service never writes: a moderation row with an unknown
action or no reason."""

import pytest

from accounts.tests.db_helpers import accepts, rejects
from learning.tests.factories import CourseReviewModerationFactory

pytestmark = pytest.mark.django_db

INSERT_MODERATION = "INSERT INTO course_review_moderations (review_id, action, reason) VALUES (%s, %s, %s)"


def test_moderation_action_must_be_hide_or_unhide_and_reason_is_required():
    review_id = CourseReviewModerationFactory().review_id
    rejects("ck_course_review_moderations_action", INSERT_MODERATION, [review_id, "delete", "spam"])
    rejects("ck_course_review_moderations_reason", INSERT_MODERATION, [review_id, "hide", ""])
    accepts(INSERT_MODERATION, [review_id, "hide", "spam"])
