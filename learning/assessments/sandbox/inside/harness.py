"""The test harness: runs a lab's hidden pytest tests in the harness sandbox and writes the only report the
grader reads, on a pipe only this process holds.

Usage: ``python3 -I -B /sandbox/harness.py REQUEST_FD RESPONSE_FD REPORT_FD DEADLINE_SECONDS MODULES``
(``MODULES``: comma-separated top-level names of the submission). The submission's modules are never
imported here: an import finder hands the tests a proxy module, and every attribute, call, index, length or
iteration is a request to the student host in the other sandbox. Plain values (numbers, strings, lists,
tuples, dicts, sets, bytes, complex, numeric numpy arrays) come back as values; anything else as a
``RemoteObject`` that compares by identity only, so a student object cannot forge ``==``. A callable a test
passes to student code stays here and is called back over the wire.
"""

import importlib.abc
import importlib.machinery
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import contextlib

import wire  # noqa: E402

MESSAGE_LIMIT = 4000
BUILTIN_ERRORS = {
    name: value
    for name, value in vars(__import__("builtins")).items()
    if isinstance(value, type) and issubclass(value, Exception)
}


class StudentCodeError(Exception):
    """The submission raised an exception that is not one of Python's built-in ones."""


class SubmissionUnavailable(Exception):
    """The student host crashed, was killed, stopped answering or broke the protocol."""


class Connection:
    def __init__(self, channel: wire.Channel, deadline: float):
        self.channel = channel
        self.deadline = deadline
        self.callbacks: dict[int, object] = {}
        self.callback_ids: dict[int, int] = {}
        self.next_id = 0
        self.broken: str | None = None

    # values -------------------------------------------------------------------------------------------
    def make_ref(self, value) -> dict:
        if isinstance(value, RemoteObject):
            return {"$ref": value._ref}
        if callable(value):
            key = id(value)
            if key not in self.callback_ids:
                self.callback_ids[key] = len(self.callbacks) + 1
                self.callbacks[self.callback_ids[key]] = value
            return {"$cb": self.callback_ids[key]}
        raise TypeError(f"a {type(value).__name__} cannot be passed to the submission's code")

    def resolve(self, tag: dict):
        if "$cb" in tag:
            return self.callbacks[int(tag["$cb"])]
        return RemoteObject(self, int(tag["$ref"]), str(tag.get("kind", "object")), str(tag.get("repr", ""))[:200])

    # requests -----------------------------------------------------------------------------------------
    def request(self, op: str, **fields):
        __tracebackhide__ = True  # pytest shows the test's line, not the wire's
        if self.broken:
            raise SubmissionUnavailable(self.broken)
        self.next_id += 1
        number = self.next_id
        try:
            self.channel.send({"id": number, "op": op, **fields})
            while True:
                message = self.channel.receive(self.deadline)
                if "cb" in message:
                    self._run_callback(message)
                    continue
                if message.get("id") != number:
                    raise wire.WireError("an answer to a question that was not asked")
                break
            failure = message.get("raise")
            value = None if failure is not None else wire.decode(message.get("ok"), resolve=self.resolve)
        except wire.WireTimeout:
            self.broken = "the submission's code did not finish within the time limit"
            raise SubmissionUnavailable(self.broken) from None
        except wire.WireError as error:
            self.broken = f"the submission's process ended or broke the protocol ({error})"
            raise SubmissionUnavailable(self.broken) from None
        except (KeyError, ValueError, TypeError, IndexError, OverflowError) as error:
            self.broken = f"the submission's process broke the protocol ({type(error).__name__})"
            raise SubmissionUnavailable(self.broken) from None
        if failure is None:
            return value
        info = failure if type(failure) is dict else {}
        name = str(info.get("type", "Exception"))
        text = str(info.get("message", ""))[:MESSAGE_LIMIT]
        error_class = BUILTIN_ERRORS.get(name, StudentCodeError)
        if error_class is StudentCodeError:
            text = f"{name}: {text}"
        raise error_class(text)

    def _run_callback(self, message: dict) -> None:
        cid = message.get("cid")
        try:
            function = self.callbacks[int(message["cb"])]
            args = wire.decode(message.get("args", []), resolve=self.resolve)
            kwargs = wire.decode(message.get("kwargs", {"$d": []}), resolve=self.resolve)
            result = function(*args, **{str(k): v for k, v in kwargs.items()})
            reply = {"cid": cid, "ok": wire.encode(result, make_ref=self.make_ref)}
        except (wire.WireError, KeyError):
            raise
        except Exception as error:
            reply = {"cid": cid, "raise": {"type": type(error).__name__}}
        self.channel.send(reply)


