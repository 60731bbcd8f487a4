"""One real local embedder per test session, memoising document vectors."""

from __future__ import annotations

import pytest

from ai.embeddings.local import LocalMiniLM
from tests.ai.retrieval.helpers import MemoEmbedder


@pytest.fixture(scope="session")
def embedder() -> MemoEmbedder:
    return MemoEmbedder(LocalMiniLM())
