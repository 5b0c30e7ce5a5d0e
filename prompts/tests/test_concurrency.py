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


def without_the_lock(monkeypatch, parties):
    """Take every lock away (the advisory lock and the row locks on the label holders) and hold the writers
    until each has read the label holders and none has written yet. The race then happens on every run,
    whatever the scheduling, and all that is left to stop it is the database's own guarantee: the unique
    constraints on (name, version) and on (name, label)."""
    monkeypatch.setattr(services, "_lock_name", lambda name: None)
    everyone_has_read = threading.Barrier(parties)

    def take_labels_off_others_without_locking(*, name, labels, keep=None):
        holders = Prompt.objects.filter(name=name, labels__overlap=list(labels))
        if keep is not None:
            holders = holders.exclude(pk=keep.pk)
        holders = list(holders)
        everyone_has_read.wait(timeout=10)
        for holder in holders:
            holder.labels = [label for label in holder.labels if label not in labels]
            holder.save(update_fields=["labels"])

    monkeypatch.setattr(services, "_take_labels_off_others", take_labels_off_others_without_locking)


def test_without_the_lock_the_database_still_keeps_one_holder_and_nobody_gets_a_500(monkeypatch):
    for _ in range(3):
        create("race")
    services.update_prompt_labels(actor=None, name="race", version=1, add=["production"])
    without_the_lock(monkeypatch, parties=2)
    results, errors = run_concurrently(
        [
            lambda: services.update_prompt_labels(actor=None, name="race", version=2, add=["production"]),
            lambda: services.update_prompt_labels(actor=None, name="race", version=3, add=["production"]),
        ]
    )
    # The race happened: both read v1 as the holder and gave the label to their own version; one lost.
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert errors[0].messages == [services.CONCURRENT_LABEL_CHANGE.format(name="race")]
    (winner,) = [r for r in results if r is not None]
    assert PromptLabel.objects.get(name="race", label="production").prompt.version == winner.version
    assert [p.version for p in Prompt.objects.filter(name="race") if "production" in p.labels] == [winner.version]


def test_without_the_lock_a_losing_creator_gets_a_clear_error(monkeypatch):
    create("race")
    without_the_lock(monkeypatch, parties=4)
    results, errors = run_concurrently(
        [lambda n=n: services.create_prompt_version(actor=None, name="race", prompt=str(n)) for n in range(4)]
    )
    # The race happened: all four read v1 as the newest and tried to create v2; one did.
    assert len(errors) == 3 and all(isinstance(e, ValidationError) for e in errors), errors
    assert {m for e in errors for m in e.messages} == {services.CONCURRENT_CREATION.format(name="race")}
    assert [r.version for r in results if r is not None] == [2]
    assert sorted(Prompt.objects.filter(name="race").values_list("version", flat=True)) == [1, 2]
