"""The resolved-prompt cache on the shared backends production uses, not only the test suite's LocMemCache.

Production runs Django's database cache by default and Redis when ``CACHE_URL`` points at one (CI runs Redis
at 127.0.0.1:6379). On each, what a user notices must hold: a label move or a new version is visible on the
next fetch, a stale resolution is never served after the version behind a label changed, and the generation
lives in the shared store, so another worker process sees the bump.
"""

import socket
import uuid

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from prompts import cache as prompt_cache
from prompts import selectors, services
from prompts.tests.factories import create

pytestmark = pytest.mark.django_db(transaction=True)

CACHE_TABLE = "prompts_test_cache"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_answers() -> bool:
    try:
        import redis  # noqa: F401 - the client Django's RedisCache needs
    except ImportError:
        return False
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(params=["database", "redis"])
def shared_cache(request):
    """The default cache swapped for a shared backend for the duration of one test."""
    if request.param == "database":
        settings = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
        with override_settings(CACHES={"default": settings}):
            call_command("createcachetable", verbosity=0)
            try:
                yield request.param
            finally:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE IF EXISTS {CACHE_TABLE}")
        return
    if not redis_answers():
        pytest.skip(f"no Redis answers at {REDIS_HOST}:{REDIS_PORT} (CI runs one; start one to run this test)")
    prefix = f"prompts-test-{uuid.uuid4().hex}"  # other test runs may share the server: touch only our keys
    settings = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://{REDIS_HOST}:{REDIS_PORT}/1",
        "KEY_PREFIX": prefix,
    }
    with override_settings(CACHES={"default": settings}):
        try:
            yield request.param
        finally:
            client = caches["default"]._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{prefix}:*"))
            if keys:
                client.delete(*keys)


def prompt_table_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"prompts"' in q["sql"] or "prompt_" in q["sql"]]


def test_the_backend_under_test_is_the_shared_one(shared_cache):
    backend = type(caches["default"]).__name__
    assert backend == {"database": "DatabaseCache", "redis": "RedisCache"}[shared_cache]
    create("a", labels=["production"])
    selectors.get_prompt(name="a")
    # Another worker process opens its own connection to the same store and finds the entries there.
    other_worker = caches.create_connection("default")
    assert other_worker.get(prompt_cache.GENERATION_KEY) == prompt_cache.current_generation()
    key = prompt_cache.resolved_key(prompt_cache.current_generation(), name="a", version=None, label="production")
    assert other_worker.get(key).version == 1


def test_a_warm_fetch_does_not_read_the_prompt_tables(shared_cache):
    create("child", prompt="C", labels=["production"])
    create("parent", prompt="P @@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    cold = selectors.get_prompt(name="parent")
    with CaptureQueriesContext(connection) as captured:
        warm = selectors.get_prompt(name="parent")
    assert warm == cold and warm.prompt == "P C"
    assert prompt_table_queries(captured) == []
    if shared_cache == "redis":
        assert len(captured) == 0


def test_a_label_move_is_visible_on_the_next_fetch(shared_cache):
    create("greeting", prompt="Hello v1", labels=["production"])
    create("greeting", prompt="Hello v2")
    assert selectors.get_prompt(name="greeting").prompt == "Hello v1"  # now cached
    services.update_prompt_labels(actor=None, name="greeting", version=2, add=["production"])
    fetched = selectors.get_prompt(name="greeting")
    assert (fetched.version, fetched.prompt) == (2, "Hello v2")
    services.update_prompt_labels(actor=None, name="greeting", version=1, add=["production"])
    assert selectors.get_prompt(name="greeting").version == 1  # and back again


def test_no_stale_resolution_after_the_child_version_changes(shared_cache):
    create("child", prompt="OLD", labels=["production"])
    create("parent", prompt="Rules: @@@langfusePrompt:name=child|label=production@@@", labels=["production"])
    assert selectors.get_prompt(name="parent").prompt == "Rules: OLD"
    create("child", prompt="NEW", labels=["production"])
    assert selectors.get_prompt(name="parent").prompt == "Rules: NEW"


def test_no_stale_read_after_tags_or_a_delete(shared_cache):
    create("a", prompt="one", labels=["production"])
    create("a", prompt="two")
    assert selectors.get_prompt(name="a", label="latest").prompt == "two"
    services.set_prompt_tags(actor=None, name="a", tags=["tutor"])
    assert selectors.get_prompt(name="a", label="latest").tags == ["tutor"]
    services.delete_prompt(actor=None, name="a", version=2)
    fresh = selectors.get_prompt(name="a", label="latest")
    assert (fresh.version, fresh.prompt) == (1, "one")


def test_a_lost_generation_starts_over_without_serving_old_entries(shared_cache):
    create("a", prompt="one", labels=["production"])
    selectors.get_prompt(name="a")
    caches["default"].delete(prompt_cache.GENERATION_KEY)  # evicted, or the store restarted
    create("a", prompt="two", labels=["production"])
    assert selectors.get_prompt(name="a").prompt == "two"
