"""Tutor fixtures: a video item (with a transcript) and a text item in each university's course."""

import importlib
from types import SimpleNamespace

import pytest

from syllabus.tests.factories import ContentItemFactory, ModuleFactory, builtin_content_type
from tutoring.permissions import get_tutor_access
from tutoring.tests.fake_openai import FakeOpenAI

TRANSCRIPT = [
    {"start": 0.0, "end": 4.0, "text": "Welcome to limits."},
    {"start": 65.0, "end": 70.0, "text": "The derivative measures how fast a function changes."},
    {"start": 70.0, "end": 75.0, "text": "Its value at a point is the slope of the tangent line."},
]


def video_item(course, **extra):
    module = ModuleFactory(course=course)
    return ContentItemFactory(
        module=module,
        content_type=builtin_content_type("video"),
        title="Derivatives",
        data_json={
            "provider": "youtube",
            "video_id": "abcdefgh",
            "transcript": {"language": "en", "segments": TRANSCRIPT},
        },
        **extra,
    )


@pytest.fixture(autouse=True)
def _default_tutor_prompt(request):
    """The default prompt comes from data migration 0004; a transactional test (a race) truncates every
    table at its end, so put it back, with the migration's own function, for every test on the database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    importlib.import_module("tutoring.migrations.0004_default_tutor_prompt").create(apps, None)


@pytest.fixture
def tutor(world):
    a_video = video_item(world.a.course)
    a_text = ContentItemFactory(module=a_video.module)
    b_video = video_item(world.b.course)
    return SimpleNamespace(world=world, a_video=a_video, a_text=a_text, b_video=b_video)


def access_for(user, offering, item):
    return get_tutor_access(user=user, offering_id=offering.pk, item_id=item.pk)


@pytest.fixture
def fake_openai(monkeypatch):
    server = FakeOpenAI().start()
    monkeypatch.setenv("TUTOR_PROVIDER", "openai")
    monkeypatch.setenv("TUTOR_OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("TUTOR_OPENAI_MODEL", "fake-model-1")
    monkeypatch.setenv("TUTOR_OPENAI_TIMEOUT", "5")
    yield server
    server.stop()
