"""The factories of the prompts models that had none build valid rows (PromptLabel, PromptApiKey)."""

import pytest
from django.db import IntegrityError, transaction

from prompts import services
from prompts.models import Prompt, PromptLabel
from prompts.tests.factories import PromptApiKeyFactory, PromptFactory, PromptLabelFactory

pytestmark = [pytest.mark.django_db]


def test_prompt_label_factory_gives_the_version_the_label_through_its_array():
    row = PromptLabelFactory(label="staging")
    row.full_clean()
    version = Prompt.objects.get(pk=row.prompt_id)
    assert version.labels == ["staging"] and row.name == version.name
    assert list(PromptLabel.objects.filter(prompt=version).values_list("label", flat=True)) == ["staging"]


def test_prompt_label_factory_adds_to_a_version_and_keeps_labels_unique_per_name():
    version = PromptFactory(labels=["production"])
    PromptLabelFactory(prompt=version, label="staging")
    version.refresh_from_db()
    assert version.labels == ["production", "staging"]
    other = PromptFactory(name=version.name, version=2)
    with transaction.atomic(), pytest.raises(IntegrityError, match="ux_prompt_labels_name_label"):
        PromptLabelFactory(prompt=other, label="staging")


def test_prompt_api_key_factory_builds_a_key_the_service_accepts():
    key = PromptApiKeyFactory(secret="sk-lf-known-secret-1234")
    key.full_clean()
    assert key.secret_hint == "1234" and key.is_active
    assert services.authenticate_api_key(public_key=key.public_key, secret_key="sk-lf-known-secret-1234") == key
    assert services.authenticate_api_key(public_key=key.public_key, secret_key="sk-lf-wrong") is None
    assert PromptApiKeyFactory().public_key != key.public_key
