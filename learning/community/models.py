"""Community models: discussion threads and posts, and course reviews.

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from lms.models_base import LongNameIndex

USER = settings.AUTH_USER_MODEL


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

    class Meta:
        db_table = "discussion_threads"
        ordering = ["-created_at"]
        indexes = [LongNameIndex(fields=["course_offering"], name="ix_discussion_threads_course_offering")]

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

    class Meta:
        db_table = "discussion_posts"
        ordering = ["created_at", "id"]
        constraints = [
            # Target of the composite FK that keeps a reply in its parent's thread.
            models.UniqueConstraint(fields=["id", "thread"], name="ux_discussion_posts_id_thread"),
            models.CheckConstraint(condition=~Q(parent_post=F("id")), name="ck_discussion_posts_not_own_parent"),
        ]
        indexes = [models.Index(fields=["thread"], name="ix_discussion_posts_thread_id")]

    def __str__(self) -> str:
        return f"Post {self.pk} in thread {self.thread_id}"


class CourseReview(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="course_reviews", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    rating = models.IntegerField()
    review_text = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "course_reviews"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_offering"], name="ux_course_reviews_unique"),
            # Seed 000's inline CHECK, under PostgreSQL's own name for it.
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="course_reviews_rating_check"),
        ]
        indexes = [LongNameIndex(fields=["course_offering"], name="ix_course_reviews_course_offering")]

    def __str__(self) -> str:
        return f"{self.rating}★ by {self.user_id} for {self.course_offering_id}"
