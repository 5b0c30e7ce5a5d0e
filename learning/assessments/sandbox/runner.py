"""Run a lab's hidden tests against one submission in two bubblewrap sandboxes and return the report.

Contract: ``run_python_lab(...)`` never imports or executes student code in the calling process. It writes
the submission and the hidden tests into a fresh run directory, then starts

* the **student host** (``inside/host.py``) in sandbox S: only the submission (read-only at ``/submission``,
  copied into a size-capped tmpfs ``/work``), no network, no other host path but ``/usr``, its own pid, ipc,
  uts, network and user namespaces, an unprivileged uid of its own, rlimits for CPU, address space,
  processes, file size and open files; and
* the **harness** (``inside/harness.py``) in sandbox H: the hidden tests read-only at ``/tests``, never the
  submission. It runs pytest; the submission's modules are proxies whose every use is a request to S over
  a pipe pair.

The score comes only from the JSON the harness writes on a third pipe that S never holds (different
process, different pid namespace, different uid). Student code can answer the harness's questions wrongly
or not at all, but it cannot write the report nor evaluate an assertion. The wall clock is enforced here:
both process groups are killed at the deadline (``--die-with-parent`` also kills them if this process
dies), so a hostile submission ends as a report, never as a stuck or dead worker.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

INSIDE = Path(__file__).resolve().parent / "inside"
BWRAP = "/usr/bin/bwrap"
PRLIMIT = "/usr/bin/prlimit"
SANDBOX_PYTHON = "/usr/bin/python3"
UID_RANGE = (200_000, 1_200_000)  # an unused uid per run, so RLIMIT_NPROC counts this run only
HARNESS_MEMORY = 1024 * 1024 * 1024
HARNESS_PROCESSES = 32
HARNESS_OUTPUT = 64 * 1024
REPORT_LIMIT = 4 * 1024 * 1024
GRACE_SECONDS = 5.0
HOST_EXIT_WAIT = 2.0
# bwrap exits 128 + the signal that ended the sandboxed process: RLIMIT_CPU's SIGXCPU (soft) or SIGKILL (hard)
CPU_EXIT_CODES = {128 + signal.SIGXCPU, 128 + signal.SIGKILL}
CPU_EXCEEDED = "CPU time limit exceeded ({seconds} s of CPU): the submission's process was stopped."
# Paths inside the sandbox: each is a fresh, size-capped tmpfs of that sandbox alone.
SANDBOX_TMP = "/tmp"  # noqa: S108
SANDBOX_SHM = "/dev/shm"  # noqa: S108

PATH_INVALID = "“{path}” is not a safe relative file path."

_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}
_UNITS["Ti"] = 1024**4


class SandboxUnavailable(Exception):
    """bubblewrap, prlimit or the sandbox interpreter is missing on this server."""


@dataclass(frozen=True)
class Limits:
    """What a run may use. ``wall_seconds`` is enforced by the runner, the rest by rlimits and tmpfs sizes."""

    wall_seconds: float = 30.0
    cpu_seconds: int = 31
    memory_bytes: int = 512 * 1024 * 1024
    processes: int = 32
    output_bytes: int = 64 * 1024
    disk_bytes: int = 32 * 1024 * 1024
    open_files: int = 128


@dataclass
class RunReport:
    status: str  # "completed" (the harness reported) or "error"
    error: str = ""
    tests: list[dict] = field(default_factory=list)
    compile_errors: list[dict] = field(default_factory=list)
    timed_out: bool = False
    cpu_time_exceeded: bool = False
    output: str = ""
    output_truncated: bool = False
    harness_output: str = ""
    student_exit: int | None = None
    duration_seconds: float = 0.0
    limits: dict = field(default_factory=dict)
    runner: str = "bubblewrap/python"

    @property
    def passed(self) -> int:
        return sum(1 for test in self.tests if test.get("outcome") == "passed")

    def as_json(self) -> dict:
        data = asdict(self)
        data["passed"] = self.passed
        data["total"] = len(self.tests)
        return data


def parse_quantity(text: str | None) -> int | None:
    """Bytes of a Kubernetes-style quantity (``512Mi``, ``1Gi``, ``2G``); None when absent or malformed."""
    match = re.fullmatch(r"([0-9]+)(Ki|Mi|Gi|Ti|K|M|G|T)?", (text or "").strip())
    if not match:
        return None
    return int(match.group(1)) * _UNITS[match.group(2) or ""]


def parse_cpu(text: str | None) -> float | None:
    """CPUs of a Kubernetes-style CPU quantity (``500m`` = 0.5, ``1``, ``1.5``); None when absent or malformed."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(m?)", (text or "").strip())
    if not match:
        return None
    cpus = float(match.group(1)) / (1000 if match.group(2) else 1)
    return cpus if cpus > 0 else None


