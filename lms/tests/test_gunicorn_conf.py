"""The server's size (lms/gunicorn_conf.py): WEB_CONCURRENCY, else one worker per usable core."""

import os

from lms.gunicorn_conf import default_workers


def test_workers_follow_the_usable_cores_unless_set(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert default_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert default_workers() == 5
    monkeypatch.setenv("WEB_CONCURRENCY", "")  # an empty value in .env means unset
    assert default_workers() == len(os.sched_getaffinity(0))
