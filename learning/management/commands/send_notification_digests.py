"""Queue the daily notification digests: one task per user who wants a digest and has unread, unmailed
notifications. Run it once a day (cron, systemd timer or the platform's scheduler); the task worker
(``manage.py db_worker``) sends the mails. Running it twice sends nothing new: each mail claims its rows."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from learning.notifications.selectors import users_due_a_digest
from learning.notifications.tasks import DIGEST_WINDOW, send_notification_digest


class Command(BaseCommand):
    help = "Queue the daily notification digest e-mails."

    def handle(self, *args, **options):
        user_ids = users_due_a_digest(since=timezone.now() - DIGEST_WINDOW)
        for user_id in user_ids:
            send_notification_digest.enqueue(user_id)
        self.stdout.write(f"Queued {len(user_ids)} digest{'s' if len(user_ids) != 1 else ''}.")
