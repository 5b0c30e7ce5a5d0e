"""Gradebook models: the grading policy of an offering (categories, the category of each graded item,
the scale and pass mark, the certificate rule), the universities' grading scales, a student's course grade
in an offering and the certificates issued (docs/gradebook.md).

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from lms.models_base import choices_check, non_negative, percent_range

USER = settings.AUTH_USER_MODEL


GRADED_KINDS = ("quiz", "engineering_lab", "assignment")  # content type names of the items a policy grades


class ItemKind(models.TextChoices):
    QUIZ = "quiz", "Quizzes"
    LAB = "engineering_lab", "Labs"
    ASSIGNMENT = "assignment", "Assignments"


class CertificateRule(models.TextChoices):
    PASSING_GRADE = "passing_grade", "Completion with a passing final grade"
    COMPLETION = "completion", "Completion only"


class GradingScale(models.Model):
    """A letter scale a university defines once; its offerings pick it. No scale on an offering's policy
    means the platform default (Canvas's, ``policy.CANVAS_DEFAULT_SCALE``)."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "grading_scales"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["university", "name"], name="ux_grading_scales_university_name")]

    def __str__(self) -> str:
        return self.name


class GradingScaleRow(models.Model):
    """One cut-off of a scale: ``letter`` from ``lower_bound`` percent (inclusive) up to the next row's."""

    scale = models.ForeignKey(GradingScale, on_delete=models.CASCADE, related_name="rows", db_index=False)
    letter = models.CharField(max_length=8)
    lower_bound = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        db_table = "grading_scale_rows"
        ordering = ["scale_id", "-lower_bound"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "letter"], name="ux_grading_scale_rows_letter"),
            models.UniqueConstraint(fields=["scale", "lower_bound"], name="ux_grading_scale_rows_bound"),
            percent_range("lower_bound", name="ck_grading_scale_rows_bound_range"),
            models.CheckConstraint(condition=~Q(letter=""), name="ck_grading_scale_rows_letter_nonempty"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} from {self.lower_bound} %"


