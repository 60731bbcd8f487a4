"""OpenAI embeddings through the real SDK against a loopback server speaking its protocol:
asked for 384 dimensions, vectors normalised, the model recorded by name."""

from __future__ import annotations

import numpy as np
import pytest

from ai.embeddings import EmbeddingUnavailable
from ai.embeddings.openai import OpenAIEmbedder
from tests.ai.loopback import LoopbackLLM


def _embedder(server: LoopbackLLM) -> OpenAIEmbedder:
    return OpenAIEmbedder(
        model="text-embedding-3-small",
        api_key="sk-test-not-a-real-key",
        base_url=server.openai_base_url,
    )


async def test_openai_vectors_are_asked_for_at_384_dimensions(openai_server: LoopbackLLM) -> None:
    openai_server.script.embedding_dims = 384
    embedder = _embedder(openai_server)

    vectors = await embedder.embed_documents(["refund policy", "two-factor login"])
    await embedder.embed_query("refund policy")
    await embedder.embed_query("refund policy")  # cached: no second request

    _, body = openai_server.requests[0]
    assert body["dimensions"] == 384
    assert body["model"] == "text-embedding-3-small"
    assert openai_server.count("/v1/embeddings") == 2
    assert [round(float(np.linalg.norm(v)), 5) for v in vectors] == [1.0, 1.0]
    assert embedder.model_name == "openai:text-embedding-3-small:384"
    assert len(embedder.tokenize("hello world")) == 2  # cl100k_base, shipped by llama-index
    await embedder.close()


async def test_a_server_ignoring_dimensions_is_refused(openai_server: LoopbackLLM) -> None:
    openai_server.script.embedding_dims = 1536
    embedder = _embedder(openai_server)

    with pytest.raises(EmbeddingUnavailable, match="dimensions"):
        await embedder.embed_documents(["refund policy"])
    await embedder.close()


async def test_an_api_error_is_reported_as_unavailable(openai_server: LoopbackLLM) -> None:
    openai_server.script.status = 500
    embedder = _embedder(openai_server)

    with pytest.raises(EmbeddingUnavailable, match="OpenAI embeddings failed"):
        await embedder.embed_documents(["refund policy"])
    await embedder.close()
