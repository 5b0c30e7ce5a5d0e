"""``{{variable}}`` compilation with the semantics of the official Langfuse Python SDK (``TemplateParser``).

- A variable runs from ``{{`` to the next ``}}``; whitespace inside the braces is trimmed; names are
  case-sensitive.
- A variable that is not supplied stays in place, braces included; ``None`` becomes ``""``; other values go
  through ``str()``. Inserted values are not scanned again, single braces are untouched, nothing is escaped.
- ``strict=True`` (our addition, Langfuse issue #10060) raises ``ValidationError`` naming every missing
  variable (and, for chat prompts, every unfilled placeholder) instead.
- Chat placeholders take a list of message dicts, spliced in place (every key kept, ``role`` defaulting to
  ``"NOT_GIVEN"``, ``content`` compiled); any other value becomes one ``NOT_GIVEN`` message, as in the SDK.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

OPENING = "{{"
CLOSING = "}}"

MISSING_VARIABLES = "Missing variables: {names}."
MISSING_PLACEHOLDERS = "Missing placeholders: {names}."

# The server-side rule for what counts as a variable name (for the variable/placeholder clash check).
VALID_VARIABLE_NAME = re.compile(r"^[^\W\d_]\w*$")


def _next_variable(content: str, start: int) -> tuple[str, int, int] | None:
    var_start = content.find(OPENING, start)
    if var_start == -1:
        return None
    var_end = content.find(CLOSING, var_start)
    if var_end == -1:
        return None
    return content[var_start + len(OPENING) : var_end].strip(), var_start, var_end + len(CLOSING)


def find_variables(content: str) -> list[str]:
    """The variable names in ``content``, in order of appearance, duplicates kept (as the SDK's ``variables``)."""
    names: list[str] = []
    index = 0
    while index < len(content):
        found = _next_variable(content, index)
        if not found:
            break
        names.append(found[0])
        index = found[2]
    return names


def compile_text(template: str, variables: Mapping[str, Any] | None, *, strict: bool = False) -> str:
    if variables is None:
        variables = {}
    if strict:
        missing = sorted({name for name in find_variables(template) if name not in variables})
        if missing:
            raise ValidationError(MISSING_VARIABLES.format(names=", ".join(missing)), code="missing_variables")
    parts: list[str] = []
    index = 0
    while index < len(template):
        found = _next_variable(template, index)
        if not found:
            parts.append(template[index:])
            break
        name, var_start, var_end = found
        parts.append(template[index:var_start])
        if name in variables:
            value = variables[name]
            parts.append("" if value is None else str(value))
        else:
            parts.append(template[var_start:var_end])
        index = var_end
    return "".join(parts)


def chat_variables(messages: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for message in messages:
        if message.get("type") != "placeholder":
            names.extend(find_variables(message.get("content", "")))
    return names


def chat_placeholders(messages: list[dict[str, Any]]) -> list[str]:
    return [message["name"] for message in messages if message.get("type") == "placeholder"]


def compile_chat(
    messages: list[dict[str, Any]], variables: Mapping[str, Any] | None, *, strict: bool = False
) -> list[dict[str, Any]]:
    variables = variables or {}
    if strict:
        missing = sorted({name for name in chat_variables(messages) if name not in variables})
        unfilled = sorted({name for name in chat_placeholders(messages) if name not in variables})
        errors = []
        if missing:
            errors.append(ValidationError(MISSING_VARIABLES.format(names=", ".join(missing)), code="missing_variables"))
        if unfilled:
            errors.append(
                ValidationError(MISSING_PLACEHOLDERS.format(names=", ".join(unfilled)), code="missing_placeholders")
            )
        if errors:
            raise ValidationError(errors)
    compiled: list[dict[str, Any]] = []
    for message in messages:
        if message.get("type") != "placeholder":
            compiled.append({"role": message["role"], "content": compile_text(message["content"], variables)})
            continue
        name = message["name"]
        if name not in variables:
            compiled.append({"type": "placeholder", "name": name})
            continue
        value = variables[name]
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    spliced = dict(item)
                    spliced["role"] = item.get("role", "NOT_GIVEN")
                    spliced["content"] = compile_text(item.get("content", ""), variables)
                    compiled.append(spliced)
                else:
                    compiled.append({"role": "NOT_GIVEN", "content": str(value)})
        else:
            compiled.append({"role": "NOT_GIVEN", "content": str(value)})
    return compiled


def compile_content(
    prompt_type: str, content: Any, variables: Mapping[str, Any] | None, *, strict: bool = False
) -> str | list[dict[str, Any]]:
    """Compile a text (string) or chat (list of messages) prompt."""
    if prompt_type == "chat":
        return compile_chat(content, variables, strict=strict)
    return compile_text(content, variables, strict=strict)


def declared_variables(content: str) -> set[str]:
    """Variable names as the Langfuse server sees them (valid identifiers only), for the clash check."""
    return {name for name in find_variables(content) if VALID_VARIABLE_NAME.match(name)}
