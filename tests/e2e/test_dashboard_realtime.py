"""The live dashboard over real WebSockets: coalesced pushes shared by every subscriber,
staff only, and nothing left running once the last subscriber leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update
from strawberry import relay

from app import Runtime
from db.engine import Database
from db.models import Customer, Ticket, User
from resolvers.dashboard_feed import running_feeds
from tests.conftest import ApiClient
from tests.realtime_harness import GraphQLWebSocket, eventually, graphql, live_server

DASHBOARD_EVENTS = """
subscription { dashboardEvents { openTickets openByPriority { priority count } } }
"""
UPDATE_TICKET = """
mutation ($input: UpdateTicketInput!) {
  updateTicket(input: $input) { ticket { id } errors { field code message } }
}"""
BURST = 10


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def make_tickets(db: Database, count: int) -> list[str]:
    async with db.transaction() as session:
        customer = Customer(name="Acme")
        session.add(customer)
        await session.flush()
        tickets = [Ticket(customer_id=customer.id, subject=f"#{n}") for n in range(count)]
        session.add_all(tickets)
    return [relay.to_base64("Ticket", str(t.id)) for t in tickets]


def urgent(frame: dict[str, Any]) -> int:
    counts = frame["dashboardEvents"]["openByPriority"]
    count: int = next(c["count"] for c in counts if c["priority"] == "URGENT")
    return count


async def make_urgent(server: str, who: ApiClient, ticket_id: str) -> None:
    data = await graphql(
        server, who.token, UPDATE_TICKET, {"input": {"id": ticket_id, "priority": "URGENT"}}
    )
    assert data["updateTicket"]["errors"] == []


async def test_burst_of_ticket_changes_is_pushed_at_most_twice_ending_with_final_numbers(
    server: str, runtime: Runtime, db: Database, admin: ApiClient, agent: ApiClient
) -> None:
    # given: two staff dashboards open on ten ordinary tickets
    tickets = await make_tickets(db, BURST)
    async with (
        GraphQLWebSocket.open(server, agent.token) as agent_ws,
        GraphQLWebSocket.open(server, admin.token) as admin_ws,
    ):
        agent_op = await agent_ws.subscribe(DASHBOARD_EVENTS)
        admin_op = await admin_ws.subscribe(DASHBOARD_EVENTS)
        first = await agent_ws.next(agent_op)
        await admin_ws.next(admin_op)
        await eventually(lambda: runtime.publisher.stats().subscribers == 1, "feed listening")
        [feed] = running_feeds(runtime.publisher)  # one feed serves both dashboards

        # when: ten changes at once
        await asyncio.gather(*(make_urgent(server, agent, t) for t in tickets))

        # then: the final numbers arrive, in at most two pushes
        pushes = [await agent_ws.next(agent_op)]
        while urgent(pushes[-1]) != BURST:
            pushes.append(await agent_ws.next(agent_op))
        admin_last = await admin_ws.next(admin_op)
        while urgent(admin_last) != BURST:
            admin_last = await admin_ws.next(admin_op)
        await asyncio.sleep(1.5)  # a further push would be due by now; none may come
        late = agent_ws.pending(agent_op)

    assert urgent(first) == 0
    assert first["dashboardEvents"]["openTickets"] == BURST
    assert len(pushes) <= 2
    assert late == 0
    assert pushes[-1]["dashboardEvents"]["openTickets"] == BURST
    assert feed.computations <= 2  # shared: not one per subscriber


async def test_feed_stops_when_the_last_dashboard_closes(
    server: str, runtime: Runtime, admin: ApiClient, agent: ApiClient
) -> None:
    async with GraphQLWebSocket.open(server, agent.token) as agent_ws:
        await agent_ws.next(await agent_ws.subscribe(DASHBOARD_EVENTS))
        async with GraphQLWebSocket.open(server, admin.token) as admin_ws:
            await admin_ws.next(await admin_ws.subscribe(DASHBOARD_EVENTS))
            assert len(running_feeds(runtime.publisher)) == 1
        assert len(running_feeds(runtime.publisher)) == 1  # one dashboard still open

    await eventually(lambda: running_feeds(runtime.publisher) == [], "stopping the feed")
    await eventually(lambda: runtime.publisher.stats().subscribers == 0, "leaving the channel")


async def test_deactivated_agents_dashboard_stops_at_the_next_push(
    server: str, runtime: Runtime, db: Database, admin: ApiClient, agent: ApiClient
) -> None:
    [ticket] = await make_tickets(db, 1)
    assert agent.user is not None

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(DASHBOARD_EVENTS)
        await ws.next(operation)
        await eventually(lambda: runtime.publisher.stats().subscribers == 1, "feed listening")
        async with db.transaction() as session:
            await session.execute(
                update(User).where(User.id == agent.user.id).values(is_active=False)
            )
        await make_urgent(server, admin, ticket)

        frame = await ws.frame(operation)

    assert frame["type"] == "complete"


async def test_customer_may_not_subscribe_to_the_dashboard(
    server: str, customer: ApiClient
) -> None:
    async with GraphQLWebSocket.open(server, customer.token) as ws:
        frame = await ws.frame(await ws.subscribe(DASHBOARD_EVENTS))

    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_anonymous_may_not_subscribe_to_the_dashboard(server: str) -> None:
    async with GraphQLWebSocket.open(server) as ws:
        frame = await ws.frame(await ws.subscribe(DASHBOARD_EVENTS))

    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
