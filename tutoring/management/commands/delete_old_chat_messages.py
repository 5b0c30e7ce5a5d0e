"""``manage.py delete_old_chat_messages [--days N] [--batch-size N]``: retention of tutor messages.

Deletes chat messages older than ``--days`` (default: the system setting ``tutor.retention_days``, else
365) in batches of ``--batch-size`` rows (default 1,000), each batch its own transaction, so a large
backlog never holds one long lock. Notes keep their text (their link to the message is cleared).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lms.selectors import get_setting_value
from tutoring.chat import delete_old_messages

DEFAULT_RETENTION_DAYS = 365
BAD_DAYS = "The retention age must be a whole number of days, at least 1 (got {value!r})."


class Command(BaseCommand):
    help = "Delete tutor chat messages older than the retention age, in batches."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, days=None, batch_size=1000, **options):
        if days is None:
            raw = get_setting_value(key="tutor.retention_days") or str(DEFAULT_RETENTION_DAYS)
            try:
                days = int(raw)
            except ValueError:
                raise CommandError(BAD_DAYS.format(value=raw)) from None
        if days < 1:
            raise CommandError(BAD_DAYS.format(value=days))
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        deleted = delete_old_messages(older_than_days=days, batch_size=batch_size)
        self.stdout.write(f"Deleted {deleted} tutor messages older than {days} days.")
