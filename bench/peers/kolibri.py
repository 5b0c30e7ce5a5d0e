"""A peer: what it costs Kolibri and us to show a learner the whole outline of one very large course.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench_player .venv/bin/python -m bench.peers.kolibri

Kolibri (Learning Equality's offline LMS, also Django) is installed from PyPI into its own virtual
environment (``var/peers/kolibri-venv``, version ``KOLIBRI_VERSION``; nothing of it is imported here) with its
own home (``var/peers/kolibri-home``, Kolibri's default SQLite database), provisioned, and loaded by
``bench/peers/kolibri_load.py`` with a channel of the same XXL shape as ``bench/player.py``: 2,000 topics
(20 units × 9 chapters × 10 lessons) and 10,000 leaves, and a learner with finished progress on the first
half of them. Our side is ``bench/player.py``'s course on the database named by DATABASE_URL, with a second
student who has completed the same first half.

What is measured, in one run, on loopback:
- **Kolibri**: its learn API pages a topic's children 12 at a time, with 12 grandchildren per child
  (``/api/content/contentnode_tree/<id>/?depth=2``, following each ``more`` link), and the learn pages
  fetch the learner's progress for the same page from ``/api/content/contentnodeprogress/<id>/tree/``
  with the same parameters. Walking the whole course that way — every topic, every leaf, with progress —
  is done one call at a time, as a client that waits for each answer; we count the calls and time the walk.
- **Us**: the player's resume page, which carries the whole 2,000-module outline with the student's
  progress laid over it (and the items of the current module), timed the same way.
- Each system's requests per second for its unit of work under 4 clients, beside our trivial ``/hello``
  (and Kolibri's lightest public endpoint, ``/api/public/info/``) in the same run.
"""

from __future__ import annotations

import http.client
import http.cookies
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import BASE_DIR, free_port, install_in_venv

KOLIBRI_VERSION = "0.19.5"
PEERS = BASE_DIR / "var" / "peers"
VENV = PEERS / "kolibri-venv"
HOME = PEERS / "kolibri-home"
HALF = 5_000
PEER_EMAIL = "bench-half-student@example.edu"
WALKS = 5


def _kolibri_env() -> dict[str, str]:
    ours = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "SECRET_KEY"}  # our settings, not Kolibri's
    env = {key: value for key, value in os.environ.items() if key not in ours}
    return {**env, "KOLIBRI_HOME": str(HOME), "KOLIBRI_RUN_MODE": "bench"}


def install_kolibri() -> None:
    install_in_venv(VENV, f"kolibri=={KOLIBRI_VERSION}")


