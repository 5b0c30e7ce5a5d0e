"""Password hashing that cannot starve the pages: Argon2 in a few low-priority threads per process.

A log-in verifies one Argon2 hash (Django's parameters: 100 MiB, 2 passes, 8 lanes). libargon2 computes
the lanes in threads of its own, so one hash keeps both cores of a small server busy for ~0.2-0.8 s; a
burst of log-ins (a class signing in at the start of a lecture, ``bench/load.py``'s ramp) then takes the
CPU from every page request of both workers (README, "Load"). Here each process hashes in at most
``PASSWORD_HASH_THREADS`` threads that lowered their own scheduling priority (Linux ``nice`` is per thread
and inherited by the threads libargon2 starts), so under contention the pages get the CPU first and a log-in
waits a little longer; on an idle server nothing changes. The hash itself (algorithm, parameters, format) is
Django's own: the stored hashes stay valid both ways.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from lms.db import release_connection

_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_lock = threading.Lock()


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # no per-thread priority here: hash at the normal one
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), settings.PASSWORD_HASH_NICE)


def _executor() -> ThreadPoolExecutor:
    """This process's hashing threads (a forked gunicorn worker makes its own: threads do not survive fork)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(
                max_workers=settings.PASSWORD_HASH_THREADS,
                thread_name_prefix="password-hash",
                initializer=_lower_priority,
            )
            _pool_pid = os.getpid()
        return _pool


def in_hashing_thread(function, *args):
    """Run ``function(*args)`` in a low-priority hashing thread and return its result (exceptions too).

    The request's pooled database connection goes back to the pool for the wait: a burst of log-ins would
    otherwise hold every connection of the worker's pool while they hash, and the pages wait for one."""
    release_connection()
    return _executor().submit(function, *args).result()


class LowPriorityArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2 hasher, computed in :func:`in_hashing_thread`. Same ``algorithm``, same hashes."""

    def encode(self, password, salt):
        return in_hashing_thread(super().encode, password, salt)

    def verify(self, password, encoded):
        return in_hashing_thread(super().verify, password, encoded)