def cpu_seconds_for(*, cpu_limit: str | None, wall_seconds: float, ceiling: int) -> int:
    """The run's CPU-time budget (RLIMIT_CPU of the student's process): ``cpu_limit`` CPUs for the whole wall
    clock, e.g. ``500m`` for 10 s = 5 CPU seconds; without a ``cpu_limit`` one CPU for the wall clock plus 1 s
    (the wall clock then ends a busy loop first). At least 1, never above the server's ``ceiling``."""
    cpus = parse_cpu(cpu_limit)
    seconds = math.ceil(wall_seconds) + 1 if cpus is None else math.ceil(cpus * wall_seconds)
    return max(1, min(seconds, ceiling))


def limits_from_payload(payload: dict, *, ceiling: Limits) -> Limits:
    """The lab's limits (``timeout_seconds``, ``cpu_limit``, ``memory_limit``), never above the server's
    ``ceiling``."""
    wall = float(payload.get("timeout_seconds") or ceiling.wall_seconds)
    wall = max(1.0, min(wall, ceiling.wall_seconds))
    memory = parse_quantity(payload.get("memory_limit")) or ceiling.memory_bytes
    memory = max(64 * 1024 * 1024, min(memory, ceiling.memory_bytes))
    return Limits(
        wall_seconds=wall,
        cpu_seconds=cpu_seconds_for(cpu_limit=payload.get("cpu_limit"), wall_seconds=wall, ceiling=ceiling.cpu_seconds),
        memory_bytes=memory,
        processes=ceiling.processes,
        output_bytes=ceiling.output_bytes,
        disk_bytes=ceiling.disk_bytes,
        open_files=ceiling.open_files,
    )


def safe_relative_path(path: str) -> str:
    """The normalised form of a relative path inside a work directory; ValueError for anything else."""
    if not path or "\x00" in path or "\\" in path:
        raise ValueError(PATH_INVALID.format(path=path))
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in pure.parts) or len(pure.parts) > 8:
        raise ValueError(PATH_INVALID.format(path=path))
    return pure.as_posix()


def top_level_modules(paths: list[str]) -> list[str]:
    """Names a test can import from the submission: ``x.py`` gives ``x``, ``pkg/__init__.py`` gives ``pkg``."""
    names = set()
    for path in paths:
        parts = PurePosixPath(path).parts
        if len(parts) == 1 and parts[0].endswith(".py"):
            names.add(parts[0][:-3])
        elif len(parts) > 1 and parts[-1] == "__init__.py":
            names.add(parts[0])
    return sorted(name for name in names if name.isidentifier())


def check_available(python: str = SANDBOX_PYTHON) -> None:
    for tool in (BWRAP, PRLIMIT, python):
        if not os.access(tool, os.X_OK):
            raise SandboxUnavailable(f"{tool} is not installed on this server.")


