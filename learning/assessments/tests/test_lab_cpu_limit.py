"""``cpu_limit`` is enforced: the lab's CPU share × its wall clock is the run's CPU-time budget (RLIMIT_CPU on
the student's process), and a busy loop that spends it ends as a clear "CPU time limit exceeded" result —
long before the wall clock, never a hang and never a pass."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from learning.assessments.sandbox.runner import Limits, cpu_seconds_for, limits_from_payload, parse_cpu, run_python_lab
from learning.assessments.tests.lab_fixtures import build_lab
from learning.assessments.tests.test_lab_sandbox import SANITY, assert_worker_survives, outcomes
from learning.management.demo_lab_files import FINITE_DIFFERENCES_SOLUTION
from learning.models import LabSubmission, LabSubmissionStatus


@pytest.fixture(autouse=True)
def _bubblewrap_installed():
    if not os.access("/usr/bin/bwrap", os.X_OK):
        pytest.fail("bubblewrap is not installed: run scripts/system-deps.sh as root (apt-get install bubblewrap)")


# a wall clock far beyond the CPU budget: only RLIMIT_CPU can end these loops in time
SLOW_WALL = Limits(wall_seconds=40, cpu_seconds=2, memory_bytes=256 * 1024 * 1024, processes=16, output_bytes=4096,
                   disk_bytes=2 * 1024 * 1024)  # fmt: skip
BUSY = "def probe():\n    while True:\n        pass\n"
BUSY_IGNORING_SIGXCPU = "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\n\n" + BUSY


@pytest.mark.parametrize(
    ("text", "cpus"), [("500m", 0.5), ("1", 1.0), ("1.5", 1.5), ("250m", 0.25), ("", None), ("lots", None), ("0", None)]
)
def test_cpu_quantities(text, cpus):
    assert parse_cpu(text) == cpus


def test_the_cpu_budget_is_the_share_times_the_wall_clock_capped_by_the_server():
    assert cpu_seconds_for(cpu_limit="500m", wall_seconds=10, ceiling=61) == 5
    assert cpu_seconds_for(cpu_limit="100m", wall_seconds=3, ceiling=61) == 1  # at least one second
    assert cpu_seconds_for(cpu_limit="4", wall_seconds=30, ceiling=61) == 61  # never above the server's ceiling
    assert cpu_seconds_for(cpu_limit=None, wall_seconds=10, ceiling=61) == 11  # no share: the wall clock decides
    ceiling = Limits(wall_seconds=60, cpu_seconds=61)
    assert limits_from_payload({"timeout_seconds": 20, "cpu_limit": "250m"}, ceiling=ceiling).cpu_seconds == 5


@pytest.mark.parametrize("source", [BUSY, BUSY_IGNORING_SIGXCPU], ids=["busy-loop", "ignores-SIGXCPU"])
def test_a_busy_loop_ends_at_the_cpu_limit_not_the_wall_clock(source):
    report = run_python_lab(submission={"attack.py": source.encode()}, hidden_tests=SANITY, limits=SLOW_WALL)
    assert not report.timed_out  # the wall clock (40 s) did not have to stop it
    assert report.cpu_time_exceeded
    assert report.error.startswith("CPU time limit exceeded (2 s of CPU)")
    assert report.status == "completed"
    tests = {test["name"]: test for test in report.tests}
    assert tests["test_sanity.py::test_probe"]["outcome"] == "failed"
    assert "CPU time limit exceeded" in tests["test_sanity.py::test_probe"]["message"]
    assert tests["test_sanity.py::test_arithmetic"]["outcome"] == "passed"  # tests not using the code still run
    assert report.as_json()["cpu_time_exceeded"] is True
    assert_worker_survives()


def test_an_honest_run_within_the_budget_is_not_flagged():
    report = run_python_lab(
        submission={"attack.py": b"def probe():\n    return 'contained'\n"}, hidden_tests=SANITY, limits=SLOW_WALL
    )
    assert outcomes(report) == {"test_sanity.py::test_probe": "passed", "test_sanity.py::test_arithmetic": "passed"}
    assert not report.cpu_time_exceeded and report.error == ""


BUSY_LAB = FINITE_DIFFERENCES_SOLUTION + "\n\ndef forward_difference(f, x, h):\n    while True:\n        pass\n"


@pytest.mark.django_db
def test_the_lab_payloads_cpu_limit_is_enforced_end_to_end(client, world, django_capture_on_commit_callbacks):
    from learning.assessments import labs

    # 150m of a CPU for 20 s = 3 CPU seconds; the wall clock alone would have allowed 20
    lab = build_lab(world.a, cpu_limit="150m", timeout_seconds=20, show_hidden_test_names=True)
    with django_capture_on_commit_callbacks(execute=True):
        submission = labs.submit_lab(
            actor=lab.student, offering=lab.offering, item=lab.item, files={"finite_differences.py": BUSY_LAB.encode()}
        )
    submission = LabSubmission.objects.get(pk=submission.pk)
    report = submission.auto_grade_json
    assert report["limits"]["cpu_seconds"] == 3
    assert report["cpu_time_exceeded"] is True and report["timed_out"] is False
    assert submission.status == LabSubmissionStatus.GRADED
    assert submission.score_obtained < submission.max_score  # not a pass: the looping tests failed
    looping = [t for t in report["tests"] if "forward_difference" in t["name"]]
    assert looping and all(t["outcome"] != "passed" for t in looping)

    client.force_login(lab.student)
    html = client.get(reverse("labs:submission", args=[lab.offering.pk, submission.pk])).content.decode()
    assert "CPU time limit exceeded (3 s of CPU)" in html
