"""Reads of notifications. A user sees only their own rows: every function takes the user and filters by it.

- ``notifications_for(user)``: the user's notifications, newest first (served by ``ix_notifications_user_created``).
- ``users_due_a_digest(since, day)``: ids of active users who want a daily digest, have an unread, unmailed
  notification created since ``since`` and no digest row for ``day`` (one query, for the digest scheduler).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import NotificationEmail, User
from learning.notifications.models import Notification, NotificationDigest


def notifications_for(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def users_due_a_digest(*, since, day) -> list[int]:
    pending = Notification.objects.filter(
        user_id=OuterRef("pk"), emailed_at__isnull=True, read_at__isnull=True, created_at__gte=since
    )
    sent = NotificationDigest.objects.filter(user_id=OuterRef("pk"), day=day)
    return list(
        User.objects.filter(is_active=True, notification_email=NotificationEmail.DAILY)
        .filter(Exists(pending))
        .exclude(Exists(sent))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