class _CappedReader(threading.Thread):
    """Drains a pipe, keeping the first ``limit`` bytes (the rest is counted and discarded)."""

    def __init__(self, fd: int, limit: int):
        super().__init__(daemon=True)
        self.fd, self.limit = fd, limit
        self.chunks: list[bytes] = []
        self.kept = 0
        self.total = 0

    def run(self) -> None:
        try:
            while True:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                self.total += len(chunk)
                if self.kept < self.limit:
                    piece = chunk[: self.limit - self.kept]
                    self.chunks.append(piece)
                    self.kept += len(piece)
        except OSError:
            pass
        finally:
            os.close(self.fd)

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def truncated(self) -> bool:
        return self.total > self.kept


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    root.mkdir(mode=0o755)
    for path, content in files.items():
        target = root / safe_relative_path(path)
        for parent in reversed(target.relative_to(root).parents):
            (root / parent).mkdir(mode=0o755, exist_ok=True)
        target.write_bytes(content)
        target.chmod(0o644)


def _bwrap(*, binds: list[tuple[str, str]], writable_work: bool, limits: Limits, env: dict[str, str]) -> list[str]:
    args = [
        BWRAP,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--uid", "65534", "--gid", "65534",
        "--hostname", "sandbox",
        "--die-with-parent",
        "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/sbin", "/sbin",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", "65536", "--tmpfs", SANDBOX_SHM,
        "--size", str(limits.disk_bytes), "--tmpfs", SANDBOX_TMP,
        "--ro-bind", str(INSIDE), "/sandbox",
        # Debian's shared-library alternatives (NumPy's libblas) and the loader cache; nothing secret
        "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
    ]  # fmt: skip
    for source, target in binds:
        args += ["--ro-bind", source, target]
    if writable_work:
        args += ["--size", str(limits.disk_bytes), "--tmpfs", "/work", "--chdir", "/work"]
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args


def _prlimit(*, cpu: int, memory: int, processes: int, file_size: int, open_files: int) -> list[str]:
    # CPU: SIGXCPU at the soft limit (Python dies of it), SIGKILL one second later for code that ignores it
    return [
        PRLIMIT,
        f"--cpu={cpu}:{cpu + 1}",
        f"--as={memory}",
        f"--nproc={processes}",
        f"--fsize={file_size}",
        f"--nofile={open_files}",
        "--core=0",
        "--",
    ]


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _pick_uids() -> tuple[int | None, int | None]:
    if os.geteuid() != 0:
        return None, None  # not root: both sandboxes run as the worker's own user (see docs/labs.md)
    student = random.randrange(*UID_RANGE)
    return student, student + 1


