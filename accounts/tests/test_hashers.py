"""The production password hasher: Django's Argon2, computed in low-priority threads (accounts/hashers.py)."""

from __future__ import annotations

import os
import threading

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password
from django.test import override_settings

from accounts.hashers import LowPriorityArgon2PasswordHasher, in_hashing_thread

PRODUCTION_HASHERS = ["accounts.hashers.LowPriorityArgon2PasswordHasher"]


def test_production_settings_hash_with_it():
    from lms import settings as production

    assert production.PASSWORD_HASHERS[0] == "accounts.hashers.LowPriorityArgon2PasswordHasher"


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_its_hashes_are_djangos_argon2_both_ways():
    ours = make_password("correct horse")
    assert ours.startswith("argon2$argon2id$") and isinstance(identify_hasher(ours), LowPriorityArgon2PasswordHasher)
    assert check_password("correct horse", ours) and not check_password("wrong horse", ours)
    # A hash stored by Django's own Argon2 hasher (every account made before) still verifies, and vice versa.
    djangos = Argon2PasswordHasher().encode("correct horse", Argon2PasswordHasher().salt())
    assert check_password("correct horse", djangos) and not check_password("wrong", djangos)
    assert Argon2PasswordHasher().verify("correct horse", ours)


def test_the_work_runs_in_a_thread_of_lower_priority():
    def priority_here():
        return threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread_id, priority = in_hashing_thread(priority_here)
    assert thread_id != threading.get_native_id()
    assert priority == max(settings.PASSWORD_HASH_NICE, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    assert settings.PASSWORD_HASH_NICE > 0


def test_an_error_in_the_hashing_thread_reaches_the_caller():
    def fails():
        raise ValueError("bad hash")

    with pytest.raises(ValueError, match="bad hash"):
        in_hashing_thread(fails)


@pytest.mark.django_db(transaction=True)
@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_a_hash_gives_the_requests_database_connection_back_first():
    from django.db import connection

    from accounts.models import User

    assert User.objects.count() >= 0 and connection.connection is not None  # the request holds one
    make_password("correct horse")
    assert connection.connection is None  # back in the pool while Argon2 runs; the next query takes one
    assert User.objects.count() >= 0
