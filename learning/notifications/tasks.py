"""Notification e-mail, sent by the task worker (``manage.py db_worker``), never in a request.

- ``send_notification_email(user_id)``: queued by ``services.notify`` for users who want mail
  immediately; mails every notification of the user that no mail has claimed yet (usually the one).
- ``send_notification_digest(user_id)``: one mail with the user's unread notifications of the last
  :data:`DIGEST_WINDOW`, grouped by kind; queued once a day per user by
  ``manage.py send_notification_digests`` (cron or a scheduler runs it daily).

A mail claims its rows first (``emailed_at`` set in one UPDATE … RETURNING, committed), then sends outside
any transaction: two workers never mail the same notification, and a failed send is logged, not retried
(the notification is still in the app). Every mail carries the signed unsubscribe link, in its text and
in the ``List-Unsubscribe`` headers (RFC 8058 one-click).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from accounts.models import NotificationEmail, User
from learning.notifications.models import NotificationKind

DIGEST_WINDOW = timedelta(days=2)
UNSUBSCRIBE_SALT = "learning.notifications.unsubscribe"


def unsubscribe_token(user_id: int) -> str:
    # No timestamp: the same link for the same user in every mail, valid until SECRET_KEY changes.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(user_id)


def user_id_from_token(token: str) -> int | None:
    """The user a token was made for, or None when it is not one of ours (no expiry: old mails keep working)."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _claim(user_id: int, *, unread_only: bool, since=None) -> list[dict]:
    """Mark the user's unmailed notifications as mailed and answer them (oldest first)."""
    sql = (
        "UPDATE notifications SET emailed_at = now() WHERE user_id = %s AND emailed_at IS NULL "
        "AND (%s::timestamptz IS NULL OR created_at >= %s) RETURNING id, kind, text, url, created_at, read_at"
    )
    params = [user_id, since, since]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(("id", "kind", "text", "url", "created_at", "read_at"), row, strict=True)) for row in cursor.fetchall()]
    rows.sort(key=lambda row: (row["created_at"], row["id"]))
    if unread_only:
        rows = [row for row in rows if row["read_at"] is None]
    labels = dict(NotificationKind.choices)
    for row in rows:
        row["label"] = labels.get(row["kind"], row["kind"])
        row["link"] = absolute(row["url"]) if row["url"] else ""
    return rows


def _send(user: User, *, subject: str, template: str, context: dict) -> None:
    unsubscribe = absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user.pk)]))
    context = {
        **context,
        "user": user,
        "unsubscribe_url": unsubscribe,
        "inbox_url": absolute(reverse("notifications:list")),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(template, context),
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.send()


def _recipient(user_id: int, preference: str) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True, notification_email=preference).first()


@task()
def send_notification_email(user_id: int) -> int:
    """Mail the user's unmailed notifications now (preference "immediately"); answer how many were mailed."""
    user = _recipient(user_id, NotificationEmail.IMMEDIATE)
    if user is None:
        return 0
    rows = _claim(user_id, unread_only=False)
    if not rows:
        return 0
    subject = rows[0]["text"] if len(rows) == 1 else f"{len(rows)} new notifications"
    _send(
        user, subject=f"Sigma LMS: {subject}"[:200], template="learning/notifications/email.txt", context={"rows": rows}
    )
    return len(rows)


def group_by_kind(rows: list[dict]) -> list[dict]:
    """The digest's sections: one per kind, in the order of ``NotificationKind``, each oldest first."""
    order = {kind: index for index, kind in enumerate(NotificationKind.values)}
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["kind"], []).append(row)
    return [
        {"kind": kind, "label": items[0]["label"], "rows": items}
        for kind, items in sorted(groups.items(), key=lambda pair: order.get(pair[0], len(order)))
    ]


@task()
def send_notification_digest(user_id: int) -> int:
    """Mail the daily digest (preference "daily"): the unread notifications of the last two days no mail has
    claimed, grouped by kind; answer how many it listed (0: nothing sent)."""
    from django.utils import timezone

    user = _recipient(user_id, NotificationEmail.DAILY)
    if user is None:
        return 0
    rows = _claim(user_id, unread_only=True, since=timezone.now() - DIGEST_WINDOW)
    if not rows:
        return 0
    _send(
        user,
        subject=f"Sigma LMS: your daily digest ({len(rows)} notification{'s' if len(rows) != 1 else ''})",
        template="learning/notifications/email_digest.txt",
        context={"groups": group_by_kind(rows), "count": len(rows)},
    )
    return len(rows)
