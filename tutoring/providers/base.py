"""What every tutor provider speaks: a stream of ``Delta`` pieces ended by one ``Finished``.

A provider is any object with ``name``, ``model`` and ``stream(messages, *, context, cancelled)``
returning an iterator of events. ``messages`` are OpenAI chat messages built by the server (never by the
client); ``context`` is the session's ``content_context`` snapshot; ``cancelled()`` answers True once the
reader has gone (a cut connection, the maximum duration), and a provider stops as soon as it can.
Failures are ``ProviderError`` carrying a message fit to show a student (the technical detail goes to
``detail``, for the log and the instructor's view), never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

PROVIDER_TIMEOUT = "The tutor took too long to answer. Please try again in a moment."
PROVIDER_UNAVAILABLE = "The tutor cannot be reached right now. Please try again later."
PROVIDER_REFUSED = (
    "The tutor service refused the request. Please try again later; your instructor can check the tutor settings."
)
PROVIDER_RATE_LIMITED = "The tutor service is busy right now. Please try again in a minute."
PROVIDER_BROKEN_REPLY = "The tutor's reply was cut off by the service. Please try again."


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Finished:
    finish_reason: str | None
    tokens_in: int | None = None
    tokens_out: int | None = None
    model: str | None = None
    tokens_estimated: bool = False  # the server reported no usage: the counts are the provider's estimate


def estimate_prompt_tokens(messages: list[dict]) -> int:
    """A server-independent estimate of a chat request's prompt tokens: about four characters of English
    per token, four tokens of framing per message and three to start the reply (OpenAI's rule of thumb)."""
    return 3 + sum(4 + -(-len(str(m.get("content") or "")) // 4) for m in messages)


class ProviderError(Exception):
    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


class Provider(Protocol):
    name: str
    model: str

    def stream(
        self, messages: list[dict], *, context: dict, cancelled: Callable[[], bool]
    ) -> Iterator[Delta | Finished]: ...
