"""System-settings selectors: reads of ``system_settings``.

Contract: ``get_setting_value`` answers the setting's value in clear (decrypting when
``is_encrypted``) or ``default`` when the key is absent; a value that the configured keys cannot
decrypt raises ``lms.crypto.EncryptionError`` (message without the secret), never a crypto traceback.
"""

from __future__ import annotations

from lms.crypto import decrypt_value
from lms.models import SystemSetting


def get_setting_value(*, key: str, default: str | None = None) -> str | None:
    row = SystemSetting.objects.filter(setting_key=key).values_list("setting_value", "is_encrypted").first()
    if row is None:
        return default
    value, is_encrypted = row
    return decrypt_value(value) if is_encrypted else value
