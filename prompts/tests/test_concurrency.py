"""Concurrent writers on real threads, each with its own database connection."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from prompts import services
from prompts.models import Prompt, PromptLabel
from prompts.tests.factories import create

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(functions):
    """Start every function at the same moment on its own thread; answer (results, errors)."""
    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def worker(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as error:  # collected and asserted on by the test
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_concurrent_creators_get_consecutive_versions_and_no_error():
    create("race")
    writers = [
        (lambda n=n: services.create_prompt_version(actor=None, name="race", prompt=f"text {n}", labels=["production"]))
        for n in range(8)
    ]
    results, errors = run_concurrently(writers)
    assert errors == []
    assert sorted(p.version for p in results) == list(range(2, 10))
    versions = Prompt.objects.filter(name="race").order_by("version")
    assert [p.version for p in versions] == list(range(1, 10))
    # Exactly one holder of each label, and it is the newest for latest.
    assert PromptLabel.objects.filter(name="race", label="latest").get().prompt.version == 9
    assert PromptLabel.objects.filter(name="race", label="production").count() == 1
    assert sum("production" in p.labels for p in versions) == 1


def test_two_concurrent_promotions_leave_exactly_one_holder():
    for _ in range(3):
        create("race")
    for _ in range(5):  # repeat: a lost race shows up quickly
        results, errors = run_concurrently(
            [
                lambda: services.update_prompt_labels(actor=None, name="race", version=2, add=["production"]),
                lambda: services.update_prompt_labels(actor=None, name="race", version=3, add=["production"]),
            ]
        )
        assert errors == []
        holders = [p.version for p in Prompt.objects.filter(name="race") if "production" in p.labels]
        assert len(holders) == 1
        assert PromptLabel.objects.get(name="race", label="production").prompt.version == holders[0]


def test_concurrent_creation_of_a_new_name_starts_at_one():
    results, errors = run_concurrently(
        [lambda n=n: services.create_prompt_version(actor=None, name="fresh", prompt=str(n)) for n in range(4)]
    )
    assert errors == []
    assert sorted(p.version for p in results) == [1, 2, 3, 4]


@pytest.fixture
def without_the_lock(monkeypatch):
    """Take the advisory lock away: what is left is the database's own guarantee."""
    monkeypatch.setattr(services, "_lock_name", lambda name: None)


def test_without_the_lock_the_database_still_keeps_one_holder_and_nobody_gets_a_500(without_the_lock):
    for _ in range(3):
        create("race")
    for _ in range(5):
        services.update_prompt_labels(actor=None, name="race", version=1, add=["production"])
        _, errors = run_concurrently(
            [
                lambda: services.update_prompt_labels(actor=None, name="race", version=2, add=["production"]),
                lambda: services.update_prompt_labels(actor=None, name="race", version=3, add=["production"]),
            ]
        )
        assert all(isinstance(e, ValidationError) for e in errors), errors
        assert {m for e in errors for m in e.messages} <= {services.CONCURRENT_LABEL_CHANGE.format(name="race")}
        assert PromptLabel.objects.filter(name="race", label="production").count() == 1
        assert sum("production" in p.labels for p in Prompt.objects.filter(name="race")) == 1


def test_without_the_lock_a_losing_creator_gets_a_clear_error(without_the_lock):
    create("race")
    results, errors = run_concurrently(
        [lambda n=n: services.create_prompt_version(actor=None, name="race", prompt=str(n)) for n in range(6)]
    )
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert {m for e in errors for m in e.messages} <= {services.CONCURRENT_CREATION.format(name="race")}
    versions = list(Prompt.objects.filter(name="race").values_list("version", flat=True))
    assert len(versions) == len(set(versions)) == 1 + len([r for r in results if r is not None])
