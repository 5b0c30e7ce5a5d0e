"""Close every quiz attempt whose deadline has passed (a safety net beside the deadline task and the
"next touch"): ``python manage.py close_expired_quiz_attempts [--limit N]``."""

from django.core.management.base import BaseCommand

from learning.assessments import services


class Command(BaseCommand):
    help = "Close quiz attempts past their deadline, with what was saved; the finish time is the deadline."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, limit: int, **options):
        closed = services.close_expired_attempts(limit=limit)
        self.stdout.write(f"Closed {closed} attempt(s).")
