"""Assessment models: quiz attempts and lab submissions.

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from lms.models_base import LongNameIndex, choices_check, non_negative

USER = settings.AUTH_USER_MODEL


class QuizAttempt(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="quiz_attempts", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="quiz_attempts", db_index=False
    )
    content_item = models.ForeignKey("syllabus.ContentItem", on_delete=models.CASCADE, related_name="quiz_attempts")
    started_at = models.DateTimeField(db_default=Now())
    submitted_at = models.DateTimeField(null=True, blank=True)
    score_obtained = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    raw_response_json = models.JSONField(null=True, blank=True)
    attempt_number = models.IntegerField(default=1, db_default=1)

    class Meta:
        db_table = "quiz_attempts"
        constraints = [
            # Two concurrent "start attempt" requests cannot both become attempt n.
            models.UniqueConstraint(
                fields=["user", "course_offering", "content_item", "attempt_number"],
                name="ux_quiz_attempts_attempt_number",
            ),
            models.CheckConstraint(condition=Q(attempt_number__gte=1), name="ck_quiz_attempts_attempt_number_positive"),
            non_negative("score_obtained", name="ck_quiz_attempts_score_nonnegative"),
            non_negative("max_score", name="ck_quiz_attempts_max_score_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["user", "content_item"], name="ix_quiz_attempts_user_item"),
            LongNameIndex(fields=["course_offering"], name="ix_quiz_attempts_course_offering"),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.attempt_number} by {self.user_id} on {self.content_item_id}"


class LabSubmissionStatus(models.TextChoices):
    """Seed 000: "submitted", "graded", etc.; completed as the autograder's life cycle
    (submitted → queued → running → graded | error; docs/labs.md)."""

    SUBMITTED = "submitted", "Submitted"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    GRADED = "graded", "Graded"
    ERROR = "error", "Error"


class LabSubmission(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="lab_submissions", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="lab_submissions"
    )
    content_item = models.ForeignKey("syllabus.ContentItem", on_delete=models.CASCADE, related_name="lab_submissions")
    submitted_at = models.DateTimeField(db_default=Now())
    status = models.CharField(
        max_length=32,
        choices=LabSubmissionStatus.choices,
        default=LabSubmissionStatus.SUBMITTED,
        db_default=LabSubmissionStatus.SUBMITTED,
    )
    auto_grade_json = models.JSONField(null=True, blank=True, help_text="e.g. unit test results")
    score_obtained = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    instructor_feedback = models.TextField(null=True, blank=True)
    artifacts_url = models.CharField(max_length=1024, null=True, blank=True)
    # ours (docs/labs.md): 1..n per student and lab; the autograder's score apart from an override's
    attempt_number = models.IntegerField(default=1, db_default=1)
    auto_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lab_submissions"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_offering", "content_item", "attempt_number"],
                name="ux_lab_submissions_attempt_number",
            ),
            models.CheckConstraint(
                condition=Q(attempt_number__gte=1), name="ck_lab_submissions_attempt_number_positive"
            ),
            choices_check("status", LabSubmissionStatus, name="ck_lab_submissions_status"),
            non_negative("score_obtained", name="ck_lab_submissions_score_nonnegative"),
            non_negative("max_score", name="ck_lab_submissions_max_score_nonnegative"),
        ]
        indexes = [models.Index(fields=["user", "content_item"], name="ix_lab_submissions_user_item")]

    def __str__(self) -> str:
        return f"Lab submission {self.pk} by {self.user_id} ({self.status})"
