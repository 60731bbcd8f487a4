"""Fixtures for the gateway: loopback OpenAI/Anthropic servers and a gateway over them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from limits.aio.storage import MemoryStorage

from ai.cache import MemoryCache
from ai.gateway import Gateway
from ai.providers import AnthropicProvider, ExtractiveResponder, OpenAIProvider, Provider
from ai.quotas import Quotas
from ai.recorder import CallRecorder
from db.engine import Database
from settings import Settings
from tests.ai.loopback import LoopbackLLM


@pytest.fixture
def openai_server() -> Iterator[LoopbackLLM]:
    server = LoopbackLLM().start()
    yield server
    server.stop()


@pytest.fixture
def anthropic_server() -> Iterator[LoopbackLLM]:
    server = LoopbackLLM().start()
    yield server
    server.stop()


def openai_provider(
    server: LoopbackLLM, settings: Settings, model: str = "gpt-4o-mini"
) -> Provider:
    return OpenAIProvider(
        name="openai",
        model=model,
        api_key="sk-test-not-a-real-key",
        base_url=server.openai_base_url,
        embedding_model="text-embedding-3-small",
        max_output_tokens=settings.ai_max_output_tokens,
        timeout=settings.ai_total_timeout,
    )


def anthropic_provider(server: LoopbackLLM, settings: Settings) -> Provider:
    return AnthropicProvider(
        model="claude-3-5-haiku-latest",
        api_key="sk-ant-test-not-a-real-key",
        base_url=server.anthropic_base_url,
        max_output_tokens=settings.ai_max_output_tokens,
        timeout=settings.ai_total_timeout,
    )


@pytest.fixture
async def make_gateway(db: Database) -> AsyncIterator[Callable[..., Gateway]]:
    """`make_gateway(providers, settings)`: a gateway recording into the test database."""
    made: list[Gateway] = []

    def make(providers: list[Provider], settings: Settings, **kw: Any) -> Gateway:
        gateway = Gateway(
            providers,
            settings=settings,
            cache=kw.pop("cache", None) or MemoryCache(settings.ai_cache_size),
            recorder=CallRecorder(db),
            quotas=kw.pop("quotas", None) or Quotas(MemoryStorage(), settings, db),
        )
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.close()


__all__ = ["ExtractiveResponder", "anthropic_provider", "openai_provider"]