def run_python_lab(
    *,
    submission: dict[str, bytes],
    hidden_tests: dict[str, bytes],
    limits: Limits,
    env: dict[str, str] | None = None,
    python: str = SANDBOX_PYTHON,
    work_root: str | None = None,
) -> RunReport:
    """Grade ``submission`` (relative path → bytes) with the pytest files of ``hidden_tests``."""
    check_available(python)
    started = time.monotonic()
    base_env = {
        "PATH": "/usr/bin:/bin",
        "HOME": SANDBOX_TMP,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    sandbox_env = {**(env or {}), **base_env}
    run_dir = Path(tempfile.mkdtemp(prefix="sigma-lab-", dir=work_root))
    processes: list[subprocess.Popen] = []
    readers: list[_CappedReader] = []
    report = RunReport(status="error", limits=asdict(limits))
    try:
        run_dir.chmod(0o711)
        _write_tree(run_dir / "submission", submission)
        _write_tree(run_dir / "tests", hidden_tests)
        student_uid, harness_uid = _pick_uids()
        request_r, request_w = os.pipe()
        response_r, response_w = os.pipe()
        report_r, report_w = os.pipe()
        student_out_r, student_out_w = os.pipe()
        harness_out_r, harness_out_w = os.pipe()

        host_command = (
            _prlimit(
                cpu=limits.cpu_seconds,
                memory=limits.memory_bytes,
                processes=limits.processes,
                file_size=limits.disk_bytes,
                open_files=limits.open_files,
            )
            + _bwrap(
                binds=[(str(run_dir / "submission"), "/submission")],
                writable_work=True,
                limits=limits,
                env=sandbox_env,
            )
            + [python, "-I", "-B", "/sandbox/host.py", str(request_r), str(response_w)]
        )
        harness_command = (
            _prlimit(
                cpu=math.ceil(limits.wall_seconds) + 5,
                memory=HARNESS_MEMORY,
                processes=HARNESS_PROCESSES,
                file_size=16 * 1024 * 1024,
                open_files=256,
            )
            + _bwrap(binds=[(str(run_dir / "tests"), "/tests")], writable_work=False, limits=limits, env=sandbox_env)
            + [
                python,
                "-I",
                "-B",
                "/sandbox/harness.py",
                str(request_w),
                str(response_r),
                str(report_w),
                str(limits.wall_seconds),
                ",".join(top_level_modules(list(submission))),
            ]
        )
        common = {"stdin": subprocess.DEVNULL, "start_new_session": True, "env": {}, "close_fds": True}
        host = subprocess.Popen(  # noqa: S603 - a fixed command; the paths are ours
            host_command,
            stdout=student_out_w,
            stderr=student_out_w,
            pass_fds=(request_r, response_w),
            **common,
            **({"user": student_uid, "group": student_uid, "extra_groups": []} if student_uid else {}),
        )
        processes.append(host)
        harness = subprocess.Popen(  # noqa: S603 - a fixed command; the paths are ours
            harness_command,
            stdout=harness_out_w,
            stderr=harness_out_w,
            pass_fds=(request_w, response_r, report_w),
            **common,
            **({"user": harness_uid, "group": harness_uid, "extra_groups": []} if harness_uid else {}),
        )
        processes.append(harness)
        for fd in (request_r, request_w, response_r, response_w, report_w, student_out_w, harness_out_w):
            os.close(fd)
        for fd, limit in (
            (report_r, REPORT_LIMIT),
            (student_out_r, limits.output_bytes),
            (harness_out_r, HARNESS_OUTPUT),
        ):
            reader = _CappedReader(fd, limit)
            reader.start()
            readers.append(reader)

        try:
            harness.wait(timeout=limits.wall_seconds + GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            report.timed_out = True
        with contextlib.suppress(subprocess.TimeoutExpired):
            host.wait(timeout=0 if report.timed_out else HOST_EXIT_WAIT)  # it ends on the harness's "bye" or EOF
        report.student_exit = host.poll()
    finally:
        for process in processes:
            _kill_group(process)
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        for reader in readers:
            reader.join(timeout=10)
        shutil.rmtree(run_dir, ignore_errors=True)

    report_reader, student_reader, harness_reader = readers
    report.output = student_reader.data.decode("utf-8", "replace")
    report.output_truncated = student_reader.truncated
    report.harness_output = harness_reader.data.decode("utf-8", "replace")
    report.duration_seconds = round(time.monotonic() - started, 3)
    if report.timed_out:
        report.error = f"The run did not finish within the time limit ({limits.wall_seconds:g} s) and was stopped."
        return report
    try:
        data = json.loads(report_reader.data) if not report_reader.truncated else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        report.error = "The test harness did not produce a report."
        return report
    report.tests = [
        {
            "name": str(test.get("name", ""))[:300],
            "outcome": str(test.get("outcome", "error"))[:20],
            "message": str(test.get("message", ""))[:4000],
            "duration": float(test.get("duration", 0.0)),
        }
        for test in data["tests"]
        if isinstance(test, dict)
    ]
    report.compile_errors = [e for e in data.get("compile_errors", []) if isinstance(e, dict)][:50]
    if data.get("harness_error") and not report.tests:
        report.error = str(data["harness_error"])[:2000]
        return report
    if not report.tests:
        report.error = "The hidden tests define no test."
        return report
    report.status = "completed"
    _mark_cpu_exceeded(report, limits)
    return report


def _mark_cpu_exceeded(report: RunReport, limits: Limits) -> None:
    """When RLIMIT_CPU ended the student's process, say so on the run and on the tests it made fail (the
    harness only saw the process go away)."""
    if report.student_exit not in CPU_EXIT_CODES:
        return
    report.cpu_time_exceeded = True
    message = CPU_EXCEEDED.format(seconds=limits.cpu_seconds)
    report.error = message
    for test in report.tests:
        if test["outcome"] != "passed" and "the submission's process" in test["message"]:
            test["message"] = f"{message} ({test['message']})"
