"""lms.services / lms.selectors: system settings, encrypted at rest."""

import pytest

from lms import crypto
from lms.models import SystemSetting
from lms.selectors import get_setting_value
from lms.services import rotate_encryption_keys, set_system_setting

pytestmark = pytest.mark.django_db

SECRET = "sk-live-0123456789"


@pytest.fixture
def key(settings):
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]
    return settings.SETTINGS_ENCRYPTION_KEYS[0]


def stored_value(key_name: str) -> str:
    return SystemSetting.objects.values_list("setting_value", flat=True).get(setting_key=key_name)


def test_an_encrypted_setting_round_trips_and_is_not_stored_in_clear(key):
    setting = set_system_setting(key="llm.api_key", value=SECRET, is_encrypted=True, description="LLM key")
    assert SECRET not in stored_value("llm.api_key")
    assert get_setting_value(key="llm.api_key") == SECRET
    assert SECRET not in str(setting) and SECRET not in repr(setting)
    # The row as read back from the database shows no secret either.
    row = SystemSetting.objects.get(pk=setting.pk)
    assert SECRET not in str(row) and SECRET not in repr(row)


def test_a_plain_setting_is_stored_as_is_and_missing_keys_give_the_default(key):
    set_system_setting(key="site.name", value="Sigma", is_encrypted=False)
    assert stored_value("site.name") == "Sigma"
    assert get_setting_value(key="site.name") == "Sigma"
    assert get_setting_value(key="absent") is None
    assert get_setting_value(key="absent", default="x") == "x"


def test_replacing_a_setting_can_switch_encryption_and_keeps_the_description(key):
    set_system_setting(key="smtp.password", value="plain", is_encrypted=False, description="SMTP")
    set_system_setting(key="smtp.password", value=SECRET, is_encrypted=True)
    row = SystemSetting.objects.get(setting_key="smtp.password")
    assert row.is_encrypted and row.description == "SMTP" and SECRET not in row.setting_value
    assert get_setting_value(key="smtp.password") == SECRET
    assert SystemSetting.objects.count() == 1


def test_a_wrong_key_fails_cleanly(settings, key):
    set_system_setting(key="llm.api_key", value=SECRET, is_encrypted=True)
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]
    with pytest.raises(crypto.EncryptionError) as error:
        get_setting_value(key="llm.api_key")
    assert str(error.value) == crypto.CANNOT_DECRYPT
    assert SECRET not in str(error.value)


def test_rotation_re_encrypts_every_encrypted_row_under_the_newest_key(settings, key):
    old = key
    set_system_setting(key="a", value="alpha", is_encrypted=True)
    set_system_setting(key="b", value="beta", is_encrypted=True)
    set_system_setting(key="plain", value="visible", is_encrypted=False)
    new = crypto.generate_key()
    settings.SETTINGS_ENCRYPTION_KEYS = [new, old]
    assert rotate_encryption_keys() == 2
    settings.SETTINGS_ENCRYPTION_KEYS = [new]  # the old key is retired
    assert (get_setting_value(key="a"), get_setting_value(key="b")) == ("alpha", "beta")
    assert stored_value("plain") == "visible"


def test_rotation_is_all_or_nothing_when_a_row_cannot_be_opened(settings, key):
    set_system_setting(key="a", value="alpha", is_encrypted=True)
    before = stored_value("a")
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key()]
    set_system_setting(key="b", value="beta", is_encrypted=True)
    settings.SETTINGS_ENCRYPTION_KEYS = [crypto.generate_key(), settings.SETTINGS_ENCRYPTION_KEYS[0]]
    with pytest.raises(crypto.EncryptionError):
        rotate_encryption_keys()
    assert stored_value("a") == before
