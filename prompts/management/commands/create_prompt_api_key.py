"""``manage.py create_prompt_api_key NAME [--can-change-protected-labels]``: a key pair for the prompt API.

Prints ``LANGFUSE_PUBLIC_KEY=…`` and ``LANGFUSE_SECRET_KEY=…`` (ready for an env file); the secret is stored
only hashed and cannot be shown again.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from prompts.services import create_api_key


class Command(BaseCommand):
    help = "Create an API key pair for the Langfuse-compatible prompt API and print it once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the key is for, e.g. 'ci-deploy'.")
        parser.add_argument(
            "--can-change-protected-labels",
            action="store_true",
            help="Let this key create, move and remove protected labels (e.g. production).",
        )

    def handle(self, *args, name: str, can_change_protected_labels: bool, **options):
        try:
            # Shell access is platform-admin access: no acting user.
            key, secret = create_api_key(actor=None, name=name, can_change_protected_labels=can_change_protected_labels)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages))
        self.stdout.write(f"LANGFUSE_PUBLIC_KEY={key.public_key}")
        self.stdout.write(f"LANGFUSE_SECRET_KEY={secret}")
        self.stderr.write("The secret is shown only now; store it safely.")
