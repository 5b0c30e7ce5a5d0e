"""Assessment models: quiz attempts with their frozen questions, mastery per student and quiz, re-grade
audit lines, accommodations (shared with labs and assignments), and lab submissions. The quiz tables
carry ``university`` (the offering's), kept equal by the services.

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from learning.assessments import rules
from lms.models_base import LongNameIndex, choices_check, non_negative

USER = settings.AUTH_USER_MODEL


class QuizMode(models.TextChoices):
    PRACTICE = rules.PRACTICE, _("Practice")
    EXAM = rules.EXAM, _("Exam")


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
    # Ours (docs/assessments.md): when the server closes the attempt (None: no limit), and practice or exam
    # as frozen at the start (the tutor's exam guard reads it).
    deadline_at = models.DateTimeField(null=True, blank=True)
    mode = models.CharField(
        max_length=16, choices=QuizMode.choices, default=QuizMode.PRACTICE, db_default=QuizMode.PRACTICE
    )

    class Meta:
        db_table = "quiz_attempts"
        constraints = [
            # One open (unsubmitted) attempt per student and item, even across servers.
            models.UniqueConstraint(
                fields=["user", "course_offering", "content_item"],
                condition=Q(submitted_at__isnull=True),
                name="ux_quiz_attempts_one_open",
            ),
            choices_check("mode", QuizMode, name="ck_quiz_attempts_mode"),
            models.CheckConstraint(
                condition=Q(deadline_at__isnull=True) | Q(deadline_at__gte=F("started_at")),
                name="ck_quiz_attempts_deadline_after_start",
            ),
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
            # The deadline sweep: open attempts by deadline.
            LongNameIndex(
                fields=["deadline_at"], condition=Q(submitted_at__isnull=True), name="ix_quiz_attempts_open_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.attempt_number} by {self.user_id} on {self.content_item_id}"


class LabSubmissionStatus(models.TextChoices):
    """Seed 000: "submitted", "graded", etc.; completed as the autograder's life cycle
    (submitted → queued → running → graded | error; docs/labs.md)."""

    SUBMITTED = "submitted", _("Submitted")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    GRADED = "graded", _("Graded")
    ERROR = "error", _("Error")


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
    # The current grading run (docs/labs.md "Lost runs"): when a worker claimed it (also the run's token: a
    # run writes its result only while the row still carries its started_at) and how many runs were claimed.
    started_at = models.DateTimeField(null=True, blank=True)
    grading_runs = models.IntegerField(default=0, db_default=0)

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
            non_negative("grading_runs", name="ck_lab_submissions_grading_runs_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["user", "content_item"], name="ix_lab_submissions_user_item"),
            # the lost-run sweep: running rows by start
            LongNameIndex(
                fields=["started_at"], condition=Q(status="running"), name="ix_lab_submissions_running_started"
            ),
        ]

    def __str__(self) -> str:
        return f"Lab submission {self.pk} by {self.user_id} ({self.status})"


class Accommodation(models.Model):
    """Extra time, extra attempts and a later close date for one student: offering-wide when
    ``content_item`` is empty, else for that item only. ``selectors.accommodation_for`` merges the two."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="accommodations", db_index=False
    )
    student = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="accommodations", db_index=False)
    content_item = models.ForeignKey(
        "syllabus.ContentItem", on_delete=models.CASCADE, null=True, blank=True, related_name="accommodations"
    )
    time_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=1, db_default=1)
    extra_attempts = models.IntegerField(default=0, db_default=0)
    extended_until = models.DateTimeField(null=True, blank=True, help_text="A later close date for this student.")
    reason = models.TextField(blank=True, default="", db_default="")
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "accommodations"
        constraints = [
            models.UniqueConstraint(
                fields=["course_offering", "student"],
                condition=Q(content_item__isnull=True),
                name="ux_accommodations_offering_student",
            ),
            models.UniqueConstraint(
                fields=["course_offering", "student", "content_item"],
                condition=Q(content_item__isnull=False),
                name="ux_accommodations_offering_student_item",
            ),
            # 1× to 10×: less than the standard time is not an accommodation.
            models.CheckConstraint(
                condition=Q(time_multiplier__gte=1, time_multiplier__lte=10), name="ck_accommodations_multiplier_range"
            ),
            non_negative("extra_attempts", name="ck_accommodations_extra_attempts_nonnegative"),
        ]
        indexes = [
            LongNameIndex(fields=["student", "course_offering"], name="ix_accommodations_student_offering"),
        ]

    def __str__(self) -> str:
        return f"Accommodation for {self.student_id} in {self.course_offering_id}"


class QuizAttemptQuestion(models.Model):
    """One question of an attempt as the student saw it (``snapshot``, see ``grading``), with their
    answer and its grade. Rows are written when the attempt starts; saving an answer updates its row."""

    attempt = models.ForeignKey(
        "learning.QuizAttempt", on_delete=models.CASCADE, related_name="questions", db_index=False
    )
    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    # The bank's question (for "seen before" and item analysis); the snapshot keeps grading possible if it is deleted.
    question = models.ForeignKey(
        "syllabus.Question", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.IntegerField()
    snapshot = models.JSONField()
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    is_correct = models.BooleanField(null=True, blank=True)

    class Meta:
        db_table = "quiz_attempt_questions"
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="ux_quiz_attempt_questions_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="ux_quiz_attempt_questions_question"),
            models.CheckConstraint(condition=Q(position__gte=1), name="ck_quiz_attempt_questions_position_positive"),
            non_negative("score", name="ck_quiz_attempt_questions_score_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"Question {self.position} of attempt {self.attempt_id}"


class MasteryLevel(models.TextChoices):
    NOT_STARTED = rules.NOT_STARTED, _("Not started")
    ATTEMPTED = rules.ATTEMPTED, _("Attempted")
    FAMILIAR = rules.FAMILIAR, _("Familiar")
    PROFICIENT = rules.PROFICIENT, _("Proficient")
    MASTERED = rules.MASTERED, _("Mastered")


class QuizMastery(models.Model):
    """A student's mastery of one quiz item in one offering (``rules.next_mastery``)."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="quiz_mastery", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="quiz_mastery", db_index=False
    )
    content_item = models.ForeignKey("syllabus.ContentItem", on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.CharField(max_length=16, choices=MasteryLevel.choices, default=MasteryLevel.NOT_STARTED)
    streak = models.IntegerField(default=0, db_default=0)
    points = models.IntegerField(default=0, db_default=0)
    best_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0, db_default=0)
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "quiz_mastery"
        verbose_name_plural = "quiz mastery"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_offering", "content_item"], name="ux_quiz_mastery_unique"),
            choices_check("level", MasteryLevel, name="ck_quiz_mastery_level"),
            non_negative("streak", name="ck_quiz_mastery_streak_nonnegative"),
            non_negative("points", name="ck_quiz_mastery_points_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · item {self.content_item_id}: {self.level}"


class QuizRegrade(models.Model):
    """The audit line of a re-grade: who, when, from what to what, why."""

    attempt = models.ForeignKey("learning.QuizAttempt", on_delete=models.CASCADE, related_name="regrades")
    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    old_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    old_passed = models.BooleanField(null=True, blank=True)
    new_passed = models.BooleanField(null=True, blank=True)
    reason = models.TextField()

    class Meta:
        db_table = "quiz_regrades"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Re-grade of attempt {self.attempt_id}: {self.old_score} → {self.new_score}"
