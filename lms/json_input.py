"""Parsing JSON that came from outside (request bodies, form fields): bounded, never a 500.

Contract: ``parse_json(data, *, max_depth=MAX_DEPTH, max_bytes=MAX_BYTES, parse_constant=None)`` answers
the parsed value or raises :class:`JsonInputError` (a ``ValueError``) whose ``message`` is one of the
constants below, for text that is not UTF-8, not JSON, larger than ``max_bytes`` or nested deeper than
``max_depth`` arrays/objects. The depth is measured on the raw text *before* parsing (string contents
skipped), so ``[`` x 100,000 costs one linear scan, never Python's recursion limit (a ``RecursionError``
in the decoder, or later in any code that walks the value or in PostgreSQL's jsonb, which caps nesting
too). ``parse_constant`` is passed to ``json.loads`` (the prompt API refuses ``NaN``/``Infinity`` with it).

:class:`SafeJSONFormField` is Django's ``forms.JSONField`` with the same limits, for the staff console's
JSON fields (``accounts.admin_policy`` installs it on every scoped admin).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

MAX_DEPTH = 64
MAX_BYTES = 1024 * 1024

NOT_JSON = "The text is not valid JSON."
NOT_UTF8 = "The text is not UTF-8."
TOO_DEEP = "The JSON nests arrays and objects deeper than {max_depth} levels."
TOO_LARGE = "The JSON is larger than {max_bytes} bytes."

# A JSON string literal (escapes included), removed before counting brackets: "[" inside one is text.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_DEPTH_STEP = str.maketrans({"[": "\x01", "{": "\x01", "]": "\x02", "}": "\x02"})
_NOT_BRACKET = re.compile(r"[^\x01\x02]+")


class JsonInputError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def nesting_depth(text: str) -> int:
    """The deepest array/object nesting of JSON ``text`` (0 for a scalar), counted without parsing."""
    steps = _NOT_BRACKET.sub("", _STRING.sub("", text).translate(_DEPTH_STEP))
    if not steps:
        return 0
    return max(accumulate(1 if step == "\x01" else -1 for step in steps))


def parse_json(
    data: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_bytes: int = MAX_BYTES,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise JsonInputError(TOO_LARGE.format(max_bytes=max_bytes))
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JsonInputError(NOT_UTF8) from None
    if nesting_depth(data) > max_depth:
        raise JsonInputError(TOO_DEEP.format(max_depth=max_depth))
    try:
        return json.loads(data, parse_constant=parse_constant)
    except RecursionError:  # not reachable past the depth check; kept so no input can ever be a 500
        raise JsonInputError(TOO_DEEP.format(max_depth=max_depth)) from None
    except ValueError as error:
        if isinstance(error, JsonInputError):
            raise
        raise JsonInputError(NOT_JSON) from None


class SafeJSONFormField(forms.JSONField):
    """``forms.JSONField`` that refuses over-deep or over-large input as a field error."""

    def to_python(self, value):
        if isinstance(value, str) and not self.disabled and value not in self.empty_values:
            try:
                parse_json(value)
            except JsonInputError as error:
                raise ValidationError(error.message, code="invalid") from None
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, str):
            try:
                parse_json(data)
            except JsonInputError:
                return forms.fields.InvalidJSONInput(data)
        return super().bound_data(data, initial)