def load_kolibri() -> dict:
    kolibri = str(VENV / "bin" / "kolibri")
    env = _kolibri_env()
    if not (HOME / ".provisioned").exists():
        subprocess.run([kolibri, "manage", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(
            [kolibri, "manage", "provisiondevice", "--facility", "Bench", "--superusername", "benchadmin",
             "--superuserpassword", "bench-admin-2026", "--preset", "formal", "--language_id", "en", "--noinput"],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        (HOME / ".provisioned").touch()
    script = (Path(__file__).parent / "kolibri_load.py").read_text()
    done = subprocess.run([kolibri, "manage", "shell", "--skip-update"], input=script, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


class Kolibri:
    """``kolibri start --foreground`` on a free loopback port (its own web server, cheroot, as shipped)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Kolibri:
        env = {**_kolibri_env(), "KOLIBRI_HTTP_PORT": str(self.port), "KOLIBRI_LISTEN_ADDRESS": "127.0.0.1"}
        self.log = open(PEERS / "kolibri-server.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen([str(VENV / "bin" / "kolibri"), "start", "--foreground", "--skip-update"],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if Client(self.port).get("/api/public/info/")[0] == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"kolibri exited; see {PEERS / 'kolibri-server.log'}")
            time.sleep(0.5)
        raise RuntimeError("kolibri did not answer within 180 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        self.log.close()


class Client:
    """One keep-alive connection with a cookie jar: a browser tab that waits for each answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.calls = 0
        self.bytes = 0

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie(header)
            self.cookies.update({key: morsel.value for key, morsel in jar.items()})
        self.calls += 1
        self.bytes += len(data)
        return response.status, data

    def get(self, path: str):
        return self._request("GET", path)

    def close(self) -> None:
        self.conn.close()

    def get_json(self, path: str):
        status, data = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data[:200]!r}")
        return json.loads(data)

    def login_kolibri(self, username: str, password: str, facility: str) -> None:
        self.get("/")  # the CSRF cookie
        body = json.dumps({"username": username, "password": password, "facility": facility}).encode()
        status, data = self._request("POST", "/api/auth/session/", body, {
            "Content-Type": "application/json", "X-CSRFToken": self.cookies.get("kolibri_csrftoken", ""),
            "Referer": f"http://127.0.0.1:{self.port}/"})
        if status != 200:
            raise RuntimeError(f"kolibri login answered {status}: {data[:200]!r}")


def walk_kolibri(client: Client, root: str) -> tuple[int, int, int]:
    """Every node of the course with the learner's progress, as Kolibri's learn pages fetch them:
    (calls, nodes seen, leaves with progress)."""
    client.calls = 0
    seen, with_progress = 0, 0
    pending: list[tuple[str, dict]] = [(root, {"depth": 2})]
    while pending:
        node_id, params = pending.pop()
        query = urlencode(params)
        tree = client.get_json(f"/api/content/contentnode_tree/{node_id}/?{query}")
        progress = client.get_json(f"/api/content/contentnodeprogress/{node_id}/tree/?{query}")
        with_progress += sum(1 for row in progress if row.get("progress"))
        stack = [(tree, True)]
        while stack:
            node, is_requested = stack.pop()
            children = node.get("children")
            if children is None:
                if node.get("kind") == "topic" and not is_requested:
                    pending.append((node["id"], {"depth": 2}))  # a topic the page did not open: open it
                continue
            for child in children["results"]:
                seen += 1
                stack.append((child, False))
            if children.get("more"):
                more = children["more"]
                pending.append((more["id"], dict(more["params"].items())))
    return client.calls, seen, with_progress


def half_progress_student(offering):
    """A second student of bench/player.py's course who has completed the first half of its items."""
    from django.utils import timezone

    from accounts.models import User
    from learning.models import CourseEnrollment, EnrollmentStatus, UserContentProgress
    from learning.progress import rollups
    from learning.progress.structure import get_course_structure

    student = User.objects.filter(email=PEER_EMAIL).first()
    if student is not None:
        return student
    student = User.objects.create_user(email=PEER_EMAIL, password="bench-pass-2026", full_name="Half Student")  # noqa: S106
    CourseEnrollment.objects.create(user=student, course_offering=offering, status=EnrollmentStatus.ACTIVE)
    course = offering.course
    structure = get_course_structure(course_id=course.pk, structure_version=course.structure_version)
    now = timezone.now()
    UserContentProgress.objects.bulk_create(
        [UserContentProgress(user=student, course_offering=offering, content_item_id=iid, first_started_at=now,
                             last_interacted_at=now, completed_at=now, progress_percent=100, attempts_count=1)
         for iid in structure.item_order[:HALF]], batch_size=2000)
    rollups.recompute_course_rollups(offering=offering)
    return student


def main() -> None:
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a dedicated database, e.g. postgres://postgres@127.0.0.1:5432/lms_bench_player")
    install_kolibri()
    info = load_kolibri()
    print(f"kolibri {KOLIBRI_VERSION}: channel {info['channel']}, root {info['root']}", flush=True)

    from bench.harness import Gunicorn, measure_units, session_cookie
    from bench.player import _setup

    _student, offering = _setup()
    student = half_progress_student(offering)
    cookie = session_cookie(student)
    resume = f"/learn/{offering.pk}/"

    lines = []
    with Kolibri() as kolibri, Gunicorn() as ours:
        def kolibri_client() -> Client:
            client = Client(kolibri.port)
            client.login_kolibri(info["learner"], info["password"], info["facility"])
            return client

        def our_client() -> Client:
            client = Client(ours.port)
            client.cookies.update(dict(part.split("=", 1) for part in cookie.split("; ")))
            return client

        def our_outline(client: Client) -> int:
            """The outline's module entries on the resume page; -1 when it does not answer 200."""
            status, body = client.get(resume)
            return body.count(b"<li id=m") if status == 200 else -1

        def kolibri_walk(client: Client) -> bool:
            try:
                return walk_kolibri(client, info["root"])[1] == nodes
            except RuntimeError:  # an API call that did not answer 200
                return False

        k = kolibri_client()
        calls, nodes, with_progress = walk_kolibri(k, info["root"])
        k.close()
        print(f"kolibri: the whole course took {calls} calls, {nodes} nodes, {with_progress} with progress, "
              f"{k.bytes // 1024} KiB", flush=True)
        o = our_client()
        modules = our_outline(o)
        o.close()
        if modules <= 0:
            raise RuntimeError(f"{resume} answered no outline")
        print(f"us: one call, {modules} modules in the outline", flush=True)

        # One client waiting for each answer (the walk's latency), then 4 clients (units per second), through
        # bench.harness's measuring loop; hello and Kolibri's lightest public endpoint in the same run.
        walks = {"kolibri": measure_units("kolibri outline, 1 client", kolibri_client, kolibri_walk,
                                          requests=WALKS, concurrency=1, deadline_s=600),
                 "ours": measure_units("our outline, 1 client", our_client, lambda c: our_outline(c) == modules,
                                       requests=WALKS * 4, concurrency=1, deadline_s=600)}
        rates = {"hello": measure_units("hello", lambda: Client(ours.port), lambda c: c.get("/hello")[0] == 200),
                 "kolibri info": measure_units("kolibri info", lambda: Client(kolibri.port),
                                               lambda c: c.get("/api/public/info/")[0] == 200),
                 "kolibri outline": measure_units("kolibri outline", kolibri_client, kolibri_walk, deadline_s=30),
                 "our outline": measure_units("our outline", our_client, lambda c: our_outline(c) == modules)}
        load = os.getloadavg()
    for result in [*walks.values(), *rates.values()]:
        if result.errors:
            print(f"{result.label}: {result.errors} of {result.requests} units failed", flush=True)
    hello = rates["hello"].rps
    lines.append("| system | calls for the whole outline | median | p95 of walks | outlines/s (4 clients) | vs hello |")
    lines.append("|---|---|---|---|---|---|")
    for name, count, walk, rate in (("Kolibri " + KOLIBRI_VERSION, calls, walks["kolibri"], rates["kolibri outline"]),
                                    ("Sigma LMS", 1, walks["ours"], rates["our outline"])):
        lines.append(f"| {name} | {count} | {walk.median_ms:.0f} ms | {walk.p95_ms:.0f} ms | "
                     f"{rate.rps:.2f} | {rate.rps / hello:.4f} |")
    print("\n".join(lines))
    print(f"hello {hello:.0f} req/s; Kolibri's /api/public/info/ {rates['kolibri info'].rps:.0f} req/s; "
          f"load average {load[0]:.1f}")


if __name__ == "__main__":
    main()
