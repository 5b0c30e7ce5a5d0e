"""The official ``langfuse`` Python SDK against the LMS on a local port (pytest-django's ``live_server``).

The SDK never leaves this machine: its base URL is the live server, tracing and media upload are off, and
its HTTP client refuses any host but the live server's (the transport below records every request).
"""

from urllib.parse import urlparse

import httpx
import pytest
from langfuse import Langfuse
from langfuse.api import NotFoundError
from langfuse.model import ChatPromptClient, TextPromptClient

from prompts import services
from prompts.models import Prompt

pytestmark = pytest.mark.django_db(transaction=True)


class LocalOnlyTransport(httpx.HTTPTransport):
    """Sends requests to one host and port only, and remembers them."""

    def __init__(self, allowed_netloc: str) -> None:
        super().__init__()
        self.allowed_netloc = allowed_netloc
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        netloc = f"{request.url.host}:{request.url.port}"
        if netloc != self.allowed_netloc:
            raise AssertionError(f"The SDK tried to reach {request.url}")
        self.requests.append(request)
        return super().handle_request(request)


@pytest.fixture
def sdk(live_server, monkeypatch):
    for variable in ("LANGFUSE_HOST", "LANGFUSE_BASE_URL", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANGFUSE_TRACING_ENABLED", "false")
    monkeypatch.setenv("LANGFUSE_MEDIA_UPLOAD_ENABLED", "false")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    key, secret = services.create_api_key(actor=None, name="sdk", can_change_protected_labels=True)
    transport = LocalOnlyTransport(urlparse(live_server.url).netloc)
    client = Langfuse(
        public_key=key.public_key,  # a fresh key per test: the SDK keeps one resource manager per key
        secret_key=secret,
        base_url=live_server.url,
        tracing_enabled=False,
        timeout=5,
        httpx_client=httpx.Client(transport=transport, timeout=5),
    )
    client.transport = transport
    yield client
    client.shutdown()


def test_the_official_sdk_creates_fetches_compiles_promotes_and_resolves(sdk):
    # create_prompt: text, then a second version
    first = sdk.create_prompt(
        name="sdk/tutor",
        prompt="Hello {{name}}",
        labels=["production"],
        tags=["sdk"],
        config={"temperature": 0.1},
        commit_message="via the SDK",
    )
    assert isinstance(first, TextPromptClient)
    assert (first.version, first.labels, first.tags, first.config) == (
        1,
        ["production", "latest"],
        ["sdk"],
        {"temperature": 0.1},
    )
    second = sdk.create_prompt(name="sdk/tutor", prompt="Hi {{name}}, again", labels=["staging"])
    assert second.version == 2

    # get_prompt: by the default label, by label and by version; compile
    production = sdk.get_prompt("sdk/tutor", cache_ttl_seconds=0)
    assert (production.version, production.prompt) == (1, "Hello {{name}}")
    assert production.compile(name="Ada") == "Hello Ada"
    assert sdk.get_prompt("sdk/tutor", label="staging", cache_ttl_seconds=0).version == 2
    by_version = sdk.get_prompt("sdk/tutor", version=2, cache_ttl_seconds=0)
    assert by_version.compile(name="Bo") == "Hi Bo, again" and by_version.commit_message is None

    # chat: create, fetch, compile with a placeholder
    chat = sdk.create_prompt(
        name="sdk/chat",
        type="chat",
        prompt=[{"role": "system", "content": "You tutor {{course}}."}, {"type": "placeholder", "name": "history"}],
        labels=["production"],
    )
    assert isinstance(chat, ChatPromptClient) and chat.version == 1
    fetched_chat = sdk.get_prompt("sdk/chat", type="chat", cache_ttl_seconds=0)
    assert isinstance(fetched_chat, ChatPromptClient)
    assert fetched_chat.compile(course="Algebra", history=[{"role": "user", "content": "What is x?"}]) == [
        {"role": "system", "content": "You tutor Algebra."},
        {"role": "user", "content": "What is x?"},
    ]

    # update_prompt: move production to v2
    sdk.update_prompt(name="sdk/tutor", version=2, new_labels=["production"])
    assert sdk.get_prompt("sdk/tutor", cache_ttl_seconds=0).version == 2
    assert Prompt.objects.get(name="sdk/tutor", version=1).labels == []

    # a composed prompt, resolved by the server and compiled by the SDK
    sdk.create_prompt(
        name="sdk/composed",
        prompt="Intro. @@@langfusePrompt:name=sdk/tutor|label=production@@@ Bye.",
        labels=["production"],
    )
    composed = sdk.get_prompt("sdk/composed", cache_ttl_seconds=0)
    assert composed.prompt == "Intro. Hi {{name}}, again Bye."
    assert composed.compile(name="Cy") == "Intro. Hi Cy, again Bye."

    # a missing label is an error, never a fallback version
    with pytest.raises(NotFoundError):
        sdk.get_prompt("sdk/tutor", label="nowhere", max_retries=0, cache_ttl_seconds=0)

    # every request went to the live server, with the folder names encoded
    paths = [request.url.raw_path.decode() for request in sdk.transport.requests]
    assert "/api/public/v2/prompts/sdk%2Ftutor?label=staging" in paths
    assert all(path.startswith("/api/public/v2/prompts") for path in paths)
