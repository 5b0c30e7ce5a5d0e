"""Notification e-mail, sent by the task worker (``manage.py db_worker``), never in a request.

- ``send_notification_email(user_id)``: queued by ``services.notify`` for users who want mail
  immediately; mails every notification of the user that no mail has claimed yet (usually the one).
- ``send_notification_digest(user_id, day)``: one mail with the user's unread notifications of the last
  :data:`DIGEST_WINDOW`, grouped by kind, at most one per user and day: it first inserts the
  ``notification_digests`` row (``ux_notification_digests_user_day``), so two workers given the same user
  and day send one mail between them. :func:`queue_due_digests` queues it for every user due one; the
  scheduler (``manage.py run_scheduler``, started by ``make run``) calls that every few minutes from
  :data:`settings.NOTIFICATION_DIGEST_HOUR` on, and ``manage.py send_notification_digests`` at once.

A mail claims its rows first (``emailed_at`` set in one UPDATE … RETURNING, committed), then sends outside
any transaction: two workers never mail the same notification, and a failed send is logged, not retried
(the notification is still in the app). Every mail carries the signed unsubscribe link, in its text and
in the ``List-Unsubscribe`` headers (RFC 8058 one-click).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from accounts.models import NotificationEmail, User
from learning.notifications.models import NotificationDigest, NotificationKind
from learning.notifications.selectors import users_due_a_digest

logger = logging.getLogger(__name__)

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
        rows = [
            dict(zip(("id", "kind", "text", "url", "created_at", "read_at"), row, strict=True))
            for row in cursor.fetchall()
        ]
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


def _digest_day(day: str | None) -> date:
    return date.fromisoformat(day) if day else timezone.localdate()


@task()
def send_notification_digest(user_id: int, day: str | None = None) -> int:
    """Mail the digest of ``day`` (ISO date; today in the site's time zone when omitted) to a user who wants
    a daily digest: their unread notifications of the last two days that no mail has claimed, grouped by
    kind. Answer how many it listed (0: nothing sent: no such user, nothing new, or this day's digest of
    the user was already sent).

    The ``notification_digests`` row is inserted first, in the transaction that claims the rows; a second
    worker with the same user and day waits on the unique index and then inserts nothing, so it sends
    nothing. With nothing to list, the transaction rolls back (no row: a later run that day may still
    send). The mail goes out after the commit."""
    user = _recipient(user_id, NotificationEmail.DAILY)
    if user is None:
        return 0
    digest_day = _digest_day(day)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO notification_digests (user_id, day, notification_count, created_at) "
                "VALUES (%s, %s, 0, now()) ON CONFLICT (user_id, day) DO NOTHING RETURNING id",
                [user_id, digest_day],
            )
            inserted = cursor.fetchone()
        if inserted is None:
            return 0
        rows = _claim(user_id, unread_only=True, since=timezone.now() - DIGEST_WINDOW)
        if not rows:
            transaction.set_rollback(True)
            return 0
        NotificationDigest.objects.filter(pk=inserted[0]).update(notification_count=len(rows))
    _send(
        user,
        subject=f"Sigma LMS: your daily digest ({len(rows)} notification{'s' if len(rows) != 1 else ''})",
        template="learning/notifications/email_digest.txt",
        context={"groups": group_by_kind(rows), "count": len(rows)},
    )
    return len(rows)


def queue_due_digests(*, now: datetime | None = None, ignore_hour: bool = False) -> int:
    """Queue today's digest for every user due one (wants a daily digest, has an unread, unmailed
    notification of the last two days, has had no digest today); answer how many were queued.

    Before :data:`settings.NOTIFICATION_DIGEST_HOUR` (site time zone) it queues nothing unless
    ``ignore_hour``. Safe to call as often as one likes and from several processes: a user queued twice
    gets one mail (the task's unique row); one whose task has not run yet is queued again by the next call."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if not ignore_hour and local.hour < settings.NOTIFICATION_DIGEST_HOUR:
        return 0
    day = local.date()
    user_ids = users_due_a_digest(since=now - DIGEST_WINDOW, day=day)
    queued = 0
    for user_id in user_ids:
        try:
            send_notification_digest.enqueue(user_id, day.isoformat())
        except Exception:  # one user's queueing must not stop the others'
            logger.exception("Could not queue the notification digest for user %s", user_id)
        else:
            queued += 1
    return queued
