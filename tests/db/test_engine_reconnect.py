"""Pooled connections the database dropped (a restart, a terminated backend) are replaced
without a failed request, although checkouts are not pinged while the pool is busy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select, text

from app import build_runtime, create_app
from db.engine import Database
from db.models import Customer, Ticket
from settings import Settings
from tests.conftest import make_user, sign_in

TICKETS = "query { tickets(first: 5) { totalCount edges { node { subject } } } }"


async def _own_database(database_url: str, ping_after_idle: float) -> tuple[Database, set[int]]:
    """A Database of its own (so terminating its connections touches nobody else) and the
    server pids of every connection its pool opens."""
    own = Database(database_url, pool_size=2, ping_after_idle=ping_after_idle)
    pids: set[int] = set()

    def opened(dbapi_connection: Any, record: Any) -> None:
        pids.add(dbapi_connection.driver_connection.get_server_pid())

    event.listen(own.engine.sync_engine.pool, "connect", opened)
    return own, pids


async def _terminate(db: Database, pids: set[int]) -> None:
    async with db.engine.connect() as conn:
        for pid in pids:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    pids.clear()


@pytest.fixture
async def idle_pinged(database_url: str, db: Database) -> AsyncIterator[tuple[Database, set[int]]]:
    own, pids = await _own_database(database_url, ping_after_idle=0.0)
    yield own, pids
    await own.dispose()


@pytest.fixture
async def never_pinged(database_url: str, db: Database) -> AsyncIterator[tuple[Database, set[int]]]:
    own, pids = await _own_database(database_url, ping_after_idle=3600.0)
    yield own, pids
    await own.dispose()


async def test_an_idle_connection_the_database_dropped_is_replaced_on_checkout(
    db: Database, idle_pinged: tuple[Database, set[int]]
) -> None:
    own, pids = idle_pinged
    async with own.reads() as session:
        await session.execute(select(1))
    await _terminate(db, pids)

    async with own.reads() as session:
        assert (await session.execute(select(1))).scalar_one() == 1


async def test_a_request_after_the_database_dropped_every_connection_is_answered(
    db: Database, settings: Settings, never_pinged: tuple[Database, set[int]]
) -> None:
    # given an app whose pooled connections are never pinged, and were all dropped
    own, pids = never_pinged
    agent = await make_user(db, role="agent")
    token = await sign_in(db, agent)
    async with db.transaction() as session:
        customer = Customer(name="Casey")
        session.add(customer)
        await session.flush()
        session.add(Ticket(customer_id=customer.id, subject="Still here"))
    app = create_app(build_runtime(settings, own))
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        first = (await http.post("/graphql", json={"query": TICKETS}, headers=headers)).json()
        assert "errors" not in first, first
        await _terminate(db, pids)

        # when the agent loads the list again
        again = (await http.post("/graphql", json={"query": TICKETS}, headers=headers)).json()

    # then the answer is the same, on new connections
    assert again == first
    assert pids, "new connections were opened"
