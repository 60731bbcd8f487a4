"""Builds the gateway the settings describe: providers in AI_PROVIDERS order, the cache,
quotas and the usage recorder. Only configured providers are ever called."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from ai.cache import MemoryCache, RedisCache, ResponseCache
from ai.gateway import Gateway
from ai.pii import PiiGuard, PiiKind, PiiMode, check_ner_model
from ai.providers import AnthropicProvider, ExtractiveResponder, OpenAIProvider, Provider
from ai.quotas import Quotas
from ai.recorder import CallRecord, CallRecorder
from auth.limit_storage import limit_storage
from db.engine import Database
from settings import Settings

__all__ = ["build_gateway", "build_pii_guard", "build_providers"]


def build_providers(settings: Settings) -> list[Provider]:
    providers: list[Provider] = []
    timeout = settings.ai_total_timeout
    for name in settings.ai_providers:
        if name == "openai":
            providers.append(
                OpenAIProvider(
                    name="openai",
                    model=settings.openai_model,
                    api_key=_secret(settings.openai_api_key),
                    base_url=settings.openai_base_url,
                    embedding_model=settings.openai_embedding_model,
                    max_output_tokens=settings.ai_max_output_tokens,
                    timeout=timeout,
                )
            )
        elif name == "local":
            if settings.ai_local_base_url is None:
                raise ValueError("AI_PROVIDERS names `local` but AI_LOCAL_BASE_URL is unset")
            providers.append(
                OpenAIProvider(
                    name="local",
                    model=settings.ai_local_model,
                    api_key=_secret(settings.ai_local_api_key),
                    base_url=settings.ai_local_base_url,
                    embedding_model=settings.ai_local_embedding_model,
                    max_output_tokens=settings.ai_max_output_tokens,
                    timeout=timeout,
                )
            )
        elif name == "anthropic":
            providers.append(
                AnthropicProvider(
                    model=settings.anthropic_model,
                    api_key=_secret(settings.anthropic_api_key),
                    base_url=settings.anthropic_base_url,
                    max_output_tokens=settings.ai_max_output_tokens,
                    timeout=timeout,
                )
            )
        elif name == "offline":
            providers.append(ExtractiveResponder())
        else:  # settings refuse any other name
            raise ValueError(f"unknown AI provider {name!r}")
    return providers


def build_gateway(
    settings: Settings, db: Database, *, on_call: Callable[[CallRecord], None] | None = None
) -> Gateway:
    """The gateway AI_PROVIDERS describes; `on_call` hears of every attempt (metrics)."""
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    cache: ResponseCache = (
        RedisCache(redis_url) if redis_url else MemoryCache(settings.ai_cache_size)
    )
    return Gateway(
        build_providers(settings),
        settings=settings,
        cache=cache,
        recorder=CallRecorder(db),
        quotas=Quotas(limit_storage(redis_url), settings, db),
        pii=build_pii_guard(settings),
        on_call=on_call,
    )


def build_pii_guard(settings: Settings) -> PiiGuard:
    """Redaction as PII_MODE says; `ner` without its pinned model fails here, at start-up."""
    mode = PiiMode(settings.pii_mode)
    if mode is PiiMode.NER:
        check_ner_model()
    thresholds = {PiiKind(kind): cut for kind, cut in settings.pii_thresholds.items()}
    return PiiGuard(mode, thresholds)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
