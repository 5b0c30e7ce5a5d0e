"""Enrollment models: a student's enrollment in a course offering (with its status and waitlist
position) and the invitation codes of invite-only offerings.

Part of the ``learning`` app: app label, table names and migrations are the app's (``learning/migrations``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from lms.models_base import choices_check, non_negative

USER = settings.AUTH_USER_MODEL


class EnrollmentStatus(models.TextChoices):
    """Seed 000's ``enrollment_status_enum``."""

    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped")
    PENDING = "pending", _("Pending approval")
    WAITLISTED = "waitlisted", _("Waitlisted")


class CourseEnrollment(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enrollments", db_index=False)
    course_offering = models.ForeignKey("catalog.CourseOffering", on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(
        max_length=32,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
        db_default=EnrollmentStatus.ACTIVE,
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

    course_offering = models.ForeignKey("catalog.CourseOffering", on_delete=models.CASCADE, related_name="invitations")
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
