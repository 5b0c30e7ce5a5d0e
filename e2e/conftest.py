"""Browser tests: Playwright (pytest-playwright) driving Chromium against a live server (README, "Browser tests").

- The browser is the system's Chromium (``/usr/bin/chromium``, Debian's ``chromium``; ``scripts/system-deps.sh``
  installs it as root) or, when a user has installed it, Playwright's own (``python -m playwright install
  chromium``); ``E2E_CHROMIUM`` names another binary. None of them present is a **failure** with a message
  saying how to install one, never a skip.
- One live server for the session (our own, not pytest-django's ``live_server``, which would flush the
  database after every test) and one world of data per module (:func:`site`): the demo data
  (``manage.py seed_demo``) committed once, the database unblocked for the whole module, and flushed at the
  module's end as a transactional test would.
- :func:`journey` watches the page: a JavaScript error (``console.error``, an uncaught exception) or a failed
  request (HTTP >= 400, or one that never got an answer) fails the test; ``journey.step(name)`` checks that
  and keeps a screenshot of the step at 1280 and 390 px wide under ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest

from lms.tests.migration_rows import restore_migration_data

# Playwright's sync API runs an event loop in the main thread; Django's ORM refuses to run beside one unless
# told it is safe (it is: the loop only drives the browser). Process-wide, since the session-scoped
# Playwright stays up until the session ends.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE, NARROW = 1280, 390
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (the demo accounts' published password)


def chromium_executable(playwright) -> str:
    """The Chromium to drive: ``$E2E_CHROMIUM``, the system's, or Playwright's own; else fail, saying how."""
    candidates = [os.environ.get("E2E_CHROMIUM", ""), SYSTEM_CHROMIUM, shutil.which("chromium") or ""]
    with contextlib.suppress(Exception):  # Playwright without its own browser may have no path to give
        candidates.append(playwright.chromium.executable_path)
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    pytest.fail(
        "The browser tests need Chromium and none was found. Install Debian's package as root "
        "(`apt-get install -y chromium`, which `make test` does when run as root) or Playwright's own browser "
        "(`.venv/bin/python -m playwright install chromium`), or set E2E_CHROMIUM to a Chromium binary.",
        pytrace=False,
    )


def pytest_collection_modifyitems(config, items):
    """Every browser test asks for the test database (see :func:`site`), also when a module forgets the mark."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def browser_type_launch_args(playwright, pytestconfig):
    """pytest-playwright's launch options: always Chromium from :func:`chromium_executable`, headless."""
    args = {"executable_path": chromium_executable(playwright), "args": CHROMIUM_ARGS, "headless": True}
    if pytestconfig.getoption("--headed"):
        args["headless"] = False
        args["args"] = [a for a in CHROMIUM_ARGS if a != "--headless"]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": WIDE, "height": 900}, "locale": "en-US"}


