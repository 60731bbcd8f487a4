"""The LLM gateway and (in later issues) prompts, retrieval, PII, validation and tools."""

from __future__ import annotations

from ai.factory import build_gateway, build_providers
from ai.gateway import AllProvidersFailed, CompletionStream, Gateway, GatewayError, GatewayTimeout
from ai.quotas import QuotaExceeded, Quotas
from ai.requests import Caller, ChatMessage, Completion, CompletionRequest, Embeddings, Usage

__all__ = [
    "AllProvidersFailed",
    "Caller",
    "ChatMessage",
    "Completion",
    "CompletionRequest",
    "CompletionStream",
    "Embeddings",
    "Gateway",
    "GatewayError",
    "GatewayTimeout",
    "QuotaExceeded",
    "Quotas",
    "Usage",
    "build_gateway",
    "build_providers",
]
