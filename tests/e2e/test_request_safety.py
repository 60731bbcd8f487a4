"""A tiny anonymous query whose fragments expand to 2^n fields is refused at once by a
real server process, which keeps answering /healthz meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from db.engine import Database
from tests.conftest import TEST_SECRET
from tests.realtime_harness import ServerProcess
from tests.schema.test_limits import fragment_chain

# Generous: the point is that it answers at all while bad queries arrive, not how fast.
CLIENT_TIMEOUT = 5.0


@pytest.fixture
async def server(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    env = {"SECRET_KEY": TEST_SECRET, "LOG_LEVEL": "WARNING", "RATE_LIMIT": "100000/minute"}
    process = ServerProcess(tmp_path, database_url=database_url, env=env)
    try:
        await process.wait_ready()
        yield process.url
    finally:
        process.stop()


async def test_fragment_chain_is_refused_while_healthz_keeps_answering(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=CLIENT_TIMEOUT) as client:
        bombs = [
            client.post("/graphql", json={"query": fragment_chain(levels)})
            for levels in (30, 39, 39, 30)
        ]
        health = [client.get("/healthz") for _ in range(4)]

        answers = await asyncio.gather(*bombs, *health)

    for refused in answers[:4]:
        body = refused.json()
        assert body.get("data") is None
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    for ok in answers[4:]:
        assert ok.json() == {"status": "ok"}
