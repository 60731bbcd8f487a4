"""OpenAI embeddings (text-embedding-3-*, asked for 384 dimensions so one indexed column
serves every model), or any OpenAI-compatible server that honours `dimensions`.

It talks to the API directly rather than through the gateway's `embed`: the gateway falls
back to the next provider on failure, and a fallback to another model would put vectors of
two spaces side by side. Here a failure is a failure, and the indexing job retries it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import openai

from ai.embeddings.base import EmbeddingUnavailable
from ai.embeddings.query_cache import QueryCache
from db.models.kb import EMBEDDING_DIMENSIONS

__all__ = ["OpenAIEmbedder"]

# OpenAI's limit is 2048 inputs per request; smaller keeps one request well under a minute.
_BATCH = 256


class OpenAIEmbedder:
    dimensions = EMBEDDING_DIMENSIONS
    max_tokens = 8191

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float = 60.0,
        query_cache_size: int = 1024,
    ) -> None:
        self.model = model
        # The job that embeds retries with backoff; a query fails fast rather than waiting.
        # The dimension is part of the name: a 384-d cut is not the full model's space.
        self.model_name = f"openai:{model}:{self.dimensions}"
        self._client = openai.AsyncOpenAI(
            api_key=api_key or "no-key", base_url=base_url, max_retries=0, timeout=timeout
        )
        self._queries = QueryCache(query_cache_size)
        self._encoding = _tiktoken_encoding()

    def tokenize(self, text: str) -> list[int]:
        ids: list[int] = self._encoding(text)
        return ids

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), _BATCH):
            vectors += await self._request(list(texts[start : start + _BATCH]))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        cached = self._queries.get(text)
        if cached is not None:
            return cached
        vector = (await self._request([text]))[0]
        self._queries.put(text, vector)
        return vector

    async def _request(self, texts: list[str]) -> list[list[float]]:
        try:
            response = await self._client.embeddings.create(
                model=self.model,
                input=texts,
                dimensions=self.dimensions,
                encoding_format="float",
            )
        except openai.APIError as exc:
            raise EmbeddingUnavailable(f"OpenAI embeddings failed: {exc}") from exc
        data = sorted(response.data, key=lambda item: item.index)
        matrix = np.array([item.embedding for item in data], dtype=np.float32)
        if matrix.shape != (len(texts), self.dimensions):
            raise EmbeddingUnavailable(
                f"{self.model} answered vectors of shape {matrix.shape}, expected "
                f"({len(texts)}, {self.dimensions}): does it support `dimensions`?"
            )
        matrix /= np.clip(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12, None)
        rows: list[list[float]] = matrix.tolist()
        return rows

    async def close(self) -> None:
        await self._client.close()


def _tiktoken_encoding() -> Callable[[str], list[int]]:
    # llama-index ships cl100k_base and points tiktoken at it (only while TIKTOKEN_CACHE_DIR
    # is unset), so this works offline; text-embedding-3 models use cl100k_base.
    from llama_index.core.utils import get_tokenizer

    encode: Callable[[str], list[int]] = get_tokenizer()
    return encode
