"""Queue again the lab grading runs a dead worker left ``running`` (a safety net beside the deferred check each
run schedules, the worker's check before every run and the pages' "next touch"):
``python manage.py recover_lab_runs [--limit N]``."""

from django.core.management.base import BaseCommand

from learning.assessments import labs


class Command(BaseCommand):
    help = "Queue again (or end as errors after too many tries) lab runs left running by a worker that died."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, limit: int, **options):
        recovery = labs.recover_lost_runs(limit=limit)
        self.stdout.write(f"Queued again {len(recovery.requeued)} run(s); ended {len(recovery.ended)} as errors.")
