"""Platform-wide models that belong to no app: system settings."""

from django.db import models
from django.db.models.functions import Now


class SystemSetting(models.Model):
    """A key/value setting (seed 001). When ``is_encrypted``, ``setting_value`` holds a Fernet token
    (``lms.crypto``) and is never shown in clear in lists or logs."""

    setting_key = models.CharField(max_length=100)
    setting_value = models.TextField(blank=True, default="", db_default="")
    is_encrypted = models.BooleanField(default=False, db_default=False)
    description = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        db_table = "system_settings"
        ordering = ["setting_key"]
        constraints = [models.UniqueConstraint(fields=["setting_key"], name="ux_system_settings_setting_key")]

    def __str__(self) -> str:
        return self.setting_key
