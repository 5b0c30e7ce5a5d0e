"""The OpenAI-compatible provider against a real local HTTP server (tests/fake_openai.py), the offline
provider, and the provider settings (system settings, encrypted key, environment override)."""

import pytest

from lms.services import set_system_setting
from tutoring.providers import Delta, Finished, ProviderError, get_provider, provider_config
from tutoring.providers.base import (
    PROVIDER_BROKEN_REPLY,
    PROVIDER_RATE_LIMITED,
    PROVIDER_REFUSED,
    PROVIDER_TIMEOUT,
    PROVIDER_UNAVAILABLE,
    estimate_prompt_tokens,
)
from tutoring.providers.config import OFFLINE, OPENAI, ProviderConfig
from tutoring.providers.offline import NO_MODEL_NOTICE, NOTHING_FOUND, OfflineProvider, rank
from tutoring.providers.openai_compatible import OpenAICompatibleProvider
from tutoring.tests.fake_openai import FakeOpenAI

MESSAGES = [{"role": "system", "content": "Be Socratic."}, {"role": "user", "content": "What is a derivative?"}]


@pytest.fixture
def fake():
    server = FakeOpenAI().start()
    yield server
    server.stop()


def provider_for(fake, timeout=5.0):
    return OpenAICompatibleProvider(
        ProviderConfig(kind=OPENAI, base_url=fake.base_url, model="fake-model-1", timeout=timeout)
    )


def run(provider):
    return list(provider.stream(MESSAGES, context={}, cancelled=lambda: False))


def test_streamed_chunks_arrive_in_order_with_usage(fake):
    events = run(provider_for(fake))
    deltas = [e.text for e in events if isinstance(e, Delta)]
    assert len(deltas) == 5
    assert "".join(deltas) == fake.reply
    assert events[-1] == Finished(finish_reason="stop", tokens_in=42, tokens_out=5, model="fake-model-1")
    # The server got the messages we built and a streaming request.
    assert fake.requests[0]["messages"] == MESSAGES
    assert fake.requests[0]["stream"] is True


def test_a_server_that_reports_no_usage_gets_estimated_counts(fake):
    # llama-cpp-python's server ignores stream_options.include_usage.
    fake.send_usage = False
    events = run(provider_for(fake))
    assert "".join(e.text for e in events if isinstance(e, Delta)) == fake.reply
    assert events[-1] == Finished(
        finish_reason="stop",
        tokens_in=estimate_prompt_tokens(MESSAGES),
        tokens_out=5,
        model="fake-model-1",
        tokens_estimated=True,
    )
    # "Be Socratic." (12 chars) and "What is a derivative?" (21): 3 + (4 + 3) + (4 + 6).
    assert estimate_prompt_tokens(MESSAGES) == 20


@pytest.mark.parametrize(
    ("status", "message"), [(500, PROVIDER_REFUSED), (401, PROVIDER_REFUSED), (429, PROVIDER_RATE_LIMITED)]
)
def test_http_errors_become_friendly_messages(fake, status, message):
    fake.behaviour, fake.status = "status", status
    with pytest.raises(ProviderError) as raised:
        run(provider_for(fake))
    assert raised.value.message == message
    assert len(fake.requests) == 1  # no SDK retries: a retry would repeat a half-streamed reply


def test_a_slow_server_times_out(fake):
    fake.behaviour, fake.delay = "slow", 2.0
    with pytest.raises(ProviderError) as raised:
        run(provider_for(fake, timeout=0.5))
    assert raised.value.message == PROVIDER_TIMEOUT


def test_a_cut_connection_is_a_broken_reply_after_the_pieces_that_came(fake):
    fake.behaviour, fake.cut_after = "cut", 2
    got = []
    with pytest.raises(ProviderError) as raised:
        for event in provider_for(fake).stream(MESSAGES, context={}, cancelled=lambda: False):
            got.append(event)
    assert raised.value.message in (PROVIDER_BROKEN_REPLY, PROVIDER_UNAVAILABLE)
    assert "".join(e.text for e in got) == "".join(fake.pieces()[:2])


def test_nobody_listening_is_unavailable():
    provider = OpenAICompatibleProvider(
        ProviderConfig(kind=OPENAI, base_url="http://127.0.0.1:9/v1", model="m", timeout=2)
    )
    with pytest.raises(ProviderError) as raised:
        run(provider)
    assert raised.value.message == PROVIDER_UNAVAILABLE


SNAPSHOT = {
    "segments": [
        {"n": 1, "start": 0.0, "end": 4.0, "text": "Welcome to the course on limits."},
        {"n": 2, "start": 65.0, "end": 70.0, "text": "The derivative measures how fast a function changes."},
    ],
    "blocks": [{"n": 1, "kind": "paragraph", "text": "A derivative is the slope of the tangent line."}],
}


def test_offline_provider_quotes_the_closest_passages_with_citations_and_says_there_is_no_model():
    events = list(OfflineProvider().stream(MESSAGES, context=SNAPSHOT, cancelled=lambda: False))
    text = "".join(e.text for e in events if isinstance(e, Delta))
    assert text.startswith(NO_MODEL_NOTICE)
    assert "[01:05]" in text and "[block 1]" in text
    assert "limits" not in text  # the unrelated segment is not quoted
    assert text.rstrip().endswith("?")  # a guiding question
    assert len([e for e in events if isinstance(e, Delta)]) > 10  # streamed in pieces
    assert isinstance(events[-1], Finished) and events[-1].finish_reason == "stop"


def test_offline_provider_with_nothing_relevant_says_so():
    messages = [{"role": "user", "content": "zebra photosynthesis"}]
    text = "".join(
        e.text
        for e in OfflineProvider().stream(messages, context=SNAPSHOT, cancelled=lambda: False)
        if isinstance(e, Delta)
    )
    assert text.startswith(NOTHING_FOUND)


def test_bm25_prefers_the_passage_with_the_rarer_matching_term():
    ranked = rank("derivative slope", ["the derivative", "slope of the derivative", "nothing here"])
    assert [index for index, _ in ranked] == [1, 0]


@pytest.mark.django_db
def test_config_from_system_settings_with_an_encrypted_key_and_env_override(monkeypatch, settings):
    from lms.crypto import generate_key

    settings.SETTINGS_ENCRYPTION_KEYS = [generate_key()]
    for key in (
        "TUTOR_PROVIDER",
        "TUTOR_OPENAI_BASE_URL",
        "TUTOR_OPENAI_MODEL",
        "TUTOR_OPENAI_API_KEY",
        "TUTOR_OPENAI_TIMEOUT",
    ):
        monkeypatch.delenv(key, raising=False)
    assert provider_config().kind == OFFLINE
    assert isinstance(get_provider(), OfflineProvider)
    set_system_setting(key="tutor.provider", value="openai", is_encrypted=False)
    assert provider_config().kind == OFFLINE and "needs" in provider_config().problem
    set_system_setting(key="tutor.openai.base_url", value="http://127.0.0.1:8899/v1", is_encrypted=False)
    set_system_setting(key="tutor.openai.model", value="smollm2", is_encrypted=False)
    set_system_setting(key="tutor.openai.api_key", value="sk-secret", is_encrypted=True)
    set_system_setting(key="tutor.openai.timeout", value="nan", is_encrypted=False)
    config = provider_config()
    assert (config.kind, config.model, config.api_key, config.timeout) == (OPENAI, "smollm2", "sk-secret", 30.0)
    assert isinstance(get_provider(), OpenAICompatibleProvider)
    monkeypatch.setenv("TUTOR_OPENAI_MODEL", "from-env")
    assert provider_config().model == "from-env"
