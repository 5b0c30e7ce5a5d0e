"""System-settings services: writes to ``system_settings``.

Contract:
- ``set_system_setting`` creates or replaces a setting; when ``is_encrypted`` the value is stored as a
  Fernet token (``lms.crypto``) and the plaintext is never stored, logged or shown (``SystemSetting``'s
  ``__str__``/``__repr__`` show the key only).
- ``rotate_encryption_keys`` re-encrypts every encrypted row under the newest key of
  ``settings.SETTINGS_ENCRYPTION_KEYS`` in one transaction; run it after putting a new key first and
  before removing the old one.
- Errors are ``lms.crypto.EncryptionError`` with a message that reveals no secret.
- Reads (``get_setting_value``) are in ``lms.selectors``.
"""

from __future__ import annotations

from django.db import transaction

from lms.crypto import encrypt_value, rotate_value
from lms.models import SystemSetting


def set_system_setting(*, key: str, value: str, is_encrypted: bool, description: str | None = None) -> SystemSetting:
    """Create or replace the setting ``key``. ``description=None`` keeps an existing description."""
    stored = encrypt_value(value) if is_encrypted else value
    defaults = {"setting_value": stored, "is_encrypted": is_encrypted}
    if description is not None:
        defaults["description"] = description
    setting, _ = SystemSetting.objects.update_or_create(setting_key=key, defaults=defaults)
    return setting


def rotate_encryption_keys() -> int:
    """Re-encrypt every encrypted setting under the newest key; answer how many rows were rewritten.

    All or nothing: a row that no configured key opens raises ``EncryptionError`` and nothing changes.
    """
    with transaction.atomic():
        settings = list(SystemSetting.objects.select_for_update().filter(is_encrypted=True).order_by("pk"))
        for setting in settings:
            setting.setting_value = rotate_value(setting.setting_value)
        SystemSetting.objects.bulk_update(settings, ["setting_value"], batch_size=500)
    return len(settings)


# The name lms/crypto.py's docstring uses.
rotate_setting_keys = rotate_encryption_keys
