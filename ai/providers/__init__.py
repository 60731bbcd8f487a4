"""LLM providers behind one interface: OpenAI (and compatible servers), Anthropic, offline."""

from __future__ import annotations

from ai.providers.anthropic_messages import AnthropicProvider
from ai.providers.base import (
    EmbeddingNotSupported,
    Provider,
    ProviderFailed,
    ProviderRateLimited,
    StreamEvent,
)
from ai.providers.extractive import ExtractiveResponder
from ai.providers.openai_chat import OpenAIProvider

__all__ = [
    "AnthropicProvider",
    "EmbeddingNotSupported",
    "ExtractiveResponder",
    "OpenAIProvider",
    "Provider",
    "ProviderFailed",
    "ProviderRateLimited",
    "StreamEvent",
]
