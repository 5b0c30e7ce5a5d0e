"""The lab sandbox against hostile submissions: each attack is contained, reported, and the caller survives.

Every run is real: two bubblewrap sandboxes, Debian's python3 and pytest inside (docs/labs.md). A hidden test
``test_probe`` asserts ``probe() == "contained"``: the probe returns "contained" only when the attack failed
the way it should, and otherwise what it managed, which then shows in the failure message.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from learning.assessments.sandbox.runner import UID_RANGE, Limits, run_python_lab


@pytest.fixture(autouse=True)
def _bubblewrap_installed():
    """A missing sandbox fails these tests with the fix, never skips them (``make test`` installs it as root)."""
    if not os.access("/usr/bin/bwrap", os.X_OK):
        pytest.fail("bubblewrap is not installed: run scripts/system-deps.sh as root (apt-get install bubblewrap)")


FAST = Limits(wall_seconds=4, cpu_seconds=5, memory_bytes=256 * 1024 * 1024, processes=16, output_bytes=4096,
              disk_bytes=2 * 1024 * 1024)  # fmt: skip
PROBE_TEST = {
    "tests/test_probe.py": b"from attack import probe\n\ndef test_probe():\n    assert probe() == 'contained'\n"
}
SANITY = {
    "tests/test_sanity.py": b"from attack import probe\n\n"
    b"def test_probe():\n    assert probe() == 'contained'\n\n"
    b"def test_arithmetic():\n    assert 1 + 1 == 2\n"
}


def run(source: str, tests: dict[str, bytes] = PROBE_TEST, limits: Limits = FAST, **kwargs):
    return run_python_lab(submission={"attack.py": source.encode()}, hidden_tests=tests, limits=limits, **kwargs)


def outcomes(report) -> dict[str, str]:
    return {test["name"]: test["outcome"] for test in report.tests}


def sandbox_processes_left() -> list[int]:
    left = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
                uid = int(status.split("Uid:")[1].split()[0])
            except (OSError, IndexError, ValueError):
                continue
            # a zombie holds no memory or CPU; init reaps the sandboxes' inner processes a moment later
            if UID_RANGE[0] <= uid <= UID_RANGE[1] + 1 and "(zombie)" not in status:
                left.append(int(entry.name))
    return left


def assert_worker_survives():
    """Nothing of the run is left running, and the next, honest run still grades."""
    assert sandbox_processes_left() == []
    honest = run("def probe():\n    return 'contained'\n")
    assert honest.status == "completed" and outcomes(honest) == {"test_probe.py::test_probe": "passed"}


def test_a_probe_that_reports_success_passes():
    report = run("def probe():\n    print('hello from the sandbox')\n    return 'contained'\n", SANITY)
    assert report.status == "completed"
    assert outcomes(report) == {"test_sanity.py::test_probe": "passed", "test_sanity.py::test_arithmetic": "passed"}
    assert report.output == "hello from the sandbox\n"


def test_infinite_loop_is_stopped_at_the_time_limit():
    started = time.monotonic()
    report = run("def probe():\n    while True:\n        pass\n", SANITY)
    assert time.monotonic() - started < FAST.wall_seconds + 8
    assert report.status == "completed"  # the harness still reported: the loop failed its test only
    tests = {test["name"]: test for test in report.tests}
    assert tests["test_sanity.py::test_probe"]["outcome"] == "failed"
    assert "time limit" in tests["test_sanity.py::test_probe"]["message"]
    assert tests["test_sanity.py::test_arithmetic"]["outcome"] == "passed"
    assert_worker_survives()


def test_sleeping_past_the_timeout_is_stopped():
    started = time.monotonic()
    report = run("import time\n\ndef probe():\n    time.sleep(600)\n    return 'contained'\n")
    assert time.monotonic() - started < FAST.wall_seconds + 8
    assert outcomes(report) == {"test_probe.py::test_probe": "failed"}
    assert "time limit" in report.tests[0]["message"]
    assert_worker_survives()


def test_a_loop_at_import_time_is_stopped():
    report = run("while True:\n    pass\n")
    assert outcomes(report) == {"test_probe.py": "error"}  # the test module's import failed
    assert "time limit" in report.tests[0]["message"]
    assert_worker_survives()


def test_fork_bomb_is_capped_by_the_process_limit():
    source = (
        "import os\n\n"
        "def probe():\n"
        "    children = 0\n"
        "    try:\n"
        "        for _ in range(10_000):\n"
        "            if os.fork() == 0:\n"
        "                import time\n"
        "                time.sleep(600)\n"
        "                os._exit(0)\n"
        "            children += 1\n"
        "    except OSError:\n"
        f"        return 'contained' if children < {FAST.processes} else children\n"
        "    return children\n"
    )
    report = run(source)
    assert outcomes(report) == {"test_probe.py::test_probe": "passed"}
    assert_worker_survives()  # the sleeping children died with the sandbox's pid namespace


def test_memory_hog_gets_a_memory_error():
    report = run("def probe():\n    hog = bytearray(4 * 1024 ** 3)\n    return 'contained'\n")
    assert outcomes(report) == {"test_probe.py::test_probe": "failed"}
    assert "MemoryError" in report.tests[0]["message"]
    assert_worker_survives()


def test_filling_the_disk_stops_at_the_work_directory_quota():
    source = (
        "import errno\n\n"
        "def probe():\n"
        "    written = 0\n"
        "    try:\n"
        "        with open('/work/fill.bin', 'wb') as handle:\n"
        "            while written < 1024 ** 3:\n"
        "                handle.write(b'x' * 65536)\n"
        "                handle.flush()\n"
        "                written += 65536\n"
        "    except OSError as error:\n"
        f"        return 'contained' if written <= {FAST.disk_bytes} else written\n"
        "    return written\n"
    )
    report = run(source)
    assert outcomes(report) == {"test_probe.py::test_probe": "passed"}
    for path in ("/usr/evil", "/evil", "/tmp/../evil"):
        escape = (
            f"def probe():\n    try:\n        open({path!r}, 'w')\n    except OSError:\n        return 'contained'\n"
        )
        assert outcomes(run(escape)) == {"test_probe.py::test_probe": "passed"}, path
    assert_worker_survives()


def test_huge_output_is_capped():
    report = run("def probe():\n    for _ in range(20000):\n        print('x' * 1000)\n    return 'contained'\n")
    assert outcomes(report) == {"test_probe.py::test_probe": "passed"}
    assert len(report.output.encode()) == FAST.output_bytes and report.output_truncated
    assert_worker_survives()


def test_the_hidden_tests_and_other_submissions_are_out_of_reach():
    # another run's directory beside this one, readable by anyone on the host
    neighbour = Path(tempfile.mkdtemp(prefix="sigma-lab-neighbour-"))
    neighbour.chmod(0o755)
    (neighbour / "solution.py").write_text("SECRET_ANSWER = 42\n")
    (neighbour / "solution.py").chmod(0o644)
    tests = {
        "tests/test_probe.py": b"from attack import probe\n\ndef test_probe():\n    assert probe() == 'contained'\n",
        "tests/answers.txt": b"SECRET_ANSWER",
    }
    source = (
        "import os\n\n"
        "def probe():\n"
        "    found = []\n"
        f"    for path in [{str(neighbour / 'solution.py')!r}, '/tests/answers.txt', '/tests/tests/answers.txt',\n"
        "                 '/work/main/.env', '/root/.bash_history', '/etc/passwd', '/proc/1/environ']:\n"
        "        try:\n"
        "            if 'SECRET_ANSWER' in open(path).read():\n"
        "                found.append(path)\n"
        "        except OSError:\n"
        "            pass\n"
        "    for folder, dirs, files in os.walk('/'):\n"
        "        if folder.startswith(('/proc', '/usr', '/sys')):\n"
        "            dirs[:] = []\n"
        "            continue\n"
        "        for name in files:\n"
        "            if name in ('answers.txt', 'solution.py', 'test_probe.py'):\n"
        "                found.append(os.path.join(folder, name))\n"
        "    return 'contained' if not found else found\n"
    )
    try:
        report = run(source, tests)
    finally:
        shutil.rmtree(neighbour)
    assert outcomes(report) == {"test_probe.py::test_probe": "passed"}, report.tests
    assert_worker_survives()


def test_sockets_reach_nothing():
    source = (
        "import socket\n\n"
        "def probe():\n"
        "    reached = []\n"
        "    for address in [('127.0.0.1', 5432), ('127.0.0.1', 6379), ('1.1.1.1', 53)]:\n"
        "        s = socket.socket()\n"
        "        s.settimeout(1)\n"
        "        try:\n"
        "            s.connect(address)\n"
        "            reached.append(address)\n"
        "        except OSError:\n"
        "            pass\n"
        "    try:\n"
        "        socket.getaddrinfo('pypi.org', 443)\n"
        "        reached.append('dns')\n"
        "    except OSError:\n"
        "        pass\n"
        "    return 'contained' if not reached else reached\n"
    )
    assert outcomes(run(source)) == {"test_probe.py::test_probe": "passed"}
    assert_worker_survives()


def test_the_student_runs_as_an_unprivileged_user():
    source = "import os\n\ndef probe():\n    return 'contained' if os.getuid() != 0 and os.geteuid() != 0 else 'root'\n"
    assert outcomes(run(source)) == {"test_probe.py::test_probe": "passed"}


# --- forging the result -----------------------------------------------------------------------------


FORGED_REPORT = '{"tests": [{"name": "test_probe.py::test_probe", "outcome": "passed", "message": "", "duration": 0}]}'


def test_writing_a_fake_report_on_every_descriptor_changes_nothing():
    source = (
        "import os\n"
        f"FAKE = {FORGED_REPORT!r}.encode()\n"
        "for fd in range(0, 1024):\n"
        "    try:\n"
        "        os.write(fd, FAKE)\n"
        "        os.close(fd)\n"
        "    except OSError:\n"
        "        pass\n"
        "print(FAKE.decode())\n\n"
        "def probe():\n"
        "    return 'forged'\n"
    )
    report = run(source)
    assert report.passed == 0
    assert_worker_survives()


def test_an_object_that_equals_everything_does_not_pass():
    source = (
        "class Anything:\n    def __eq__(self, other):\n        return True\n\n"
        "class Number(float):\n    def __eq__(self, other):\n        return True\n\n"
        "class Text(str):\n    def __eq__(self, other):\n        return True\n\n"
        "def probe():\n    return Anything()\n\n"
        "def probe_float():\n    return Number(1.0)\n\n"
        "def probe_text():\n    return Text('x')\n"
    )
    tests = {
        "tests/test_probe.py": b"from attack import probe, probe_float, probe_text\n\n"
        b"def test_object():\n    assert probe() == 'contained'\n\n"
        b"def test_float():\n    assert probe_float() == 2.0\n\n"
        b"def test_text():\n    assert probe_text() == 'contained'\n"
    }
    report = run(source, tests)
    assert report.status == "completed" and report.passed == 0 and len(report.tests) == 3


def test_monkeypatching_pytest_or_exiting_early_does_not_pass():
    source = (
        "import os, sys\n"
        "try:\n"
        "    import _pytest.runner, pytest\n"
        "    _pytest.runner.call_and_report = lambda *a, **k: None\n"
        "    pytest.fail = lambda *a, **k: None\n"
        "except ImportError:\n"
        "    pass\n"
        "def probe():\n"
        "    try:\n"
        "        os.kill(-1, 9)\n"  # everything this sandbox's user may signal: its own pid namespace only
        "    except OSError:\n"
        "        pass\n"
        "    os._exit(0)\n"
    )
    report = run(source)
    assert report.status == "completed" and report.passed == 0
    assert "ended" in report.tests[0]["message"]
    assert_worker_survives()


def test_a_garbage_protocol_answer_fails_the_test_only():
    source = (
        "import os\n\n"
        "def probe():\n"
        '    os.write(4, b\'{"id": 2, "ok": {"$nd": {"dtype": "O", "shape": [1], "data": [1]}}}\\n\')\n'
        "    os.write(4, b'not json at all\\n')\n"
        "    return 'contained'\n"
    )
    report = run(source)
    assert report.status == "completed" and report.passed == 0
