from django.apps import AppConfig


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"

    def ready(self) -> None:
        from learning.gradebook import receivers as gradebook_receivers  # noqa: F401 - connects the receivers
        from learning.progress import receivers  # noqa: F401 - connects the receivers
