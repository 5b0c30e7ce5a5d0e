"""Every model of the schema apps is in the admin, and its list, search, change and add pages render."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from syllabus.tests.test_factories import FACTORIES

pytestmark = pytest.mark.django_db

SCHEMA_APPS = ("accounts", "catalog", "syllabus", "learning", "tutoring", "lms")
# Session rows hold bearer credentials (the key is the row's id, so it would sit in admin URLs): staff end
# an account's sessions with the user admin's "sign out" action instead (accounts/tests/test_sessions.py).
NOT_IN_ADMIN = {"accounts.UserSession"}
MODELS = sorted(
    (
        model
        for label in SCHEMA_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in NOT_IN_ADMIN
    ),
    key=lambda model: model._meta.label,
)


def _factory_for(model):
    candidates = [f for f in FACTORIES if f._meta.model is model]
    return next((f for f in candidates if not f._meta.django_get_or_create), candidates[0])


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_model_is_registered_with_list_display_and_search(model):
    model_admin = admin.site._registry.get(model)
    assert model_admin is not None, f"{model._meta.label} is not in the admin"
    assert model_admin.list_display != ("__str__",)
    assert model_admin.search_fields


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_admin_pages_render(admin_client, django_assert_max_num_queries, model):
    obj = _factory_for(model)()
    _factory_for(model)()
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    with django_assert_max_num_queries(12):  # list_select_related: no query per row
        response = admin_client.get(reverse(f"{prefix}_changelist"), {"q": "x"})
    assert response.status_code == 200
    assert admin_client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_add")).status_code == 200


@pytest.mark.django_db
def test_encrypted_setting_is_masked_in_the_list(admin_client):
    from lms.tests.factories import SystemSettingFactory

    SystemSettingFactory(setting_key="llm_api_key", setting_value="gAAAA-ciphertext", is_encrypted=True)
    SystemSettingFactory(setting_key="site_name", setting_value="Sigma")
    html = admin_client.get(reverse("admin:lms_systemsetting_changelist")).content.decode()
    assert "gAAAA-ciphertext" not in html and "••••" in html and "Sigma" in html
