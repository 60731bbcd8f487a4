"""Several processes without Redis: `autocrm serve --workers 2` shares live events through
PostgreSQL LISTEN/NOTIFY. Two such servers (four processes) on one database: a mutation on
one reaches a WebSocket subscriber of the other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from db.engine import Database
from tests.conftest import TEST_SECRET
from tests.e2e.test_realtime_redis import (
    CREATE_TICKET,
    TICKET_EVENTS,
    mutate,
    token_for,
    update_until_heard,
)
from tests.realtime_harness import GraphQLWebSocket, ServerProcess


@pytest.fixture(scope="module")
async def servers(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, db: Database
) -> AsyncIterator[tuple[str, str]]:
    """Two `serve --workers 2` servers (A, B) without REDIS_URL; started once."""
    log_dir = tmp_path_factory.mktemp("pg-servers")
    env = {"WORKERS": "2", "SECRET_KEY": TEST_SECRET, "LOG_LEVEL": "WARNING"}
    started = [ServerProcess(log_dir, database_url=database_url, env=env) for _ in range(2)]
    try:
        await asyncio.gather(*(server.wait_ready() for server in started))
        yield started[0].url, started[1].url
    finally:
        for server in started:
            server.stop()


async def test_ticket_event_crosses_server_processes_through_postgres(
    servers: tuple[str, str], db: Database
) -> None:
    server_a, server_b = servers
    _, customer_token = await token_for(db, "customer", "Casey Customer")
    _, agent_token = await token_for(db, "agent", "Alan Agent")
    created = await mutate(
        server_a, customer_token, CREATE_TICKET, {"input": {"subject": "Printer jam"}}
    )
    ticket = created["ticket"]["id"]

    async with GraphQLWebSocket.open(server_b, agent_token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": [ticket]}})
        heard = await update_until_heard(server_a, agent_token, ticket, ws, operation)

    assert heard["ticketEvents"]["kind"] == "UPDATED"
    assert heard["ticketEvents"]["ticket"]["subject"].startswith("Attempt ")
