"""Where the tutor's provider settings come from: ``system_settings`` rows (the API key encrypted),
each overridable by an environment variable.

| system setting              | environment                | meaning                                   |
|-----------------------------|----------------------------|-------------------------------------------|
| ``tutor.provider``          | ``TUTOR_PROVIDER``         | ``offline`` (default) or ``openai``       |
| ``tutor.openai.base_url``   | ``TUTOR_OPENAI_BASE_URL``  | e.g. ``http://127.0.0.1:8899/v1``         |
| ``tutor.openai.model``      | ``TUTOR_OPENAI_MODEL``     | the model name the server expects         |
| ``tutor.openai.api_key``    | ``TUTOR_OPENAI_API_KEY``   | store it with *encrypted* ticked          |
| ``tutor.openai.timeout``    | ``TUTOR_OPENAI_TIMEOUT``   | seconds to wait for each piece (default 30) |
| ``tutor.openai.max_tokens`` | ``TUTOR_OPENAI_MAX_TOKENS``| reply length cap (default 800)            |

``provider_config()`` reads every ``tutor.*`` row in one query; a value that cannot be decrypted or
parsed falls back to the offline provider with the reason in ``problem`` (shown to staff, not students).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lms.crypto import EncryptionError, decrypt_value
from lms.models import SystemSetting

OFFLINE = "offline"
OPENAI = "openai"
KEYS = {
    "provider": ("tutor.provider", "TUTOR_PROVIDER"),
    "base_url": ("tutor.openai.base_url", "TUTOR_OPENAI_BASE_URL"),
    "model": ("tutor.openai.model", "TUTOR_OPENAI_MODEL"),
    "api_key": ("tutor.openai.api_key", "TUTOR_OPENAI_API_KEY"),
    "timeout": ("tutor.openai.timeout", "TUTOR_OPENAI_TIMEOUT"),
    "max_tokens": ("tutor.openai.max_tokens", "TUTOR_OPENAI_MAX_TOKENS"),
}
UNKNOWN_PROVIDER = "Unknown tutor provider {value!r}: using the offline provider."
MISSING_OPENAI_SETTING = (
    "The OpenAI-compatible provider needs tutor.openai.base_url and tutor.openai.model: using the offline provider."
)
BAD_NUMBER = "{key} must be a positive number: using the default."
UNREADABLE_SECRET = "tutor.openai.api_key cannot be decrypted with the configured keys: using the offline provider."  # noqa: S105 - a message, not a secret


@dataclass(frozen=True)
class ProviderConfig:
    kind: str = OFFLINE
    base_url: str = ""
    model: str = ""
    api_key: str = ""
    timeout: float = 30.0
    max_tokens: int = 800
    problem: str = ""


def _number(raw: str | None, key: str, default, cast, problems: list[str]):
    if raw in (None, ""):
        return default
    try:
        value = cast(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or value <= 0 or value != value:  # NaN
        problems.append(BAD_NUMBER.format(key=key))
        return default
    return value


def provider_config() -> ProviderConfig:
    rows = {
        key: (value, encrypted)
        for key, value, encrypted in SystemSetting.objects.filter(setting_key__startswith="tutor.").values_list(
            "setting_key", "setting_value", "is_encrypted"
        )
    }
    raw: dict[str, str | None] = {}
    problems: list[str] = []
    for name, (setting_key, env_key) in KEYS.items():
        if env_key in os.environ:
            raw[name] = os.environ[env_key]
            continue
        value, encrypted = rows.get(setting_key, (None, False))
        if encrypted and value:
            try:
                value = decrypt_value(value)
            except EncryptionError:
                return ProviderConfig(problem=UNREADABLE_SECRET)
        raw[name] = value
    kind = (raw["provider"] or OFFLINE).strip().lower()
    timeout = _number(raw["timeout"], "tutor.openai.timeout", 30.0, float, problems)
    max_tokens = _number(raw["max_tokens"], "tutor.openai.max_tokens", 800, int, problems)
    if kind not in (OFFLINE, OPENAI):
        return ProviderConfig(problem=UNKNOWN_PROVIDER.format(value=kind))
    if kind == OPENAI and not (raw["base_url"] and raw["model"]):
        return ProviderConfig(problem=MISSING_OPENAI_SETTING)
    return ProviderConfig(
        kind=kind,
        base_url=(raw["base_url"] or "").strip(),
        model=(raw["model"] or "").strip(),
        api_key=raw["api_key"] or "",
        timeout=timeout,
        max_tokens=max_tokens,
        problem=" ".join(problems),
    )
