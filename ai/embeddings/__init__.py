"""Embedding models for the knowledge base: the offline MiniLM (default) and OpenAI."""

from __future__ import annotations

from ai.embeddings.base import Embedder, EmbeddingUnavailable
from ai.embeddings.factory import active_embedder, active_model_name

__all__ = ["Embedder", "EmbeddingUnavailable", "active_embedder", "active_model_name"]
