"""The wire between the trusted test harness and the untrusted student host (both run in sandboxes).

Runs under the sandbox's interpreter (Debian's ``/usr/bin/python3``) with no Django and no project imports:
this file is bind-mounted read-only into both sandboxes. Messages are one JSON object per line. Values are
encoded by *exact* type (``type(x) is float``, never ``isinstance``), so a student object that subclasses
``float`` or ``list`` with a forged ``__eq__`` cannot cross as a value: it crosses as an opaque reference
(``$ref``) that the harness compares by identity only. Nothing is ever unpickled.
"""

from __future__ import annotations

import base64
import json
import math
import os
import select
import time

MAX_LINE = 16 * 1024 * 1024  # one message; a longer line is a protocol error
MAX_DEPTH = 64


class WireError(Exception):
    """The other side sent something that is not a message of this protocol, or went away."""


class WireTimeout(WireError):
    """No message before the deadline."""


def _numpy():
    try:
        import numpy

        return numpy
    except Exception:  # numpy is optional (runtime "python")
        return None


_NUMERIC_KINDS = "biufc"


def encode(value, *, make_ref, depth: int = 0):
    """A JSON-able form of ``value``; ``make_ref(obj)`` gives the tagged reference of anything else."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**1000 else {"$bigint": str(value)}
    if kind is float:
        if math.isnan(value):
            return {"$f": "nan"}
        if math.isinf(value):
            return {"$f": "inf" if value > 0 else "-inf"}
        return value
    if kind is complex:
        return {"$c": [encode(value.real, make_ref=make_ref), encode(value.imag, make_ref=make_ref)]}
    if kind is list:
        return [encode(item, make_ref=make_ref, depth=depth + 1) for item in value]
    if kind is tuple:
        return {"$t": [encode(item, make_ref=make_ref, depth=depth + 1) for item in value]}
    if kind in (set, frozenset):
        return {"$s": [encode(item, make_ref=make_ref, depth=depth + 1) for item in value]}
    if kind is dict:
        return {
            "$d": [
                [encode(k, make_ref=make_ref, depth=depth + 1), encode(v, make_ref=make_ref, depth=depth + 1)]
                for k, v in value.items()
            ]
        }
    if kind is bytes:
        return {"$b": base64.b64encode(value).decode("ascii")}
    np = _numpy()
    if np is not None:
        if kind is np.ndarray and value.dtype.kind in _NUMERIC_KINDS:
            flat = [encode(x, make_ref=make_ref) for x in value.ravel().tolist()]
            return {"$nd": {"dtype": value.dtype.str, "shape": list(value.shape), "data": flat}}
        if isinstance(value, np.generic) and type(value).__module__ == "numpy" and value.dtype.kind in _NUMERIC_KINDS:
            return encode(value.item(), make_ref=make_ref, depth=depth + 1)
    return make_ref(value)


def decode(data, *, resolve, depth: int = 0):
    """The value of an encoded form; ``resolve(tag, payload)`` turns ``$ref``/``$cb`` tags into objects."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if data is None or type(data) in (bool, str, int, float):
        return data
    if type(data) is list:
        return [decode(item, resolve=resolve, depth=depth + 1) for item in data]
    if type(data) is not dict or len(data) == 0:
        raise WireError("malformed value")
    if "$f" in data:
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[data["$f"]]
    if "$bigint" in data:
        return int(data["$bigint"])
    if "$c" in data:
        real, imag = data["$c"]
        return complex(float(real), float(imag))
    if "$t" in data:
        return tuple(decode(item, resolve=resolve, depth=depth + 1) for item in data["$t"])
    if "$s" in data:
        return {decode(item, resolve=resolve, depth=depth + 1) for item in data["$s"]}
    if "$d" in data:
        return {
            decode(k, resolve=resolve, depth=depth + 1): decode(v, resolve=resolve, depth=depth + 1)
            for k, v in data["$d"]
        }
    if "$b" in data:
        return base64.b64decode(data["$b"])
    if "$nd" in data:
        np = _numpy()
        spec = data["$nd"]
        if np is None:
            raise WireError("an array arrived but numpy is not available")
        dtype = np.dtype(str(spec["dtype"]))
        if dtype.kind not in _NUMERIC_KINDS:
            raise WireError("array of a non-numeric dtype")
        shape = [int(n) for n in spec["shape"]]
        values = [decode(x, resolve=resolve, depth=depth + 1) for x in spec["data"]]
        return np.array(values, dtype=dtype).reshape(shape)
    if "$ref" in data or "$cb" in data:
        return resolve(data)
    raise WireError("unknown value tag")


class Channel:
    """Line-delimited JSON over two file descriptors, reads bounded in size and time."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.buffer = b""
        self.closed = False

    def send(self, message: dict) -> None:
        data = (json.dumps(message, separators=(",", ":"), allow_nan=False) + "\n").encode()
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.write_fd, view)
                view = view[written:]
        except OSError as error:
            self.closed = True
            raise WireError(f"the other side went away ({error.strerror})") from None

    def receive(self, deadline: float | None = None) -> dict:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise WireError("message too long")
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WireTimeout("no answer before the deadline")
                ready, _, _ = select.select([self.read_fd], [], [], remaining)
                if not ready:
                    raise WireTimeout("no answer before the deadline")
            try:
                chunk = os.read(self.read_fd, 1 << 16)
            except OSError as error:
                raise WireError(f"read failed ({error.strerror})") from None
            if not chunk:
                self.closed = True
                raise WireError("the other side closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            raise WireError("a line that is not JSON") from None
        if type(message) is not dict:
            raise WireError("a message that is not an object")
        return message
