"""Settings for the test suite: the real settings with a test key, a fast hasher and an in-process cache.

The database is the same PostgreSQL as everywhere (DATABASE_URL or the embedded server); pytest-django
creates its own ``test_<name>`` database on it.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DB_POOL", "false")  # concurrency tests open their own connections in threads

from lms.settings import *  # noqa: E402,F403
from lms.settings import STORAGES  # noqa: E402

# Hashing with Argon2 in every test would dominate the suite; one test checks Argon2 is first in
# the real settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S105
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
TUTOR_OFFLINE_CHUNK_DELAY = 0
