"""The active embedder, one per process: the local model loads once (about 0.3 s and 60 MB)
and its query cache is shared by every request and job of the process."""

from __future__ import annotations

import threading

from ai.embeddings.base import Embedder, EmbeddingUnavailable
from settings import Settings

__all__ = ["active_embedder", "active_model_name", "local_embedder"]

_lock = threading.Lock()
_embedders: dict[tuple[str, ...], Embedder] = {}


def _key(settings: Settings) -> tuple[str, ...]:
    if settings.kb_embedding_provider == "openai":
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        return ("openai", settings.openai_embedding_model, settings.openai_base_url or "", key)
    return ("local",)


def active_embedder(settings: Settings) -> Embedder:
    """The embedder KB_EMBEDDING_PROVIDER names (built on first use)."""
    key = _key(settings)
    with _lock:
        embedder = _embedders.get(key)
        if embedder is None:
            embedder = _build(settings)
            _embedders[key] = embedder
        return embedder


def _build(settings: Settings) -> Embedder:
    if settings.kb_embedding_provider == "openai":
        from ai.embeddings.openai import OpenAIEmbedder

        if settings.openai_api_key is None and settings.openai_base_url is None:
            raise EmbeddingUnavailable(
                "KB_EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL)"
            )
        return OpenAIEmbedder(
            model=settings.openai_embedding_model,
            api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
            base_url=settings.openai_base_url,
            timeout=settings.ai_total_timeout,
            query_cache_size=settings.kb_query_cache_size,
        )
    from ai.embeddings.local import LocalMiniLM

    return LocalMiniLM(query_cache_size=settings.kb_query_cache_size)


def active_model_name(settings: Settings) -> str:
    return active_embedder(settings).model_name


def local_embedder() -> Embedder:
    """The process's local model, whatever KB_EMBEDDING_PROVIDER says: for work that must not
    leave the machine (the offline responder compares sentences with it)."""
    with _lock:
        embedder = _embedders.get(("local",))
        if embedder is None:
            from ai.embeddings.local import LocalMiniLM

            embedder = LocalMiniLM()
            _embedders[("local",)] = embedder
        return embedder
