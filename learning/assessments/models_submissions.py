"""Assignment submissions, the files of lab and assignment submissions, and the grade-change audit trail.

Part of the ``learning`` app (tables and migrations are the app's); re-exported by ``learning.models``.
Each table carries the tenant column (``university``), kept equal to the offering's by the services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from lms.models_base import LongNameIndex, choices_check, non_negative

USER = settings.AUTH_USER_MODEL


class AssignmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class AssignmentSubmission(models.Model):
    """One student's work on one assignment of an offering: a draft until submitted; resubmitting (when the
    assignment allows it) replaces the text and files and counts in ``submission_count``. The raw grade,
    the late penalty and the resulting score are stored apart; ``posted_at`` empty = hidden from the student."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="assignment_submissions", db_index=False
    )
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="assignment_submissions", db_index=False)
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.CASCADE, related_name="assignment_submissions", db_index=False
    )
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.DRAFT, db_default="draft"
    )
    text_answer = models.TextField(blank=True, default="", db_default="")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submission_count = models.IntegerField(default=0, db_default=0)
    # grading: raw (rubric total or plain score) − late penalty = score; a missing score has no raw grade
    raw_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    late_penalty = models.DecimalField(max_digits=7, decimal_places=2, default=0, db_default=0)
    seconds_late = models.BigIntegerField(default=0, db_default=0)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    is_missing = models.BooleanField(default=False, db_default=False)
    late_exempt = models.BooleanField(default=False, db_default=False, help_text="No late penalty, no missing score.")
    rubric_json = models.JSONField(null=True, blank=True, help_text="Chosen level index per criterion index.")
    feedback = models.TextField(blank=True, default="", db_default="")
    graded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "assignment_submissions"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_offering", "content_item"], name="ux_assignment_submissions_user_item"
            ),
            choices_check("status", AssignmentStatus, name="ck_assignment_submissions_status"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="ck_assignment_submissions_submitted_at",
            ),
            non_negative("raw_score", name="ck_assignment_submissions_raw_score_nonnegative"),
            non_negative("late_penalty", name="ck_assignment_submissions_late_penalty_nonnegative"),
            non_negative("score", name="ck_assignment_submissions_score_nonnegative"),
            non_negative("submission_count", name="ck_assignment_submissions_count_nonnegative"),
        ]
        indexes = [
            # the grading queue: one item of one offering, in id order
            LongNameIndex(fields=["content_item", "course_offering", "id"], name="ix_assignment_submissions_queue"),
            LongNameIndex(fields=["user", "course_offering"], name="ix_assignment_submissions_user_offering"),
        ]

    def __str__(self) -> str:
        return f"Assignment submission {self.pk} by {self.user_id} ({self.status})"


class SubmissionFileRole(models.TextChoices):
    SUBMISSION = "submission", "Handed in by the student"
    FEEDBACK = "feedback", "Returned by the grader"


class SubmissionFile(models.Model):
    """A file of a lab or an assignment submission, kept in the database (small, capped by the upload limits,
    transactional with its submission, and reachable only through the access selectors)."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lab_submission = models.ForeignKey(
        "learning.LabSubmission", on_delete=models.CASCADE, null=True, blank=True, related_name="files", db_index=False
    )
    assignment_submission = models.ForeignKey(
        AssignmentSubmission, on_delete=models.CASCADE, null=True, blank=True, related_name="files", db_index=False
    )
    role = models.CharField(
        max_length=16,
        choices=SubmissionFileRole.choices,
        default=SubmissionFileRole.SUBMISSION,
        db_default="submission",
    )
    path = models.CharField(max_length=255)
    size = models.IntegerField()
    data = models.BinaryField()
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "submission_files"
        constraints = [
            models.CheckConstraint(
                condition=Q(lab_submission__isnull=False, assignment_submission__isnull=True)
                | Q(lab_submission__isnull=True, assignment_submission__isnull=False),
                name="ck_submission_files_one_parent",
            ),
            models.UniqueConstraint(
                fields=["lab_submission", "role", "path"],
                condition=Q(lab_submission__isnull=False),
                name="ux_submission_files_lab_path",
            ),
            models.UniqueConstraint(
                fields=["assignment_submission", "role", "path"],
                condition=Q(assignment_submission__isnull=False),
                name="ux_submission_files_assignment_path",
            ),
            choices_check("role", SubmissionFileRole, name="ck_submission_files_role"),
            non_negative("size", name="ck_submission_files_size_nonnegative"),
        ]

    def __str__(self) -> str:
        return self.path


class GradeChangeKind(models.TextChoices):
    AUTO = "auto", "Autograder"
    OVERRIDE = "override", "Override"
    RUBRIC = "rubric", "Rubric"
    MANUAL = "manual", "Manual score"
    LATE_PENALTY = "late_penalty", "Late penalty"
    MISSING = "missing", "Missing score"
    REGRADE = "regrade", "Re-grade"


class GradeChange(models.Model):
    """One change of a grade: who (``actor``; empty = the system), when, from what to what, why. Generic over
    the graded object (``target_type`` + ``target_id``: a lab submission, an assignment submission, a quiz
    attempt, a course grade), so quizzes' re-grades and the gradebook's overrides write here too, through
    ``learning.assessments.audit.record_grade_change``. Rows are never updated or deleted by the app."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    student = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="grade_changes", db_index=False)
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    target_id = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=GradeChangeKind.choices)
    field = models.CharField(max_length=32, default="score", db_default="score")
    from_value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    to_value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    reason = models.TextField(blank=True, default="", db_default="")
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "grade_changes"
        constraints = [
            choices_check("kind", GradeChangeKind, name="ck_grade_changes_kind"),
            # an override without a reason is not allowed, by any path
            models.CheckConstraint(
                condition=~Q(kind="override") | ~Q(reason=""), name="ck_grade_changes_override_reason"
            ),
        ]
        indexes = [
            LongNameIndex(fields=["target_type", "target_id", "created_at"], name="ix_grade_changes_target"),
            LongNameIndex(fields=["course_offering", "student"], name="ix_grade_changes_offering_student"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.field}: {self.from_value} → {self.to_value}"
