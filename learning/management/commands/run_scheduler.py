"""The periodic jobs, in a loop: ``python manage.py run_scheduler [--interval SECONDS] [--once]``.

``make run`` (scripts/serve.sh) starts it beside the task worker, so a local or single-machine
deployment needs no cron. Each tick runs every job in :data:`JOBS`; a job only *queues* tasks for the
worker (``manage.py db_worker``) and is idempotent, so a tick may run late, twice, or in two scheduler
processes at once without a user getting anything twice:

- ``notification digests``: from ``NOTIFICATION_DIGEST_HOUR`` (site time zone) on, today's digest for each
  user due one (:func:`learning.notifications.tasks.queue_due_digests`; one per user and day by a unique
  constraint).
- ``course grades of ended offerings``: once after an offering ends, its course grades are recomputed
  (:func:`learning.gradebook.grades.queue_ended_offerings`; stamped on the offering's grading policy).
- ``lost lab runs``: lab grading runs left ``running`` by a worker that died are queued again (or ended as
  errors after too many tries) (:func:`learning.assessments.labs.queue_lost_runs`; rows locked with
  ``skip_locked``, so two schedulers recover a run once).
- ``expired quiz attempts``: open quiz attempts past their deadline (the deadline task lost, or never
  deferred) are closed with what was saved, finish time = the deadline
  (:func:`learning.assessments.services.queue_expired_attempts`: one sweep task when any is due; each attempt
  is closed under its row lock, so a sweep racing the deadline task or the student gives one result).

A failing tick (the database restarting, say) is logged and the next one tries again; the connection is
closed after every tick, so the loop never holds a dead one. SIGTERM or SIGINT stops it between ticks.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from learning.assessments.labs import queue_lost_runs
from learning.assessments.services import queue_expired_attempts
from learning.gradebook.grades import queue_ended_offerings
from learning.notifications.tasks import queue_due_digests

logger = logging.getLogger(__name__)

JOBS = (
    ("notification digests", queue_due_digests),
    ("course grades of ended offerings", queue_ended_offerings),
    ("lost lab runs", queue_lost_runs),
    ("expired quiz attempts", queue_expired_attempts),
)


def run_jobs() -> dict[str, int | None]:
    """Run every job once; answer what each queued (None: it failed, and was logged)."""
    results: dict[str, int | None] = {}
    for name, job in JOBS:
        try:
            results[name] = job()
        except Exception:
            logger.exception("Scheduled job %r failed; the next tick tries again", name)
            results[name] = None
    if not connection.in_atomic_block:  # (a test's transaction keeps its connection)
        connection.close()  # a new one next tick: a database restarted meanwhile costs nothing
    return results


class Command(BaseCommand):
    help = "Run the periodic jobs (digests, ended offerings' grades, lost lab runs, expired quiz attempts) in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None, help="Seconds between ticks.")
        parser.add_argument("--once", action="store_true", help="Run one tick and stop.")

    def handle(self, *args, interval: float | None, once: bool, **options):
        interval = settings.SCHEDULER_INTERVAL_SECONDS if interval is None else interval
        if interval <= 0:
            self.stderr.write("--interval must be positive.")
            raise SystemExit(2)
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        while True:
            results = run_jobs()
            if once or any(n != 0 for n in results.values()):  # quiet while there is nothing to do
                queued = ", ".join(f"{name}: {'failed' if n is None else n}" for name, n in results.items())
                self.stdout.write(f"Scheduler tick ({queued}).")
                self.stdout.flush()
            if once or stop.wait(interval):
                return
