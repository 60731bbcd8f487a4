"""Several processes without Redis: `autocrm serve --workers 2` shares live events through
PostgreSQL LISTEN/NOTIFY. Two such servers (four processes) on one database: a mutation on
one reaches a WebSocket subscriber of the other. And `/metrics` of either process of one
server counts the requests both of its processes answered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

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


COUNTED = "query CountedAcrossProcesses { viewer { email } }"


async def _counted(base_url: str) -> float:
    async with httpx.AsyncClient(base_url=base_url) as client:
        text = (await client.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "autocrm_graphql_requests_total"
                and sample.labels.get("operation") == "CountedAcrossProcesses"
            ):
                return sample.value
    return 0.0


async def test_metrics_of_either_process_count_both(servers: tuple[str, str]) -> None:
    server_a, _ = servers
    for _ in range(12):  # a new connection each: the kernel spreads them over the processes
        async with httpx.AsyncClient(base_url=server_a) as client:
            response = await client.post("/graphql", json={"query": COUNTED})
        assert response.json()["data"] == {"viewer": None}

    scrapes = [await _counted(server_a) for _ in range(6)]

    assert scrapes == [12.0] * 6