@pytest.fixture(scope="session")
def e2e_server(django_db_setup, django_db_blocker):
    """One threaded live server (with static files) for every browser test of the session.

    pytest-django creates the test database only for the databases the collected tests mark (``django_db``,
    ``db``), and browser tests mark none: run alone (``pytest e2e``) they would seed and then flush the
    database of ``DATABASE_URL`` itself. So when no test database is in place yet, create one here."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.live_server_helper import LiveServer

    created = None
    if not connection.settings_dict["NAME"].startswith("test_"):
        with django_db_blocker.unblock():
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    server = LiveServer("localhost")
    yield server
    server.stop()
    if created is not None:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


def flush_database() -> None:
    """What a transactional test does at its end: empty every table (post_migrate puts back permissions), then
    put back the rows data migrations install, so the tests this process runs next see a migrated database.

    Ids start again at 1, so a world seeded next has the same ids and structure versions as the one before:
    the per-process memos keyed by them (the course structure with its outline, a student's rollup freshness) are cleared
    too, as learning/tests/conftest.py does around each test."""
    from django.core.management import call_command

    from learning.progress import freshness, structure

    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=False)
    restore_migration_data()
    for memo in (structure, freshness):
        memo.clear_memo()


@dataclass
class Site:
    url: str

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="module")
def site(e2e_server, django_db_blocker):
    """The demo world, committed, behind the live server, for the whole module (then flushed).

    Every browser test carries ``pytest.mark.django_db`` (added by :func:`pytest_collection_modifyitems` where
    a module does not): pytest-django sets up the test database only for a session whose tests ask for one, and without it `pytest e2e` alone would run against (and flush) the
    database in DATABASE_URL. The mark's per-test transaction on the test's own connection changes nothing
    here: the data is committed before it, and the server's requests run on their own connections."""
    from django.core.management import call_command
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("test_"):
        pytest.fail(f"refusing to flush {connection.settings_dict['NAME']!r}: not a test database", pytrace=False)
    with django_db_blocker.unblock():
        flush_database()
        call_command("seed_demo", stdout=StringIO())
        yield Site(e2e_server.url)
        flush_database()


@dataclass
class Journey:
    """Watches one page for JavaScript errors and failed requests; keeps a screenshot per step."""

    page: object
    directory: Path
    errors: list[str] = field(default_factory=list)
    allowed_statuses: set[tuple[str, int]] = field(default_factory=set)
    steps: int = 0

    def watch(self, page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("response", self._response)
        page.on("requestfailed", self._request_failed)

    def _response(self, response) -> None:
        if response.status >= 400 and (self._path(response.url), response.status) not in self.allowed_statuses:
            self.errors.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def _request_failed(self, request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:  # a navigation that replaced an unfinished request (e.g. a stream)
            return
        self.errors.append(f"request failed: {request.method} {request.url} ({failure})")

    @staticmethod
    def _path(url: str) -> str:
        return re.sub(r"^https?://[^/]+", "", url).split("?")[0]

    def allow(self, path: str, status: int) -> None:
        """A request the journey makes on purpose that answers ``status`` (e.g. a denied page)."""
        self.allowed_statuses.add((path, status))

    def check(self) -> None:
        assert not self.errors, "JavaScript errors or failed requests during the journey:\n" + "\n".join(self.errors)

    def step(self, name: str, page=None) -> None:
        """Assert nothing failed so far, then screenshot the page at 1280 and 390 px wide."""
        page = page or self.page
        page.wait_for_load_state("load")
        self.check()
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.directory.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size or {"width": WIDE, "height": 900}
        for width in (WIDE, NARROW):
            page.set_viewport_size({"width": width, "height": size["height"]})
            page.screenshot(path=str(self.directory / f"{self.steps:02d}-{slug}-{width}.png"), full_page=True)
        page.set_viewport_size(size)
        self.check()


# The demo's lecture videos are YouTube embeds and the tests run without the internet: a stand-in for the
# embed answers YouTube's postMessage protocol (the handshake, infoDelivery, seekTo) the way the real player
# does, so the course player's own code (static/js/player.js) is what is tested. Its current time is shown in
# #yt-time and kept in window.ytTime; finish() plays it to the end.
FAKE_YOUTUBE_EMBED = """<!doctype html><html lang="en"><head><title>Video</title></head>
<body style="margin:0;background:#111;color:#fff;font:16px sans-serif"><p>Stand-in video at <span id="yt-time">0</span> s</p>
<script>
var t = 0, duration = 600;
function say(event, state) {
  parent.postMessage(JSON.stringify({event: event, info: {currentTime: t, duration: duration,
                                                          playerState: state === undefined ? 1 : state}}), "*");
}
function finish() { t = duration; document.getElementById("yt-time").textContent = t; say("infoDelivery", 0); }
window.addEventListener("message", function (e) {
  var m; try { m = JSON.parse(e.data); } catch (x) { return; }
  if (m.event === "listening") say("initialDelivery");
  if (m.event === "command" && m.func === "seekTo") {
    t = m.args[0]; window.ytTime = t; document.getElementById("yt-time").textContent = t; say("infoDelivery");
  }
});
</script></body></html>"""


def _new_tab(request, journey: Journey) -> bool:
    try:
        return request.frame.page != journey.page
    except Exception:  # noqa: BLE001 (a popup's first navigation is issued before its frame exists)
        return True


def _route_outside(journey: Journey):
    def handle(route):
        url = route.request.url
        if url.startswith("https://www.youtube-nocookie.com/embed/"):
            route.fulfill(status=200, content_type="text/html", body=FAKE_YOUTUBE_EMBED)
            return
        request = route.request
        if request.is_navigation_request() and request.resource_type == "document" and _new_tab(request, journey):
            # A link the site opens in a new tab (a resource's external URL): the site's part is done.
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Elsewhere</title>")
            return
        journey.errors.append(f"request outside the site: {url}")
        route.abort()

    return handle


@pytest.fixture
def journey(page, request):
    """The test's page, watched (see :class:`Journey`); failing at the end if anything failed after the last step."""
    directory = ARTIFACTS / request.node.module.__name__.rsplit(".", 1)[-1] / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(directory, ignore_errors=True)
    watched = Journey(page=page, directory=directory)
    watched.watch(page)
    page.context.route(re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])"), _route_outside(watched))
    page.set_default_timeout(15_000)
    yield watched
    watched.check()


def log_in(page, site: Site, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(site("/accounts/login/"))
    page.get_by_label(re.compile(r"e-?mail", re.I)).fill(email)
    page.get_by_label("Password", exact=False).fill(password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url, f"log-in as {email} failed"


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state("load")
