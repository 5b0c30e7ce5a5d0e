"""The database refuses discussion and review rows that break the community rules."""

import pytest
from django.utils import timezone

from accounts.tests.db_helpers import rejects, rejects_update
from accounts.tests.factories import UserFactory
from learning.community.models import (
    CourseReview,
    DiscussionPost,
    DiscussionPostUpvote,
    DiscussionSettings,
    DiscussionThread,
    DiscussionThreadFollow,
)
from learning.tests.factories import CourseReviewFactory, DiscussionPostFactory

pytestmark = pytest.mark.django_db


def test_thread_kind_and_post_count():
    post = DiscussionPostFactory()
    threads = DiscussionThread.objects.filter(pk=post.thread_id)
    rejects_update("ck_discussion_threads_kind", threads, kind="poll")
    rejects_update("ck_discussion_threads_post_count_nonnegative", threads, post_count=-1)


def test_post_rules():
    post = DiscussionPostFactory()
    posts = DiscussionPost.objects.filter(pk=post.pk)
    rejects_update("ck_discussion_posts_upvote_count_nonnegative", posts, upvote_count=-1)
    rejects_update("ck_discussion_posts_removed_with_reason", posts, removed_at=timezone.now(), removed_reason="")
    rejects(
        "ux_discussion_posts_one_opening",
        "INSERT INTO discussion_posts (thread_id, user_id, body) VALUES (%s, %s, 'second opening')",
        [post.thread_id, post.user_id],
    )


def test_one_upvote_and_one_follow_per_user():
    post = DiscussionPostFactory()
    user = UserFactory()
    DiscussionPostUpvote.objects.create(post=post, user=user)
    DiscussionThreadFollow.objects.create(thread=post.thread, user=user)
    rejects(
        "ux_discussion_post_upvotes_post_user",
        "INSERT INTO discussion_post_upvotes (post_id, user_id) VALUES (%s, %s)",
        [post.pk, user.pk],
    )
    rejects(
        "ux_discussion_thread_follows_thread_user",
        "INSERT INTO discussion_thread_follows (thread_id, user_id) VALUES (%s, %s)",
        [post.thread_id, user.pk],
    )


def test_one_settings_row_per_offering():
    post = DiscussionPostFactory()
    DiscussionSettings.objects.create(course_offering=post.thread.course_offering)
    rejects(
        "discussion_settings_course_offering_id_key",
        "INSERT INTO discussion_settings (course_offering_id) VALUES (%s)",
        [post.thread.course_offering_id],
    )


def test_a_hidden_review_has_a_reason():
    review = CourseReviewFactory()
    rejects_update(
        "ck_course_reviews_hidden_with_reason",
        CourseReview.objects.filter(pk=review.pk),
        hidden_at=timezone.now(),
        hidden_reason="",
    )
