"""Factories for the lms app's models."""

import factory
from factory.django import DjangoModelFactory

from lms.models import SystemSetting


class SystemSettingFactory(DjangoModelFactory):
    """A plain (unencrypted) setting; encrypted values go through the system-settings service."""

    class Meta:
        model = SystemSetting

    setting_key = factory.Sequence(lambda n: f"setting_{n}")
    setting_value = "value"
    description = "A setting made by a factory."
