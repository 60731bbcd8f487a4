"""Scaled mode: two `autocrm serve` processes sharing one database and one Redis (a
redis-server of this module's own, so restarting it disturbs nothing else on the machine).
A mutation on one reaches a WebSocket subscriber of the other, also across a Redis restart."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from db.engine import Database
from db.models import User
from tests.conftest import TEST_SECRET, make_user, sign_in
from tests.realtime_harness import (
    WAIT,
    GraphQLWebSocket,
    OwnRedis,
    ServerProcess,
    graphql,
    own_redis,
)

pytestmark = pytest.mark.redis

TICKET_EVENTS = """
subscription ($filter: TicketEventsFilter) {
  ticketEvents(filter: $filter) { kind ticket { id subject } }
}"""
CREATE_TICKET = """
mutation ($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id } errors { field code message } }
}"""
UPDATE_TICKET = """
mutation ($input: UpdateTicketInput!) {
  updateTicket(input: $input) { ticket { id subject } errors { field code message } }
}"""


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    with own_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
async def servers(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, db: Database, redis: OwnRedis
) -> AsyncIterator[tuple[str, str]]:
    """Two server processes (A, B) on the module's Redis; started once for this module."""
    log_dir = tmp_path_factory.mktemp("servers")
    env = {"REDIS_URL": redis.url(11), "SECRET_KEY": TEST_SECRET, "LOG_LEVEL": "WARNING"}
    started = [ServerProcess(log_dir, database_url=database_url, env=env) for _ in range(2)]
    try:
        await asyncio.gather(*(server.wait_ready() for server in started))
        yield started[0].url, started[1].url
    finally:
        for server in started:
            server.stop()


async def token_for(db: Database, role: str, name: str) -> tuple[User, str]:
    user = await make_user(db, role=role, name=name)
    return user, await sign_in(db, user)


async def mutate(base: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    (payload,) = (await graphql(base, token, query, variables)).values()
    assert payload["errors"] == [], payload["errors"]
    result: dict[str, Any] = payload
    return result


async def update_until_heard(
    server: str, token: str, ticket: str, ws: GraphQLWebSocket, operation: str
) -> dict[str, Any]:
    """Rename the ticket on `server` until the subscriber hears it (bounded wait).

    A subscription goes live a moment after it is sent (and Redis drops what is published
    while it is away), so the first renames may find nobody listening yet.
    """
    async with asyncio.timeout(WAIT):
        for attempt in itertools.count():
            rename = {"input": {"id": ticket, "subject": f"Attempt {attempt}"}}
            await mutate(server, token, UPDATE_TICKET, rename)
            try:
                heard = await ws.next(operation, within=0.3)
            except TimeoutError:
                continue
            assert heard["ticketEvents"]["ticket"]["id"] == ticket
            return heard
    raise AssertionError("unreachable")


async def test_mutation_on_one_server_reaches_a_subscriber_on_the_other(
    servers: tuple[str, str], db: Database
) -> None:
    server_a, server_b = servers
    _, customer_token = await token_for(db, "customer", "Casey Customer")
    _, agent_token = await token_for(db, "agent", "Alan Agent")
    created = await mutate(
        server_a, customer_token, CREATE_TICKET, {"input": {"subject": "Router blinks red"}}
    )
    ticket = created["ticket"]["id"]

    async with GraphQLWebSocket.open(server_b, agent_token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": [ticket]}})
        heard = await update_until_heard(server_a, agent_token, ticket, ws, operation)

    assert heard["ticketEvents"]["kind"] == "UPDATED"
    assert heard["ticketEvents"]["ticket"]["subject"].startswith("Attempt ")


async def test_events_flow_again_after_redis_restarts(
    servers: tuple[str, str], db: Database, redis: OwnRedis
) -> None:
    server_a, server_b = servers
    _, customer_token = await token_for(db, "customer", "Casey Customer")
    _, agent_token = await token_for(db, "agent", "Alan Agent")
    created = await mutate(
        server_a, customer_token, CREATE_TICKET, {"input": {"subject": "Outage drill"}}
    )
    ticket = created["ticket"]["id"]

    async with GraphQLWebSocket.open(server_b, agent_token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": [ticket]}})
        await update_until_heard(server_a, agent_token, ticket, ws, operation)

        with redis.stopped():
            pass  # both servers lose their Redis connections here

        heard = await update_until_heard(server_a, agent_token, ticket, ws, operation)

    # The same socket and operation carried on: a completed stream would have failed above.
    assert heard["ticketEvents"]["kind"] == "UPDATED"
