"""Progress models: a student's progress on each content item of an offering and the per-module
rollups (written only by :mod:`learning.progress.services` and :mod:`learning.progress.rollups`).

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F

from lms.models_base import LongNameIndex, non_negative, percent_range

USER = settings.AUTH_USER_MODEL


class UserModuleProgress(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="module_progress", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="module_progress"
    )
    module = models.ForeignKey(
        "syllabus.Module", on_delete=models.CASCADE, related_name="user_progress", db_index=False
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    progress_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0, db_default=0)

    class Meta:
        db_table = "user_module_progress"
        verbose_name_plural = "user module progress"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_offering", "module"], name="ux_user_module_progress_unique"
            ),
            percent_range("progress_percent", name="ck_user_module_progress_percent_range"),
        ]
        indexes = [LongNameIndex(fields=["module"], name="ix_user_module_progress_module_id")]

    def __str__(self) -> str:
        return f"{self.user_id} · module {self.module_id}: {self.progress_percent}%"


class UserContentProgress(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="content_progress", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="content_progress"
    )
    content_item = models.ForeignKey("syllabus.ContentItem", on_delete=models.CASCADE, related_name="user_progress")
    first_started_at = models.DateTimeField(null=True, blank=True)
    last_interacted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    progress_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0, db_default=0)
    attempts_count = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "user_content_progress"
        verbose_name_plural = "user content progress"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_offering", "content_item"], name="ux_user_content_progress_unique"
            ),
            percent_range("progress_percent", name="ck_user_content_progress_percent_range"),
            non_negative("attempts_count", name="ck_user_content_progress_attempts_nonnegative"),
        ]
        indexes = [
            # "Resume" (player, My learning): the student's last item touched in an offering is the first
            # entry of this index instead of a sort of every row the student has in the course.
            LongNameIndex(
                "user",
                "course_offering",
                F("last_interacted_at").desc(nulls_last=True),
                F("id").desc(),
                name="ix_user_content_progress_resume",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · item {self.content_item_id}: {self.progress_percent}%"
