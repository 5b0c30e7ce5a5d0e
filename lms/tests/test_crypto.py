import pytest

from lms import crypto


def test_round_trip_and_ciphertext_hides_the_value(settings):
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]
    token = crypto.encrypt_value("sk-live-123")
    assert "sk-live-123" not in token
    assert crypto.decrypt_value(token) == "sk-live-123"


def test_wrong_key_fails_cleanly_without_revealing_anything(settings):
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]
    token = crypto.encrypt_value("sk-live-123")
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]
    with pytest.raises(crypto.EncryptionError) as error:
        crypto.decrypt_value(token)
    assert str(error.value) == crypto.CANNOT_DECRYPT
    assert token not in str(error.value)


def test_rotation_keeps_old_values_readable_then_re_encrypts_under_the_new_key(settings):
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.SETTINGS_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt_value("db-password")
    settings.SETTINGS_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt_value(token) == "db-password"
    rotated = crypto.rotate_value(token)
    settings.SETTINGS_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt_value(rotated) == "db-password"
    with pytest.raises(crypto.EncryptionError):
        crypto.decrypt_value(token)


def test_missing_or_invalid_keys_are_configuration_errors(settings):
    settings.SETTINGS_ENCRYPTION_KEYS = []
    with pytest.raises(crypto.EncryptionError, match="No encryption key is configured"):
        crypto.encrypt_value("x")
    settings.SETTINGS_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(crypto.EncryptionError, match="not a valid Fernet key"):
        crypto.encrypt_value("x")
