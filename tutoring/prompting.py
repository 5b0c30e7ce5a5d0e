"""The tutor's system prompt, from the prompt store.

``system_prompt(item=..., variables=...)`` resolves, in order: the item's ``prompt_name`` at its
``prompt_label``; the same name at ``production`` (when the item's label has no version); the platform
default ``tutor/default`` at ``production`` (migration ``tutoring/0004``); and, only if an admin deleted
that too, ``BUILTIN_PROMPT`` (recorded with ``prompt_name`` None). Resolution goes through
``prompts.selectors.get_prompt``, whose cache answers a warm lookup with no query.

A text prompt becomes one ``system`` message; a chat prompt's messages are used as written (they come
from the store, never from the client). The answer carries the meta recorded on the assistant message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from prompts.exceptions import PromptNotFoundError, PromptResolutionError
from prompts.models import PRODUCTION_LABEL
from prompts.selectors import get_prompt
from prompts.templating import compile_content

DEFAULT_PROMPT_NAME = "tutor/default"
BUILTIN_PROMPT = (
    'You are the AI tutor of the course "{{course}}", helping {{student_first_name}} with "{{item_title}}". '
    "Teach Socratically, give hints before answers, cite the transcript as [mm:ss] and text blocks as "
    "[block N].\nMode: {{mode}}\n{{mode_instructions}}\n\nThe item:\n{{content}}"
)
MODE_INSTRUCTIONS = {
    "study": "Help the student understand the item.",
    "practice_hints": (
        "The student is working on a practice quiz: give hints and ask guiding questions, "
        "but never state the answer to a quiz question."
    ),
    "practice": "The student is working on a practice quiz: help as you see fit.",
    "exam": (
        "The student has an exam open. Do not help with the exam's questions in any way: no answers, no hints, "
        "no checking of answers. Offer to help with the course material after the exam."
    ),
}


@dataclass(frozen=True)
class SystemPrompt:
    messages: list[dict]
    name: str | None
    version: int | None
    label: str | None


def _candidates(item) -> list[tuple[str, str]]:
    name = (item.prompt_name or "").strip()
    label = (item.prompt_label or PRODUCTION_LABEL).strip() or PRODUCTION_LABEL
    found = []
    if name:
        found.append((name, label))
        if label != PRODUCTION_LABEL:
            found.append((name, PRODUCTION_LABEL))
    found.append((DEFAULT_PROMPT_NAME, PRODUCTION_LABEL))
    return found


def system_prompt(*, item, variables: dict) -> SystemPrompt:
    variables = {**variables, "mode_instructions": MODE_INSTRUCTIONS.get(variables.get("mode"), "")}
    for name, label in _candidates(item):
        try:
            prompt = get_prompt(name=name, label=label)
        except (PromptNotFoundError, PromptResolutionError, ValidationError):
            continue
        compiled = compile_content(prompt.type, prompt.prompt, variables)
        if isinstance(compiled, str):
            messages = [{"role": "system", "content": compiled}]
        else:
            messages = [
                {"role": m["role"], "content": m["content"]}
                for m in compiled
                if isinstance(m, dict) and "role" in m and "content" in m
            ]
        return SystemPrompt(messages=messages, name=prompt.name, version=prompt.version, label=label)
    compiled = compile_content("text", BUILTIN_PROMPT, variables)
    return SystemPrompt(messages=[{"role": "system", "content": compiled}], name=None, version=None, label=None)
