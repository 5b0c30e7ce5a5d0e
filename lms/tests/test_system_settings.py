"""lms.services / lms.selectors: system settings, encrypted at rest."""

import pytest

from lms import crypto
from lms.admin import ENCRYPTION_NOT_CONFIGURED
from lms.models import SystemSetting
from lms.selectors import get_setting_value
from lms.services import rotate_encryption_keys, set_system_setting, update_system_setting

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


# --- the service behind the console's change page ---------------------------------------------------


def test_update_keeps_a_stored_secret_when_no_value_is_given(settings, key):
    setting = set_system_setting(key="llm.api_key", value=SECRET, is_encrypted=True, description="LLM")
    token = stored_value("llm.api_key")
    settings.SETTINGS_ENCRYPTION_KEYS = []  # keeping a secret needs no key
    updated = update_system_setting(setting_id=setting.pk, key="llm.key", description="The LLM key", value=None,
                                    is_encrypted=True)
    row = SystemSetting.objects.get(pk=setting.pk)
    assert (row.setting_key, row.description, row.setting_value, row.is_encrypted) == (
        "llm.key", "The LLM key", token, True)
    assert updated.setting_key == "llm.key"
    settings.SETTINGS_ENCRYPTION_KEYS = [key]
    assert get_setting_value(key="llm.key") == SECRET


def test_update_replaces_the_value_and_encrypts_a_new_secret(key):
    setting = set_system_setting(key="smtp.password", value="plain", is_encrypted=False)
    update_system_setting(setting_id=setting.pk, key="smtp.password", description="", value=SECRET, is_encrypted=True)
    assert SECRET not in stored_value("smtp.password")
    assert get_setting_value(key="smtp.password") == SECRET


def test_update_refuses_to_switch_encryption_without_a_value(key):
    setting = set_system_setting(key="llm.api_key", value=SECRET, is_encrypted=True)
    token = stored_value("llm.api_key")
    with pytest.raises(ValueError):
        update_system_setting(setting_id=setting.pk, key="llm.api_key", description="", value=None, is_encrypted=False)
    assert stored_value("llm.api_key") == token


# --- the console (platform admins): secrets without keys are a form error, never a 500 ----------------

ADD_URL = "/admin/lms/systemsetting/add/"


def change_url(setting: SystemSetting) -> str:
    return f"/admin/lms/systemsetting/{setting.pk}/change/"


@pytest.fixture
def platform_client(client, world):
    client.force_login(world.platform_admin)
    return client


@pytest.mark.parametrize(("keys", "message"), [([], ENCRYPTION_NOT_CONFIGURED), (["not-a-fernet-key"], crypto.INVALID_KEY)])
def test_adding_a_secret_without_a_usable_key_is_a_form_error_and_writes_nothing(settings, platform_client, keys,
                                                                                  message):
    settings.SETTINGS_ENCRYPTION_KEYS = keys
    response = platform_client.post(ADD_URL, {"setting_key": "llm.api_key", "is_encrypted": "on", "value": SECRET})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["value"] == [message]
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    assert SECRET not in html  # the secret typed in is not echoed back into the page
    assert not SystemSetting.objects.exists()


def test_making_a_clear_setting_secret_without_a_key_is_a_form_error_and_changes_nothing(settings, platform_client):
    settings.SETTINGS_ENCRYPTION_KEYS = []
    setting = set_system_setting(key="smtp.password", value="plain", is_encrypted=False, description="SMTP")
    response = platform_client.post(
        change_url(setting), {"setting_key": "smtp.password", "is_encrypted": "on", "value": SECRET, "description": "x"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["value"] == [ENCRYPTION_NOT_CONFIGURED]
    assert SECRET not in response.content.decode()
    row = SystemSetting.objects.get(pk=setting.pk)
    assert (row.setting_value, row.is_encrypted, row.description) == ("plain", False, "SMTP")


def test_renaming_a_secret_in_the_console_keeps_it_even_without_a_key(settings, key, platform_client):
    setting = set_system_setting(key="llm.api_key", value=SECRET, is_encrypted=True, description="LLM")
    token = stored_value("llm.api_key")
    settings.SETTINGS_ENCRYPTION_KEYS = []
    response = platform_client.post(
        change_url(setting), {"setting_key": "llm.key", "is_encrypted": "on", "value": "", "description": "Renamed"}
    )
    assert response.status_code == 302
    row = SystemSetting.objects.get(pk=setting.pk)
    assert (row.setting_key, row.description, row.setting_value) == ("llm.key", "Renamed", token)
    assert SystemSetting.objects.count() == 1


def test_changing_a_clear_setting_in_the_console_renames_and_replaces_it(platform_client):
    setting = set_system_setting(key="site.name", value="Sigma", is_encrypted=False)
    response = platform_client.post(
        change_url(setting), {"setting_key": "site.title", "value": "Sigma LMS", "description": "Shown in the header"}
    )
    assert response.status_code == 302
    row = SystemSetting.objects.get(pk=setting.pk)
    assert (row.setting_key, row.setting_value, row.description) == ("site.title", "Sigma LMS", "Shown in the header")
    assert SystemSetting.objects.count() == 1
