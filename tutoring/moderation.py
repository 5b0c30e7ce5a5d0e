"""The moderation hook on student input: a length cap and a configurable list of blocked terms.

Settings (``system_settings``): ``tutor.moderation.max_input_chars`` (default 2,000) and
``tutor.moderation.blocked_terms`` (one term per line or comma-separated, case-insensitive, matched as
whole words). An over-long, empty or NUL-carrying message is refused (nothing is written); a message
with a blocked term is **kept** and flagged — the tutor does not answer it, and the instructor sees it
in the teacher's view — so a student in trouble is not silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

from lms.selectors import get_setting_value

DEFAULT_MAX_INPUT_CHARS = 2000
MESSAGE_EMPTY = gettext_noop("Write a question first.")
MESSAGE_TOO_LONG = gettext_noop("Your message is too long: at most {limit} characters, please.")
MESSAGE_NUL = gettext_noop("Your message contains a character that cannot be stored (NUL).")
MESSAGE_BLOCKED_REPLY = (
    "I can't respond to that message. It has been kept for your instructor to see. "
    "If you need help with something personal, please reach out to your instructor or your university's support services."
)


@dataclass(frozen=True)
class ModerationResult:
    text: str
    flagged: bool = False
    reason: str = ""


def max_input_chars() -> int:
    raw = get_setting_value(key="tutor.moderation.max_input_chars")
    try:
        value = int(raw) if raw else DEFAULT_MAX_INPUT_CHARS
    except ValueError:
        value = DEFAULT_MAX_INPUT_CHARS
    return value if value > 0 else DEFAULT_MAX_INPUT_CHARS


def blocked_terms() -> list[str]:
    raw = get_setting_value(key="tutor.moderation.blocked_terms") or ""
    return [t.strip() for t in re.split(r"[\n,]", raw) if t.strip()]


def moderate_input(text: str, *, limit: int | None = None, terms: list[str] | None = None) -> ModerationResult:
    """Raises ``ValueError`` with a message for the form; answers the cleaned text and whether it is flagged."""
    if text is None or not isinstance(text, str):
        raise ValueError(gettext(MESSAGE_EMPTY))
    if "\x00" in text:
        raise ValueError(gettext(MESSAGE_NUL))
    cleaned = text.strip()
    if not cleaned:
        raise ValueError(gettext(MESSAGE_EMPTY))
    limit = max_input_chars() if limit is None else limit
    if len(cleaned) > limit:
        raise ValueError(gettext(MESSAGE_TOO_LONG).format(limit=limit))
    for term in blocked_terms() if terms is None else terms:
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", cleaned, re.I):
            return ModerationResult(cleaned, flagged=True, reason="blocked term")
    return ModerationResult(cleaned)
