"""Encryption at rest for secret system settings.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
``settings.SETTINGS_ENCRYPTION_KEYS``, newest first. ``MultiFernet`` encrypts with the first key and
decrypts with any, so a key is rotated by putting the new one first and calling
:func:`rotate_value` (the ``rotate_setting_keys`` service does it for every row). Errors never carry
the plaintext or the ciphertext, so they are safe to log.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

NO_KEY_CONFIGURED = (
    "No encryption key is configured: set SETTINGS_ENCRYPTION_KEYS to one or more Fernet keys "
    "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
)
INVALID_KEY = "SETTINGS_ENCRYPTION_KEYS holds a value that is not a valid Fernet key."
CANNOT_DECRYPT = "The stored value cannot be decrypted with the configured keys (wrong or rotated-out key, or corrupted data)."


class EncryptionError(Exception):
    """Raised instead of cryptography's errors, with a message that reveals no secret."""


def _fernet(keys: list[str] | None = None) -> MultiFernet:
    keys = list(settings.SETTINGS_ENCRYPTION_KEYS if keys is None else keys)
    if not keys:
        raise EncryptionError(NO_KEY_CONFIGURED)
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except (ValueError, TypeError):
        raise EncryptionError(INVALID_KEY) from None


def encrypt_value(plaintext: str, *, keys: list[str] | None = None) -> str:
    return _fernet(keys).encrypt(plaintext.encode()).decode()


def decrypt_value(token: str, *, keys: list[str] | None = None) -> str:
    try:
        return _fernet(keys).decrypt(token.encode()).decode()
    except InvalidToken:
        raise EncryptionError(CANNOT_DECRYPT) from None


def rotate_value(token: str, *, keys: list[str] | None = None) -> str:
    """Re-encrypt ``token`` under the newest key (it may have been made with any configured key)."""
    try:
        return _fernet(keys).rotate(token.encode()).decode()
    except InvalidToken:
        raise EncryptionError(CANNOT_DECRYPT) from None


def generate_key() -> str:
    return Fernet.generate_key().decode()
