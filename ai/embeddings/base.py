"""What the knowledge base needs from an embedding model, whichever provider runs it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["Embedder", "EmbeddingUnavailable"]


class EmbeddingUnavailable(Exception):
    """The configured embedding model cannot run (missing file, bad checksum, no provider)."""


class Embedder(Protocol):
    # Recorded on every chunk: retrieval compares only vectors of the active model.
    model_name: str
    dimensions: int
    # Longest input the model reads; chunks are sized below it with `tokenize`.
    max_tokens: int

    def tokenize(self, text: str) -> list[int]:
        """The model's own token ids (no special tokens): sizes chunks as the model sees them."""
        ...

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors, one per text, in order."""
        ...

    async def embed_query(self, text: str) -> list[float]:
        """A unit vector for a search (cached: the same question is asked again and again)."""
        ...
