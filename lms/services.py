"""System-settings services: writes to ``system_settings``.

Contract:
- ``set_system_setting`` creates or replaces a setting; when ``is_encrypted`` the value is stored as a
  Fernet token (``lms.crypto``) and the plaintext is never stored, logged or shown (``SystemSetting``'s
  ``__str__``/``__repr__`` show the key only).
- ``update_system_setting`` edits one existing row (the staff console's change page): its key, its
  description, and its value unless ``value`` is ``None`` (a stored secret is kept as it is).
- ``check_encryption_configured`` raises ``EncryptionError`` when no usable key is configured, so a form
  can refuse a secret before anything is written.
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


def check_encryption_configured() -> None:
    """Raise ``EncryptionError`` (``NO_KEY_CONFIGURED`` or ``INVALID_KEY``) unless a secret can be encrypted."""
    encrypt_value("")


def update_system_setting(
    *, setting_id: int, key: str, description: str | None, value: str | None, is_encrypted: bool
) -> SystemSetting:
    """Rename, re-describe and (unless ``value`` is ``None``) replace the value of the setting ``setting_id``.

    ``value=None`` keeps the stored value and is only allowed while ``is_encrypted`` stays as it is (a
    secret cannot turn clear, nor a clear value secret, without being entered again)."""
    with transaction.atomic():
        setting = SystemSetting.objects.select_for_update().get(pk=setting_id)
        if value is None and is_encrypted != setting.is_encrypted:
            raise ValueError("Switching a setting between clear and encrypted needs its value.")
        if value is not None:
            setting.setting_value = encrypt_value(value) if is_encrypted else value
            setting.is_encrypted = is_encrypted
        setting.setting_key = key
        setting.description = description
        setting.save(update_fields=["setting_key", "description", "setting_value", "is_encrypted"])
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
