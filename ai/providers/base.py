"""The one interface every LLM provider implements, and the failures the gateway tells apart."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from ai.requests import CompletionRequest, Usage

__all__ = [
    "EmbeddingNotSupported",
    "Provider",
    "ProviderFailed",
    "ProviderRateLimited",
    "StreamEvent",
]

# A provider's stream yields text deltas, and a Usage once it knows the token counts.
StreamEvent = str | Usage


class ProviderFailed(Exception):
    """The provider answered with an error or not at all; the next one in the chain answers."""


class ProviderRateLimited(ProviderFailed):
    """HTTP 429: the provider is skipped until `retry_after` seconds have passed."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EmbeddingNotSupported(ProviderFailed):
    """This provider has no embeddings endpoint (Anthropic, the extractive responder)."""


class Provider(Protocol):
    name: str
    model: str
    embedding_model: str | None
    # True when requests go over the network to someone else's server: their text is redacted.
    leaves_machine: bool

    async def complete(self, request: CompletionRequest) -> tuple[str, Usage]:
        """One answer in one response (no streaming)."""
        ...

    def stream(self, request: CompletionRequest) -> AsyncGenerator[StreamEvent, None]:
        """The answer as it is generated: text deltas, then a Usage."""
        ...

    async def embed(self, texts: list[str]) -> tuple[list[list[float]], Usage]: ...

    async def close(self) -> None: ...


def retry_after_seconds(value: str | None, default: float = 1.0) -> float:
    """`retry-after` as seconds (an HTTP date is rare from LLM APIs; treated as the default)."""
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


def estimate_tokens(text: str) -> int:
    """~4 characters a token: used only when a server reports no usage."""
    return max(1, (len(text) + 3) // 4) if text else 0
