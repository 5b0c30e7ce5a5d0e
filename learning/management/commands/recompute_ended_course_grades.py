"""Recompute the course grades of the offerings that have ended (and are not finalised): the end-of-offering
run of the grading policy. Run it daily (the scheduler or cron); ``--offering ID`` recomputes one offering."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import CourseOffering
from learning.gradebook import grades


class Command(BaseCommand):
    help = "Recompute course grades of ended offerings (or of one offering)."

    def add_arguments(self, parser):
        parser.add_argument("--offering", type=int, help="Recompute this offering only.")

    def handle(self, *args, offering=None, **options):
        if offering is not None:
            row = CourseOffering.objects.filter(pk=offering).first()
            if row is None:
                raise CommandError(f"No offering {offering}.")
            changed = grades.recompute_course_grades(row)
            self.stdout.write(f"Offering {offering}: {changed} course grades changed.")
            return
        count = grades.recompute_ended_offerings()
        self.stdout.write(f"{count} ended offerings recomputed.")
