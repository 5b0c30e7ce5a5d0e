"""Factories of the prompts tests.

``PromptFactory`` writes rows directly (for constraint tests and bulk data); ``create`` goes through the
service, which is how real versions are made (numbering, labels, dependencies).
"""

import base64

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from prompts import services
from prompts.models import Prompt, PromptDependency, ProtectedLabel

EDITOR_PERMISSIONS = ["view_prompt", "add_prompt", "change_prompt", "delete_prompt"]


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prompt

    name = factory.Sequence(lambda n: f"prompt-{n}")
    version = 1
    type = "text"
    prompt = "Hello {{name}}"
    config = factory.LazyFunction(dict)
    labels = factory.LazyFunction(list)
    tags = factory.LazyFunction(list)
    created_by = "system"


class PromptDependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromptDependency

    parent = factory.SubFactory(PromptFactory)
    child_name = "child"
    child_label = "production"


class ProtectedLabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProtectedLabel
        django_get_or_create = ["label"]

    label = "production"


def create(name, prompt="Hello {{name}}", **kwargs):
    """A version through the service, as trusted code."""
    return services.create_prompt_version(actor=None, name=name, prompt=prompt, **kwargs)


def make_user(email, *, staff=False, superuser=False, perms=()):
    User = get_user_model()
    full_name = email.split("@")[0].title()
    if superuser:
        user = User.objects.create_superuser(email=email, password="pw-12345-long", full_name=full_name)
    else:
        user = User.objects.create_user(email=email, password="pw-12345-long", full_name=full_name, is_staff=staff)
    if perms:
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="prompts", codename__in=perms))
        user = User.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache
    return user


def basic_auth(public_key, secret):
    return "Basic " + base64.b64encode(f"{public_key}:{secret}".encode()).decode()