class RemoteObject:
    """A function, class, module or object living in the student host. Compared by identity only."""

    def __init__(self, connection: Connection, ref: int, kind: str, text: str):
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_text", text)

    def _target(self) -> dict:
        return {"$ref": self._ref}

    def __getattr__(self, name: str):
        __tracebackhide__ = True
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._connection.request("getattr", target=self._target(), name=name)

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True
        make_ref = self._connection.make_ref
        return self._connection.request(
            "call",
            target=self._target(),
            args=wire.encode(list(args), make_ref=make_ref),
            kwargs=wire.encode(dict(kwargs), make_ref=make_ref),
        )

    def __getitem__(self, key):
        __tracebackhide__ = True
        return self._connection.request(
            "getitem", target=self._target(), key=wire.encode(key, make_ref=self._connection.make_ref)
        )

    def __len__(self) -> int:
        __tracebackhide__ = True
        value = self._connection.request("len", target=self._target())
        if type(value) is not int:
            raise TypeError("len() of the submission's object is not an int")
        return value

    def __iter__(self):
        __tracebackhide__ = True
        return iter(self._connection.request("iter", target=self._target()))

    def __repr__(self) -> str:
        return f"<submission {self._kind} {self._text}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, RemoteObject) and other._ref == self._ref

    def __hash__(self) -> int:
        return hash(("remote", self._ref))

    def __bool__(self) -> bool:
        return True


class RemoteModule(RemoteObject):
    pass


class SubmissionFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of the submission's modules with proxies (never with the student's code)."""

    def __init__(self, connection: Connection, names: set[str]):
        self.connection = connection
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        remote = self.connection.request("import", module=spec.name)
        if not isinstance(remote, RemoteObject):
            raise ImportError(f"{spec.name} did not import as a module")
        proxy = RemoteModule(self.connection, remote._ref, "module", spec.name)
        return proxy

    def exec_module(self, module):
        return None


class Collector:
    """A pytest plugin recording each test's outcome, message and duration."""

    def __init__(self):
        self.tests: dict[str, dict] = {}
        self.order: list[str] = []

    def pytest_runtest_logreport(self, report):
        path, _, rest = report.nodeid.partition("::")
        name = os.path.basename(path) + (f"::{rest}" if rest else "")
        entry = self.tests.get(name)
        if entry is None:
            entry = {"name": name, "outcome": "passed", "message": "", "duration": 0.0}
            self.tests[name] = entry
            self.order.append(name)
        entry["duration"] = round(entry["duration"] + float(report.duration), 4)
        if report.when == "call" and report.skipped:
            entry["outcome"] = "skipped"
        elif report.failed:
            entry["outcome"] = "failed" if report.when == "call" else "error"
            entry["message"] = (report.longreprtext or "")[-MESSAGE_LIMIT:]

    def pytest_collectreport(self, report):
        if report.failed:
            name = os.path.basename(report.nodeid.partition("::")[0]) or "collection"
            self.tests[name] = {
                "name": name,
                "outcome": "error",
                "message": (report.longreprtext or "")[-MESSAGE_LIMIT:],
                "duration": 0.0,
            }
            self.order.append(name)


def main() -> None:
    request_fd, response_fd, report_fd = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    deadline = time.monotonic() + float(sys.argv[4])
    names = {name for name in sys.argv[5].split(",") if name}
    channel = wire.Channel(response_fd, request_fd)
    report = {"compile_errors": [], "tests": [], "harness_error": ""}
    try:
        hello = channel.receive(deadline)
        report["compile_errors"] = list(hello.get("hello", {}).get("compile_errors", []))[:50]
    except wire.WireError as error:
        report["harness_error"] = f"the submission's process did not start: {error}"
    connection = Connection(channel, deadline)
    if report["harness_error"]:
        connection.broken = report["harness_error"]

    import pytest

    sys.meta_path.insert(0, SubmissionFinder(connection, names))
    collector = Collector()
    os.chdir("/tmp")  # noqa: S108 - the harness sandbox's own tmpfs
    pytest.main(
        ["/tests", "-q", "--tb=short", "-p", "no:cacheprovider", "--rootdir=/tests"],
        plugins=[collector],
    )
    report["tests"] = [collector.tests[name] for name in collector.order]
    with contextlib.suppress(wire.WireError):
        channel.send({"op": "bye"})
    data = json.dumps(report).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(report_fd, view) :]
    os.close(report_fd)


if __name__ == "__main__":
    main()
