"""manage.py create_prompt_api_key prints a working key pair once."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from prompts.models import PromptApiKey
from prompts.services import authenticate_api_key

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("create_prompt_api_key", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_prints_a_pair_that_authenticates():
    output = run("ci-deploy")
    public, secret = re.fullmatch(r"LANGFUSE_PUBLIC_KEY=(\S+)\nLANGFUSE_SECRET_KEY=(\S+)\n", output).groups()
    key = authenticate_api_key(public_key=public, secret_key=secret)
    assert key is not None and key.name == "ci-deploy" and not key.can_change_protected_labels
    assert secret not in key.secret_hash


def test_the_protected_labels_flag():
    run("release", "--can-change-protected-labels")
    assert PromptApiKey.objects.get(name="release").can_change_protected_labels


def test_a_blank_name_is_refused():
    with pytest.raises(CommandError):
        run(" ")
    assert not PromptApiKey.objects.exists()
