"""Tutor providers: ``get_provider()`` answers the configured one (offline by default).

See ``base`` (the event protocol and friendly errors), ``config`` (system settings and environment),
``openai_compatible`` and ``offline``.
"""

from __future__ import annotations

import functools

from tutoring.providers.base import Delta, Finished, Provider, ProviderError
from tutoring.providers.config import OPENAI, ProviderConfig, provider_config
from tutoring.providers.offline import OfflineProvider
from tutoring.providers.openai_compatible import OpenAICompatibleProvider

__all__ = ["Delta", "Finished", "Provider", "ProviderError", "ProviderConfig", "get_provider", "provider_config"]


def get_provider(config: ProviderConfig | None = None) -> Provider:
    config = config or provider_config()
    if config.kind == OPENAI:
        return _openai_provider(config)
    return OfflineProvider()


@functools.lru_cache(maxsize=8)
def _openai_provider(config: ProviderConfig) -> OpenAICompatibleProvider:
    # One client (and its connection pool and TLS context, costly to build) per configuration and
    # process; the SDK's client is safe to share between threads.
    return OpenAICompatibleProvider(config)
