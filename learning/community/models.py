"""Community models: discussion threads and posts (with follows, upvotes and per-offering settings), and
course reviews.

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
Every column past the seed's is written only by ``learning.community.services``, which keeps the derived
ones (a post's ``path``, a thread's ``post_count``/``last_activity_at``/``is_answered``, a post's
``upvote_count``) equal to what they summarise.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from lms.models_base import LongNameIndex, choices_check, non_negative

USER = settings.AUTH_USER_MODEL
SEARCH_CONFIG = "english"


class ThreadKind(models.TextChoices):
    QUESTION = "question", _("Question")
    DISCUSSION = "discussion", _("Discussion")


class DiscussionThread(models.Model):
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="discussion_threads", db_index=False
    )
    module = models.ForeignKey(
        "syllabus.Module", on_delete=models.SET_NULL, null=True, blank=True, related_name="discussion_threads"
    )
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="discussion_threads"
    )
    created_by_user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="discussion_threads")
    title = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    is_locked = models.BooleanField(default=False, db_default=False)
    kind = models.CharField(
        max_length=16, choices=ThreadKind.choices, default=ThreadKind.DISCUSSION, db_default=ThreadKind.DISCUSSION
    )
    is_pinned = models.BooleanField(default=False, db_default=False)
    # A question with a staff answer, an endorsed answer, or marked answered by its author or staff.
    is_answered = models.BooleanField(default=False, db_default=False)
    # Its opening post was removed by staff: gone from students' lists and pages.
    is_removed = models.BooleanField(default=False, db_default=False)
    # Replies (posts other than the opening one), deleted and removed ones included.
    post_count = models.IntegerField(default=0, db_default=0)
    last_activity_at = models.DateTimeField(db_default=Now())
    search_vector = models.GeneratedField(
        expression=SearchVector("title", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = "discussion_threads"
        ordering = ["-created_at"]
        constraints = [
            choices_check("kind", ThreadKind, name="ck_discussion_threads_kind"),
            non_negative("post_count", name="ck_discussion_threads_post_count_nonnegative"),
        ]
        indexes = [
            LongNameIndex(fields=["course_offering"], name="ix_discussion_threads_course_offering"),
            # One index per list filter, each in the list's order (pinned first, latest activity first).
            LongNameIndex(
                F("course_offering"),
                F("is_pinned").desc(),
                F("last_activity_at").desc(),
                F("id").desc(),
                name="ix_discussion_threads_offering_activity",
            ),
            LongNameIndex(
                F("module"),
                F("is_pinned").desc(),
                F("last_activity_at").desc(),
                F("id").desc(),
                condition=Q(module__isnull=False),
                name="ix_discussion_threads_module_activity",
            ),
            LongNameIndex(
                F("content_item"),
                F("is_pinned").desc(),
                F("last_activity_at").desc(),
                F("id").desc(),
                condition=Q(content_item__isnull=False),
                name="ix_discussion_threads_item_activity",
            ),
            LongNameIndex(
                F("course_offering"),
                F("is_pinned").desc(),
                F("last_activity_at").desc(),
                F("id").desc(),
                condition=Q(kind="question", is_answered=False),
                name="ix_discussion_threads_unanswered",
            ),
            LongNameIndex(
                F("created_by_user"),
                F("course_offering"),
                F("is_pinned").desc(),
                F("last_activity_at").desc(),
                F("id").desc(),
                name="ix_discussion_threads_author_activity",
            ),
            GinIndex(fields=["search_vector"], name="ix_discussion_threads_search"),
        ]

    def __str__(self) -> str:
        return self.title or f"Thread {self.pk}"


class DiscussionPost(models.Model):
    thread = models.ForeignKey(DiscussionThread, on_delete=models.CASCADE, related_name="posts", db_index=False)
    parent_post = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="discussion_posts")
    body = models.TextField()
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)
    is_deleted = models.BooleanField(default=False, db_default=False)
    # The body rendered at write time (markdown, sanitised, math as MathML, resolved mentions).
    body_html = models.TextField(blank=True, default="", db_default="")
    # Ids from the opening post down to this one: the tree's order (ORDER BY path) and its depth.
    path = ArrayField(models.BigIntegerField(), default=list, db_default="{}")
    is_anonymous = models.BooleanField(default=False, db_default=False)
    # Written by an instructor or TA of the offering (their answer is shown apart).
    by_staff = models.BooleanField(default=False, db_default=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    endorsed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    endorsed_at = models.DateTimeField(null=True, blank=True)
    upvote_count = models.IntegerField(default=0, db_default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    removed_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    search_vector = models.GeneratedField(
        expression=SearchVector("body", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = "discussion_posts"
        ordering = ["created_at", "id"]
        constraints = [
            # Target of the composite FK that keeps a reply in its parent's thread.
            models.UniqueConstraint(fields=["id", "thread"], name="ux_discussion_posts_id_thread"),
            models.CheckConstraint(condition=~Q(parent_post=F("id")), name="ck_discussion_posts_not_own_parent"),
            non_negative("upvote_count", name="ck_discussion_posts_upvote_count_nonnegative"),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | ~Q(removed_reason=""),
                name="ck_discussion_posts_removed_with_reason",
            ),
            # One opening post per thread (the one without a parent).
            models.UniqueConstraint(
                fields=["thread"], condition=Q(parent_post__isnull=True), name="ux_discussion_posts_one_opening"
            ),
        ]
        indexes = [
            models.Index(fields=["thread"], name="ix_discussion_posts_thread_id"),
            LongNameIndex(fields=["thread", "path"], name="ix_discussion_posts_thread_path"),
            # The posting rate limit counts a user's recent posts.
            LongNameIndex(fields=["user", "created_at"], name="ix_discussion_posts_user_created"),
            GinIndex(fields=["search_vector"], name="ix_discussion_posts_search"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in thread {self.thread_id}"

    @property
    def depth(self) -> int:
        return max(len(self.path) - 1, 0)


class DiscussionPostUpvote(models.Model):
    post = models.ForeignKey(DiscussionPost, on_delete=models.CASCADE, related_name="upvotes", db_index=False)
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "discussion_post_upvotes"
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="ux_discussion_post_upvotes_post_user")]
        indexes = [LongNameIndex(fields=["user", "post"], name="ix_discussion_post_upvotes_user_post")]

    def __str__(self) -> str:
        return f"Upvote of post {self.post_id} by {self.user_id}"


class DiscussionThreadFollow(models.Model):
    thread = models.ForeignKey(DiscussionThread, on_delete=models.CASCADE, related_name="follows", db_index=False)
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "discussion_thread_follows"
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="ux_discussion_thread_follows_thread_user")
        ]
        indexes = [LongNameIndex(fields=["user", "thread"], name="ix_discussion_thread_follows_user_thread")]

    def __str__(self) -> str:
        return f"{self.user_id} follows thread {self.thread_id}"


class DiscussionSettings(models.Model):
    """Per offering: discussion options and who follows everything (staff)."""

    course_offering = models.OneToOneField(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="discussion_settings"
    )
    # Students may post anonymously to classmates (staff always see the author).
    allow_anonymous = models.BooleanField(default=False, db_default=False)
    # Staff who follow every thread of the offering (their user ids).
    followers_of_everything = ArrayField(models.BigIntegerField(), default=list, db_default="{}", blank=True)

    class Meta:
        db_table = "discussion_settings"

    def __str__(self) -> str:
        return f"Discussion settings of offering {self.course_offering_id}"


class CourseReview(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="course_reviews", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    rating = models.IntegerField()
    review_text = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    hidden_reason = models.CharField(max_length=500, blank=True, default="", db_default="")

    class Meta:
        db_table = "course_reviews"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_offering"], name="ux_course_reviews_unique"),
            # Seed 000's inline CHECK, under PostgreSQL's own name for it.
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="course_reviews_rating_check"),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="ck_course_reviews_hidden_with_reason"
            ),
        ]
        indexes = [
            LongNameIndex(fields=["course_offering"], name="ix_course_reviews_course_offering"),
            # The course page: an offering's visible reviews, newest first, and the aggregate.
            LongNameIndex(
                F("course_offering"),
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(hidden_at__isnull=True),
                name="ix_course_reviews_offering_visible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ by {self.user_id} for {self.course_offering_id}"


class ReviewModerationAction(models.TextChoices):
    HIDE = "hide", "Hidden"
    UNHIDE = "unhide", "Shown again"


class CourseReviewModeration(models.Model):
    """The audit trail of hiding and un-hiding a review: who, when, which way and why. Written only by
    ``learning.community.services`` (``hide_review``/``unhide_review``), in the transaction that changes the
    review, one row per change that took effect; never edited."""

    review = models.ForeignKey(CourseReview, on_delete=models.CASCADE, related_name="moderations", db_index=False)
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=16, choices=ReviewModerationAction.choices)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "course_review_moderations"
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("action", ReviewModerationAction, name="ck_course_review_moderations_action"),
            models.CheckConstraint(condition=~Q(reason=""), name="ck_course_review_moderations_reason"),
        ]
        indexes = [LongNameIndex(fields=["review", "created_at"], name="ix_course_review_moderations_review")]

    def __str__(self) -> str:
        return f"{self.action} of review {self.review_id} by {self.actor_id}"