class GradingPolicy(models.Model):
    """The offering's grading settings (one row per offering; no row = the defaults, docs/gradebook.md)."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.OneToOneField(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="grading_policy"
    )
    grading_scale = models.ForeignKey(
        GradingScale,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the platform default.",
    )
    pass_mark = models.DecimalField(max_digits=5, decimal_places=2, default=50, db_default=50)
    certificate_rule = models.CharField(
        max_length=16,
        choices=CertificateRule.choices,
        default=CertificateRule.PASSING_GRADE,
        db_default=CertificateRule.PASSING_GRADE,
    )
    certificate_valid_months = models.IntegerField(null=True, blank=True, help_text="Empty: never expires.")
    grades_finalized_at = models.DateTimeField(null=True, blank=True)
    grades_finalized_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # the end-of-offering recompute ran at this time (grades.recompute_ended_offerings; again if the end moves)
    ended_recomputed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "grading_policies"
        verbose_name_plural = "grading policies"
        constraints = [
            percent_range("pass_mark", name="ck_grading_policies_pass_mark_range"),
            choices_check("certificate_rule", CertificateRule, name="ck_grading_policies_certificate_rule"),
            models.CheckConstraint(
                condition=Q(certificate_valid_months__isnull=True)
                | Q(certificate_valid_months__gte=1, certificate_valid_months__lte=1200),
                name="ck_grading_policies_valid_months_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Grading policy of offering {self.course_offering_id}"


class GradingCategory(models.Model):
    """A weighted category of an offering's graded items ("Quizzes 30 %"), dropping the lowest N by effect.
    ``default_kind``: where an item of that kind with no ``GradingItem`` row lands."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="grading_categories", db_index=False
    )
    name = models.CharField(max_length=100)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    drop_lowest = models.IntegerField(default=0, db_default=0)
    position = models.IntegerField(default=1, db_default=1)
    default_kind = models.CharField(max_length=32, choices=ItemKind.choices, null=True, blank=True)

    class Meta:
        db_table = "grading_categories"
        ordering = ["course_offering_id", "position", "id"]
        verbose_name_plural = "grading categories"
        constraints = [
            models.UniqueConstraint(fields=["course_offering", "name"], name="ux_grading_categories_offering_name"),
            models.UniqueConstraint(
                fields=["course_offering", "default_kind"],
                condition=Q(default_kind__isnull=False),
                name="ux_grading_categories_offering_default_kind",
            ),
            percent_range("weight", name="ck_grading_categories_weight_range"),
            non_negative("drop_lowest", name="ck_grading_categories_drop_lowest_nonnegative"),
            models.CheckConstraint(condition=Q(position__gte=1), name="ck_grading_categories_position_positive"),
            models.CheckConstraint(
                condition=Q(default_kind__isnull=True) | Q(default_kind__in=ItemKind.values),
                name="ck_grading_categories_default_kind",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="ck_grading_categories_name_nonempty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight} %)"


class GradingItem(models.Model):
    """The category of one graded item (quiz, lab, assignment) in an offering, and its flags."""

    university = models.ForeignKey("catalog.University", on_delete=models.CASCADE, related_name="+", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="grading_items", db_index=False
    )
    content_item = models.ForeignKey("syllabus.ContentItem", on_delete=models.CASCADE, related_name="grading_items")
    category = models.ForeignKey(GradingCategory, on_delete=models.CASCADE, related_name="items")
    never_drop = models.BooleanField(default=False, db_default=False)
    extra_credit = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "grading_items"
        constraints = [
            models.UniqueConstraint(fields=["course_offering", "content_item"], name="ux_grading_items_offering_item"),
        ]

    def __str__(self) -> str:
        return f"Item {self.content_item_id} in category {self.category_id}"


class CourseGrade(models.Model):
    """A student's course grade in an offering, computed by ``grades.recompute_course_grades``:
    ``final_score`` is the final grade (missing work as zero) and decides ``letter_grade`` and ``passed``;
    ``current_score`` the grade of graded work only. An override (``override_*``) fixes the final score
    with a reason; finalised rows (``finalized_at``) change only through an override."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="course_grades", db_index=False)
    course_offering = models.ForeignKey(
        "catalog.CourseOffering", on_delete=models.CASCADE, related_name="course_grades"
    )
    final_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    letter_grade = models.CharField(max_length=8, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    # ours (docs/gradebook.md)
    current_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True, default="", db_default="")
    overridden_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "course_grades"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_offering"], name="ux_course_grades_unique"),
            non_negative("final_score", name="ck_course_grades_final_score_nonnegative"),
            non_negative("current_score", name="ck_course_grades_current_score_nonnegative"),
            models.CheckConstraint(
                condition=Q(overridden_at__isnull=True) | ~Q(override_reason=""),
                name="ck_course_grades_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_offering_id}: {self.letter_grade or self.final_score}"


class Certificate(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="certificates", db_index=False)
    course_offering = models.ForeignKey("catalog.CourseOffering", on_delete=models.CASCADE, related_name="certificates")
    certificate_code = models.CharField(max_length=64)
    issued_at = models.DateTimeField(db_default=Now())
    expires_at = models.DateTimeField(null=True, blank=True)
    metadata_json = models.JSONField(null=True, blank=True)
    # Revocation keeps the row (the public page and the revocation list must say "revoked", not 404).
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True, default="")
    # The student's choice: the grade appears on the public page, the PDF and the credential only when True.
    show_grade = models.BooleanField(default=False, db_default=False)

    class Meta:
        db_table = "certificates"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_offering"], name="ux_certificates_user_offering"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="ck_certificates_revocation_has_reason",
            ),
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

    def status_at(self, moment) -> str:
        """ "Revoked", "Expired" or "Valid" at ``moment`` (revocation wins over expiry)."""
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at is not None and self.expires_at <= moment:
            return "Expired"
        return "Valid"
