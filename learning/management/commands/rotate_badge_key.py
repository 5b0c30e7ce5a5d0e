"""``manage.py rotate_badge_key --university CODE``: a new Open Badges signing key for one university.

New credentials are signed with the new key; older keys stay published in the issuer's JWKS, so every
credential signed before keeps verifying. Needs ``SETTINGS_ENCRYPTION_KEYS``.
"""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import University
from learning.gradebook import credentials
from lms.crypto import EncryptionError


class Command(BaseCommand):
    help = "Rotate the Open Badges signing key of one university (older keys stay published)."

    def add_arguments(self, parser):
        parser.add_argument("--university", required=True, help="The university's short code, e.g. MIT.")

    def handle(self, *args, university, **options):
        found = University.objects.filter(short_code=university).first()
        if found is None:
            raise CommandError(f"No university with the short code {university!r}.")
        try:
            key = credentials.rotate_signing_key(university_id=found.pk)
        except EncryptionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"New signing key {key.key_id} for {found.short_code}; older keys stay published.")
