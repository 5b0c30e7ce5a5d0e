"""The student host: the only process that imports or runs a submission's code. Runs inside the student
sandbox (no network, read-only system, a size-capped tmpfs work directory, an unprivileged uid, rlimits).

Usage: ``python3 -I -B /sandbox/host.py REQUEST_FD RESPONSE_FD``. It copies ``/submission`` (read-only) into
``/work``, compiles every ``.py`` file (the compile step, reported in the hello message), then serves the
harness's requests: import a module, get an attribute, call, index, length, iterate, repr. Anything that
cannot cross as a value crosses as a reference kept in a table here. Calls from the submission into a
callable the test passed (``$cb``) go back to the harness and wait for its answer.

Nothing this process writes decides a grade: the harness, in another sandbox, evaluates the assertions and
reports to the runner on a pipe this process does not hold.
"""

import os
import shutil
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wire  # noqa: E402

SUBMISSION = "/submission"
WORK = "/work"
MAX_ITEMS = 100_000


class Host:
    def __init__(self, channel: wire.Channel):
        self.channel = channel
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}
        self.next_ref = 1
        self.next_callback = 1

    def make_ref(self, value) -> dict:
        key = id(value)
        if key not in self.ids:
            self.ids[key] = self.next_ref
            self.objects[self.next_ref] = value
            self.next_ref += 1
        kind = "callable" if callable(value) else "object"
        try:
            text = repr(value)[:200]
        except Exception:
            text = f"<{type(value).__name__}>"
        return {"$ref": self.ids[key], "kind": kind, "repr": text}

    def resolve(self, tag: dict):
        if "$ref" in tag:
            return self.objects[int(tag["$ref"])]
        number = int(tag["$cb"])
        host = self

        def callback(*args, **kwargs):
            return host.call_back(number, args, kwargs)

        callback.__name__ = f"test_callable_{number}"
        return callback

    def call_back(self, number: int, args, kwargs):
        self.next_callback += 1
        cid = self.next_callback
        self.channel.send(
            {
                "cb": number,
                "cid": cid,
                "args": wire.encode(list(args), make_ref=self.make_ref),
                "kwargs": wire.encode(dict(kwargs), make_ref=self.make_ref),
            }
        )
        while True:
            message = self.channel.receive()
            if message.get("cid") == cid:
                if "raise" in message:
                    raise RuntimeError(f"the test's callable raised {message['raise'].get('type')}")
                return wire.decode(message.get("ok"), resolve=self.resolve)
            self.answer(message)  # a nested request (the callback called into the submission again)

    def perform(self, message: dict):
        op = message.get("op")
        if op == "import":
            import importlib

            return importlib.import_module(str(message["module"]))
        target = wire.decode(message.get("target"), resolve=self.resolve)
        if op == "getattr":
            return getattr(target, str(message["name"]))
        if op == "call":
            args = wire.decode(message.get("args", []), resolve=self.resolve)
            kwargs = wire.decode(message.get("kwargs", {"$d": []}), resolve=self.resolve)
            return target(*args, **kwargs)
        if op == "getitem":
            return target[wire.decode(message.get("key"), resolve=self.resolve)]
        if op == "len":
            return len(target)
        if op == "iter":
            items = []
            for item in target:
                items.append(item)
                if len(items) > MAX_ITEMS:
                    raise ValueError("too many items to iterate over")
            return items
        if op == "repr":
            return repr(target)[:2000]
        raise ValueError(f"unknown operation {op!r}")

    def answer(self, message: dict) -> None:
        number = message.get("id")
        try:
            result = self.perform(message)
            reply = {"id": number, "ok": wire.encode(result, make_ref=self.make_ref)}
        except BaseException as error:  # the submission's error, reported to the test
            if isinstance(error, wire.WireError):
                raise
            reply = {
                "id": number,
                "raise": {
                    "type": type(error).__name__[:100],
                    "message": str(error)[:2000],
                    "traceback": traceback.format_exc(limit=8)[-4000:],
                },
            }
        self.channel.send(reply)

    def serve(self) -> None:
        while True:
            try:
                message = self.channel.receive()
            except wire.WireError:
                return
            if message.get("op") == "bye":
                return
            self.answer(message)


def copy_and_compile() -> list[dict]:
    """Copy the read-only submission into the writable work directory and compile every Python file."""
    errors = []
    for entry in os.listdir(SUBMISSION):
        source, target = os.path.join(SUBMISSION, entry), os.path.join(WORK, entry)
        if os.path.isdir(source):
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
    for folder, _dirs, files in os.walk(WORK):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as handle:
                    compile(handle.read(), os.path.relpath(path, WORK), "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as error:
                errors.append({"path": os.path.relpath(path, WORK), "message": f"{type(error).__name__}: {error}"})
    return errors


def main() -> None:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    channel = wire.Channel(request_fd, response_fd)
    os.chdir(WORK)
    try:
        compile_errors = copy_and_compile()
    except OSError as error:
        channel.send({"hello": {"compile_errors": [{"path": "", "message": f"copying the submission: {error}"}]}})
        return
    sys.path.insert(0, WORK)
    sys.path.remove(os.path.dirname(os.path.abspath(__file__)))
    channel.send({"hello": {"compile_errors": compile_errors}})
    Host(channel).serve()


if __name__ == "__main__":
    main()
