"""Writes of notifications: the one service every event goes through.

Contract:
- ``notify(user_ids=, kind=, text=, url=, university_id=)`` is the only way a notification is made. It
  writes nothing at call time: the rows are inserted after the caller's transaction commits
  (``transaction.on_commit``), so a rolled-back event notifies nobody, and it never sends mail itself:
  users who want mail immediately get a task on the queue (``learning.notifications.tasks``), the others
  wait for the daily digest or want none. Duplicate and ``None`` ids are dropped; inactive accounts are
  skipped. The caller decides who hears about its event (and must not pass the actor, who knows).
- ``mark_read`` / ``mark_all_read`` act on the actor's own rows only (another user's id changes nothing).
- Every write recounts ``users.unread_notification_count`` (the bell) under a lock on the users' rows,
  taken in id order, so concurrent fan-outs and mark-reads leave the exact count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts import services as account_services
from accounts.models import NotificationEmail, User
from learning.notifications import tasks
from learning.notifications.models import TEXT_MAX_LENGTH, URL_MAX_LENGTH, Notification, NotificationKind

logger = logging.getLogger(__name__)

UNKNOWN_KIND = "Unknown notification kind {kind!r}."
EMPTY_TEXT = "A notification needs a text."
URL_NOT_A_PATH = "A notification links to a path on this site (starting with /)."
# Rows per INSERT of a large fan-out (a thread followed by a whole course).
BATCH_SIZE = 1000


def _check(kind: str, text: str, url: str) -> tuple[str, str]:
    if kind not in NotificationKind.values:
        raise ValidationError(UNKNOWN_KIND.format(kind=kind), code="unknown_kind")
    text = " ".join((text or "").replace("\x00", "").split())
    if not text:
        raise ValidationError(EMPTY_TEXT, code="empty")
    if len(text) > TEXT_MAX_LENGTH:
        text = text[: TEXT_MAX_LENGTH - 1] + "…"
    url = url or ""
    if url and (not url.startswith("/") or url.startswith("//") or len(url) > URL_MAX_LENGTH):
        raise ValidationError(URL_NOT_A_PATH, code="bad_url")
    return text, url


def notify(
    *,
    user_ids: Iterable[int | None],
    kind: str,
    text: str,
    url: str = "",
    university_id: int | None = None,
) -> None:
    """Tell ``user_ids`` about an event once the current transaction commits (at once outside one).

    ``kind`` is a :class:`NotificationKind` value; ``text`` one line (whitespace folded, cut at 500
    characters); ``url`` a path on this site; ``university_id`` the tenant of the event's course. Raises
    ``ValidationError`` for an unknown kind, an empty text or a URL that is not a path (at call time, so
    the caller's transaction sees it)."""
    text, url = _check(kind, text, url)
    ids = sorted({int(user_id) for user_id in user_ids if user_id is not None})
    if not ids:
        return
    transaction.on_commit(
        partial(_deliver, user_ids=ids, kind=kind, text=text, url=url, university_id=university_id), robust=True
    )


def _deliver(*, user_ids: list[int], kind: str, text: str, url: str, university_id: int | None) -> None:
    """After commit: insert the rows, recount the bells, queue the immediate mails."""
    with transaction.atomic():
        users = list(
            User.objects.select_for_update()
            .filter(pk__in=user_ids, is_active=True)
            .order_by("pk")
            .values_list("pk", "notification_email")
        )
        Notification.objects.bulk_create(
            [
                Notification(user_id=user_id, university_id=university_id, kind=kind, text=text, url=url)
                for user_id, _ in users
            ],
            batch_size=BATCH_SIZE,
        )
        _recount([user_id for user_id, _ in users])
    immediate = [user_id for user_id, preference in users if preference == NotificationEmail.IMMEDIATE]
    if immediate:
        for user_id in immediate:
            try:
                tasks.send_notification_email.enqueue(user_id)
            except Exception:  # a queue that cannot take the task must not lose the in-app notification
                logger.exception("Could not queue the notification e-mail for user %s", user_id)


def _recount(user_ids: list[int]) -> None:
    """Inside a transaction that holds the users' rows locked: write each user's exact unread count."""
    if not user_ids:
        return
    counts = dict.fromkeys(user_ids, 0)
    counts.update(
        Notification.objects.filter(user_id__in=user_ids, read_at__isnull=True)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    account_services.set_unread_notification_counts(counts=counts)


def _lock_user(user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM users WHERE id = %s FOR UPDATE", [user_id])


def mark_read(*, actor, notification_ids: Iterable[int]) -> int:
    """Mark the actor's notifications among ``notification_ids`` read; answer how many changed."""
    ids = [int(pk) for pk in notification_ids]
    with transaction.atomic():
        _lock_user(actor.pk)
        changed = Notification.objects.filter(user_id=actor.pk, pk__in=ids, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        _recount([actor.pk])
    return changed


def mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; answer how many changed."""
    with transaction.atomic():
        _lock_user(actor.pk)
        changed = Notification.objects.filter(Q(user_id=actor.pk) & Q(read_at__isnull=True)).update(
            read_at=timezone.now()
        )
        _recount([actor.pk])
    return changed
