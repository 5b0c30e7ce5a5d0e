"""The notification table (re-exported by ``learning.models``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from lms.models_base import LongNameIndex, choices_check

TEXT_MAX_LENGTH = 500
URL_MAX_LENGTH = 500


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Reply in a followed thread")
    ANSWER = "answer", _("Answer to a question")
    ENDORSEMENT = "endorsement", _("Answer endorsed")
    MENTION = "mention", _("Mention")
    REVIEW_HIDDEN = "review_hidden", _("Review hidden")
    REVIEW_UNHIDDEN = "review_unhidden", _("Review shown again")
    WAITLIST_PROMOTED = "waitlist_promoted", _("Waiting list promotion")
    ENROLLMENT_REQUESTED = "enrollment_requested", _("Enrollment request received")
    ENROLLMENT_APPROVED = "enrollment_approved", _("Enrollment approved")
    ENROLLMENT_DECLINED = "enrollment_declined", _("Enrollment declined")
    GRADE_POSTED = "grade_posted", _("Grade posted")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")


class Notification(models.Model):
    """One thing one user should hear about. Written only by ``learning.notifications.services``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    # Tenant column: the university whose course the event belongs to (NULL for a platform-wide event).
    university = models.ForeignKey(
        "catalog.University", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    text = models.CharField(max_length=TEXT_MAX_LENGTH)
    # A path on this site (``/learn/…``), never an outside address.
    url = models.CharField(max_length=URL_MAX_LENGTH, blank=True, default="", db_default="")
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when a mail (immediate or digest) claimed the row, so no notification is mailed twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("kind", NotificationKind, name="ck_notifications_kind"),
            models.CheckConstraint(condition=~Q(text=""), name="ck_notifications_text_not_empty"),
            models.CheckConstraint(condition=Q(url="") | Q(url__startswith="/"), name="ck_notifications_url_is_a_path"),
        ]
        indexes = [
            # The list page (newest first) and the unread recount.
            LongNameIndex(fields=["user", "-created_at", "-id"], name="ix_notifications_user_created"),
            LongNameIndex(fields=["user"], condition=Q(read_at__isnull=True), name="ix_notifications_user_unread"),
            # The digest and the immediate mail pick the rows no mail has claimed yet.
            LongNameIndex(
                fields=["user", "created_at"], condition=Q(emailed_at__isnull=True), name="ix_notifications_unmailed"
            ),
            LongNameIndex(fields=["university"], name="ix_notifications_university"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.text[:40]}"


class NotificationDigest(models.Model):
    """One daily digest mail: at most one per user and day (``ux_notification_digests_user_day``). The digest
    task inserts this row before it claims the notifications, in one transaction, so two workers (or two
    schedulers) given the same user and day send one mail between them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The digest's day in the site's time zone (settings.TIME_ZONE).
    day = models.DateField()
    notification_count = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "notification_digests"
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="ux_notification_digests_user_day"),
        ]

    def __str__(self) -> str:
        return f"digest of {self.day} for {self.user_id} ({self.notification_count})"
