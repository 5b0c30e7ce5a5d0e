"""The OpenAI-compatible provider: the official ``openai`` SDK with a base URL, so OpenAI, vLLM,
Ollama, llama.cpp's server and LiteLLM all work. Streams with ``stream_options.include_usage`` and no SDK
retries (a retry would repeat a half-streamed reply). A server that ignores ``include_usage``
(llama-cpp-python's server does) gets estimated counts, marked ``tokens_estimated``: the streamed pieces
for the reply (these servers send one token per piece) and ``estimate_prompt_tokens`` for the prompt, so
the token budget still counts its replies. Every failure becomes a ``ProviderError`` with a message for
the student.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import openai

from tutoring.providers.base import (
    PROVIDER_BROKEN_REPLY,
    PROVIDER_RATE_LIMITED,
    PROVIDER_REFUSED,
    PROVIDER_TIMEOUT,
    PROVIDER_UNAVAILABLE,
    Delta,
    Finished,
    ProviderError,
    estimate_prompt_tokens,
)
from tutoring.providers.config import ProviderConfig

CONNECT_TIMEOUT_SECONDS = 5.0


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, config: ProviderConfig):
        self.config = config
        self.model = config.model
        self.client = openai.OpenAI(
            base_url=config.base_url,
            # Local servers accept any key; the SDK refuses an empty one.
            api_key=config.api_key or "not-needed",
            timeout=openai.Timeout(config.timeout, connect=min(CONNECT_TIMEOUT_SECONDS, config.timeout)),
            max_retries=0,
        )

    def stream(
        self, messages: list[dict], *, context: dict, cancelled: Callable[[], bool]
    ) -> Iterator[Delta | Finished]:
        finish_reason = None
        usage = None
        pieces = 0
        model = self.model
        stream = None
        try:
            stream = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
                max_tokens=self.config.max_tokens,
            )
            for chunk in stream:
                if cancelled():
                    finish_reason = "cancelled"
                    break
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices or []:
                    text = getattr(choice.delta, "content", None) if choice.delta is not None else None
                    if text:
                        pieces += 1
                        yield Delta(text)
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
        except openai.APITimeoutError as error:
            raise ProviderError(PROVIDER_TIMEOUT, detail=str(error)) from None
        except openai.RateLimitError as error:
            raise ProviderError(PROVIDER_RATE_LIMITED, detail=str(error)) from None
        except openai.APIStatusError as error:
            raise ProviderError(PROVIDER_REFUSED, detail=f"HTTP {error.status_code}: {str(error)[:500]}") from None
        except openai.APIConnectionError as error:
            raise ProviderError(PROVIDER_UNAVAILABLE, detail=str(error)[:500]) from None
        except (openai.APIError, ValueError) as error:  # a malformed stream
            raise ProviderError(PROVIDER_BROKEN_REPLY, detail=str(error)[:500]) from None
        finally:
            if stream is not None:
                stream.close()
        if finish_reason is None:
            # The server ended the stream without saying why: a cut connection on its side.
            raise ProviderError(PROVIDER_BROKEN_REPLY, detail="stream ended without a finish reason")
        if usage is None:
            yield Finished(
                finish_reason=finish_reason,
                tokens_in=estimate_prompt_tokens(messages),
                tokens_out=pieces,
                model=model,
                tokens_estimated=True,
            )
            return
        yield Finished(
            finish_reason=finish_reason,
            tokens_in=getattr(usage, "prompt_tokens", None),
            tokens_out=getattr(usage, "completion_tokens", None),
            model=model,
        )
