"""Factories of the prompts tests.

``PromptFactory`` writes rows directly (for constraint tests and bulk data); ``create`` goes through the
service, which is how real versions are made (numbering, labels, dependencies).
"""

import base64
from urllib.parse import urlencode

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from prompts import services
from prompts.models import Prompt, PromptApiKey, PromptDependency, PromptLabel, ProtectedLabel

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


class PromptLabelFactory(factory.django.DjangoModelFactory):
    """A label held by ``prompt``, written the only way the schema allows: through ``prompts.labels``.

    The trigger of migration 0002 mirrors the array into ``prompt_labels``; a row inserted directly would
    disagree with the array. ``_create`` appends the label to the version's array and returns the trigger's row.
    """

    class Meta:
        model = PromptLabel

    prompt = factory.SubFactory(PromptFactory)
    name = factory.SelfAttribute("prompt.name")
    label = factory.Sequence(lambda n: f"label-{n}")

    @classmethod
    def _create(cls, model_class, *args, prompt, name, label, **kwargs):
        if name != prompt.name:
            raise ValueError(f"a label row's name is its version's name ({prompt.name!r}), not {name!r}")
        prompt.labels = [*prompt.labels, label]
        prompt.save(update_fields=["labels"])
        return model_class.objects.get(prompt=prompt, label=label)


class ProtectedLabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProtectedLabel
        django_get_or_create = ["label"]

    label = "production"


class PromptApiKeyFactory(factory.django.DjangoModelFactory):
    """An active key pair; ``secret=`` sets the secret (stored only as its SHA-256, as the service does)."""

    class Meta:
        model = PromptApiKey

    class Params:
        secret = factory.Sequence(lambda n: f"sk-lf-factory-secret-{n:06d}")

    name = factory.Sequence(lambda n: f"key {n}")
    public_key = factory.Sequence(lambda n: f"pk-lf-factory-{n:06d}")
    secret_hash = factory.LazyAttribute(lambda o: services.hash_secret(o.secret))
    secret_hint = factory.LazyAttribute(lambda o: o.secret[-4:])
    is_active = True
    can_change_protected_labels = False


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


def admin_url(view, /, **params):
    """The admin URL named ``admin:<view>`` with ``params`` as its query string."""
    return reverse(f"admin:{view}") + ("?" + urlencode(params) if params else "")
