from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    """The project package as an app: system settings and the cross-cutting database pieces."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lms"
    verbose_name = "Platform"

    def ready(self) -> None:
        from lms.db import _after_migrate

        # Connected once (dispatch_uid), run after the last app has migrated.
        post_migrate.connect(_after_migrate, dispatch_uid="lms_updated_at_triggers")
