"""Shared subscription fan-out and per-operation contexts over real WebSockets: one
execution per event and audience, each subscriber still seeing only what it may, and every
operation on a socket with loaders of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app import Runtime
from db.engine import Database
from tests.conftest import ApiClient, client_for
from tests.e2e.test_realtime import (
    ADD_MESSAGE,
    TICKET_EVENTS,
    TICKET_MESSAGES,
    UPDATE_TICKET,
    mutate,
    open_ticket,
)
from tests.realtime_harness import GraphQLWebSocket, eventually, live_server

TICKET_SUBJECT = "query ($id: ID!) { ticket(id: $id) { id subject } }"
CUSTOMER_TICKET_EVENTS = """
subscription { ticketEvents { kind ticket { id subject customer { name } } } }"""


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def shared_live(runtime: Runtime, members: int, groups: int) -> None:
    """Wait until the hub serves `members` subscriptions in `groups` live executions."""
    await eventually(
        lambda: (
            runtime.hub.stats().members >= members
            and runtime.hub.stats().groups == groups
            and runtime.publisher.stats().subscribers >= groups
        ),
        "subscribing",
    )


async def test_two_customers_and_agents_each_hear_only_what_they_may_see(
    server: str, runtime: Runtime, http: Any, db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    second_agent = await client_for(http, db, "agent", name="Bea Agent")
    mine = await open_ticket(server, customer, "Mine")
    theirs = await open_ticket(server, other, "Theirs")

    async with (
        GraphQLWebSocket.open(server, agent.token) as agent_ws,
        GraphQLWebSocket.open(server, second_agent.token) as second_ws,
        GraphQLWebSocket.open(server, customer.token) as customer_ws,
        GraphQLWebSocket.open(server, other.token) as other_ws,
    ):
        ops = [
            await ws.subscribe(CUSTOMER_TICKET_EVENTS)
            for ws in (agent_ws, second_ws, customer_ws, other_ws)
        ]
        # The two agents share one execution; each customer has one of their own.
        await shared_live(runtime, members=4, groups=3)

        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": theirs, "subject": "T2"}})
        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": mine, "subject": "M2"}})

        agents_heard = [
            [(await ws.next(op))["ticketEvents"]["ticket"]["id"] for _ in range(2)]
            for ws, op in ((agent_ws, ops[0]), (second_ws, ops[1]))
        ]
        customer_heard = await customer_ws.next(ops[2])
        other_heard = await other_ws.next(ops[3])
        pending = customer_ws.pending(ops[2]) + other_ws.pending(ops[3])

    assert agents_heard == [[theirs, mine], [theirs, mine]]
    assert customer_heard["ticketEvents"]["ticket"]["id"] == mine
    assert customer_heard["ticketEvents"]["ticket"]["subject"] == "M2"
    assert other_heard["ticketEvents"]["ticket"]["id"] == theirs
    assert other_heard["ticketEvents"]["ticket"]["subject"] == "T2"
    assert pending == 0


async def test_agents_on_the_same_subscription_share_one_execution_per_event(
    server: str, runtime: Runtime, http: Any, db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Busy queue")
    others = [await client_for(http, db, "agent", name=f"Agent {n}") for n in range(3)]
    results_before = runtime.hub.stats().results

    async with (
        GraphQLWebSocket.open(server, others[0].token) as first,
        GraphQLWebSocket.open(server, others[1].token) as second,
        GraphQLWebSocket.open(server, others[2].token) as third,
    ):
        ops = [(ws, await ws.subscribe(TICKET_EVENTS)) for ws in (first, second, third)]
        await shared_live(runtime, members=3, groups=1)
        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": ticket, "priority": "HIGH"}})
        heard = [await ws.next(op) for ws, op in ops]

    assert {h["ticketEvents"]["ticket"]["priority"] for h in heard} == {"HIGH"}
    assert runtime.hub.stats().results == results_before + 1


async def test_second_subscription_on_a_socket_does_not_disturb_the_first(
    server: str, runtime: Runtime, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Two streams")

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        events = await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": [ticket]}})
        await shared_live(runtime, members=1, groups=1)
        messages = await ws.subscribe(TICKET_MESSAGES, {"ticketId": ticket})
        await shared_live(runtime, members=2, groups=2)

        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": ticket, "subject": "Renamed"}})
        renamed = await ws.next(events)
        await mutate(
            server,
            agent,
            ADD_MESSAGE,
            {"input": {"ticketId": ticket, "bodyHtml": "<p>Hello</p>", "visibility": "PUBLIC"}},
        )
        posted = await ws.next(messages)
        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": ticket, "priority": "LOW"}})
        # Posting a reply also touches the ticket (one UPDATED event before ours).
        later = [(await ws.next(events))["ticketEvents"]["ticket"] for _ in range(2)]

    assert renamed["ticketEvents"]["ticket"]["subject"] == "Renamed"
    assert posted["ticketMessages"]["message"]["bodyText"] == "Hello"
    assert later[-1]["priority"] == "LOW"


async def test_query_over_the_socket_sees_the_ticket_as_it_is_now(
    server: str, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Old subject")

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        before = await ws.next(await ws.subscribe(TICKET_SUBJECT, {"id": ticket}))
        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": ticket, "subject": "New"}})
        after = await ws.next(await ws.subscribe(TICKET_SUBJECT, {"id": ticket}))

    assert before["ticket"]["subject"] == "Old subject"
    assert after["ticket"]["subject"] == "New"


async def test_leaving_a_shared_subscription_releases_its_execution(
    server: str, runtime: Runtime, agent: ApiClient
) -> None:
    async with GraphQLWebSocket.open(server, agent.token) as ws:
        await ws.subscribe(TICKET_EVENTS)
        await shared_live(runtime, members=1, groups=1)

    await eventually(lambda: runtime.hub.stats().groups == 0, "releasing the group")
    await eventually(lambda: runtime.publisher.stats().subscribers == 0, "leaving the channel")
