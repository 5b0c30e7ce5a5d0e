"""A whole tutor exchange against a real language model: llama.cpp's OpenAI-compatible server with
SmolLM2-135M-Instruct (``make test-tutor-model`` starts it and runs this file with
``TUTOR_REAL_MODEL_REQUIRED=1``, so a missing server is a failure there, never a silent skip; CI runs
that target, see docs/tutor.md). Under plain ``make test`` without the server the test is skipped with
that reason. The model is weak: the test checks the client path, not the pedagogy."""

import os
import urllib.request

import pytest

from tutoring import chat
from tutoring.models import ChatMessage
from tutoring.tests.conftest import access_for

pytestmark = pytest.mark.django_db


def _server_answers() -> bool:
    base = os.environ.get("TUTOR_OPENAI_BASE_URL", "")
    if os.environ.get("TUTOR_PROVIDER") != "openai" or not base:
        return False
    try:
        urllib.request.urlopen(base.rstrip("/") + "/models", timeout=2)  # noqa: S310 - a local URL we set
    except OSError:
        return False
    return True


@pytest.fixture
def real_model():
    if not _server_answers():
        if os.environ.get("TUTOR_REAL_MODEL_REQUIRED"):
            pytest.fail("TUTOR_REAL_MODEL_REQUIRED is set but no model server answers at TUTOR_OPENAI_BASE_URL")
        pytest.skip("no real model server: run `make test-tutor-model`")


def test_a_whole_exchange_streams_from_the_real_model(real_model, tutor):
    a = tutor.world.a
    access = access_for(a.student, a.offering, tutor.a_video)
    session = chat.start_session(actor=a.student, access=access)
    sent = chat.send_message(actor=a.student, access=access, session=session, text="What does a derivative measure?")
    events = list(chat.ReplyRun(message_id=sent.reply.pk, user=a.student, access=access, max_seconds=120).events())
    deltas = [value for kind, value in events if kind == "delta"]
    assert len(deltas) > 3  # streamed tokens arrived one by one
    reply = ChatMessage.objects.get(pk=sent.reply.pk)
    assert reply.meta["status"] == "complete", reply.meta
    assert reply.content == "".join(deltas) and reply.content.strip()
    assert reply.meta["provider"] == "openai"
    assert "smollm2" in reply.meta["model"].lower() or "smol" in reply.meta["model"].lower()
    assert reply.meta["tokens_in"] > 50  # the system prompt with the transcript
    assert reply.meta["tokens_out"] > 0
    assert reply.meta["finish_reason"] in ("stop", "length")
