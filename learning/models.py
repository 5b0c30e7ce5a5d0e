"""Learning: enrollments and invitations, progress, quiz attempts and lab submissions, grades,
certificates, discussions and reviews. Everything hangs off a course offering."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from lms.models_base import LongNameIndex, choices_check, non_negative, percent_range

USER = settings.AUTH_USER_MODEL


class EnrollmentStatus(models.TextChoices):
    """Seed 000's ``enrollment_status_enum``."""

    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DROPPED = "dropped", "Dropped"
    PENDING = "pending", "Pending approval"
    WAITLISTED = "waitlisted", "Waitlisted"


class CourseEnrollment(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enrollments", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="enrollments"
    )
    status = models.CharField(
        max_length=32, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE, db_default=EnrollmentStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(db_default=Now())
    completed_at = models.DateTimeField(null=True, blank=True)
    # 1 = next in line; kept dense by the enrollment service.
    waitlist_position = models.IntegerField(null=True, blank=True)
    status_changed_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "course_enrollments"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_offering"], name="ux_course_enrollments_unique"),
            choices_check("status", EnrollmentStatus, name="ck_course_enrollments_status"),
            models.CheckConstraint(
                # isnull=False spelled out: a NULL comparison would make the CHECK pass (SQL three-valued logic).
                condition=(
                    Q(status=EnrollmentStatus.WAITLISTED)
                    & Q(waitlist_position__isnull=False)
                    & Q(waitlist_position__gte=1)
                )
                | (~Q(status=EnrollmentStatus.WAITLISTED) & Q(waitlist_position__isnull=True)),
                name="ck_course_enrollments_waitlist_position",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="ix_course_enrollments_status")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course_offering_id} ({self.status})"


class CourseInvitation(models.Model):
    """An invitation code to an invite-only offering, optionally for one e-mail address."""

    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="invitations"
    )
    code = models.CharField(max_length=64)
    email = models.EmailField(max_length=255, null=True, blank=True, help_text="Empty: anyone with the code.")
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="course_invitations_created"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.IntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    used_count = models.IntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "course_invitations"
        constraints = [
            models.UniqueConstraint(fields=["code"], name="ux_course_invitations_code"),
            non_negative("used_count", name="ck_course_invitations_used_count_nonnegative"),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1), name="ck_course_invitations_max_uses_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(used_count__lte=F("max_uses")),
                name="ck_course_invitations_used_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.code} to {self.course_offering_id}"


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
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.CASCADE, related_name="user_progress"
    )
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
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.CASCADE, related_name="lab_submissions"
    )
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


class CourseGrade(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="course_grades", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="course_grades"
    )
    final_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    letter_grade = models.CharField(max_length=8, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "course_grades"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_offering"], name="ux_course_grades_unique"),
            non_negative("final_score", name="ck_course_grades_final_score_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_offering_id}: {self.letter_grade or self.final_score}"


class Certificate(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="certificates", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="certificates"
    )
    certificate_code = models.CharField(max_length=64)
    issued_at = models.DateTimeField(db_default=Now())
    expires_at = models.DateTimeField(null=True, blank=True)
    metadata_json = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "certificates"
        constraints = [
            # Seed 000 declares the column inline UNIQUE; this is PostgreSQL's own name for it.
            models.UniqueConstraint(fields=["certificate_code"], name="certificates_certificate_code_key"),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("issued_at")),
                name="ck_certificates_expires_after_issued",
            ),
        ]
        indexes = [models.Index(fields=["user"], name="ix_certificates_user")]

    def __str__(self) -> str:
        return self.certificate_code


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
    parent_post = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
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


# The quiz tables (learning/assessments); re-exported so ``from learning.models import X`` keeps working.
from learning.assessments.models_quiz import (  # noqa: E402, F401
    Accommodation,
    MasteryLevel,
    QuizAttemptQuestion,
    QuizMastery,
    QuizRegrade,
)

# Assignment submissions, submission files and the grade-change audit trail (learning/assessments).
from learning.assessments.models_submissions import (  # noqa: E402, F401
    AssignmentStatus,
    AssignmentSubmission,
    GradeChange,
    GradeChangeKind,
    SubmissionFile,
    SubmissionFileRole,
)
from learning.notifications.models import Notification, NotificationKind  # noqa: E402, F401 - re-exported
