"""Queue today's notification digests now, whatever the hour: one task per user who wants a daily digest,
has unread, unmailed notifications and has had no digest today. ``make run`` needs no cron for this: its
scheduler (``manage.py run_scheduler``) queues them every day from ``NOTIFICATION_DIGEST_HOUR`` on. Use
this command from an outside scheduler instead, or to send today's digests early. Running it twice, or
beside the scheduler, sends nothing twice: at most one digest per user and day
(``ux_notification_digests_user_day``)."""

from django.core.management.base import BaseCommand

from learning.notifications.tasks import queue_due_digests


class Command(BaseCommand):
    help = "Queue today's notification digest e-mails (at most one per user and day)."

    def handle(self, *args, **options):
        queued = queue_due_digests(ignore_hour=True)
        self.stdout.write(f"Queued {queued} digest{'s' if queued != 1 else ''}.")
