"""The real local embedder once per session (produce_draft searches the KB first)."""

from __future__ import annotations

import pytest

from ai.embeddings.local import LocalMiniLM


@pytest.fixture(scope="session")
def embedder() -> LocalMiniLM:
    return LocalMiniLM()
