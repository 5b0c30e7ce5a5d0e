"""Gradebook models: a student's final grade in an offering and the certificates issued.

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from lms.models_base import non_negative

USER = settings.AUTH_USER_MODEL


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
