"""Subscriptions answer with the same read rules as queries: a customer hearing their
ticket being assigned sees the agent's public profile and no team."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from strawberry import relay

from app import Runtime
from tests.conftest import ApiClient
from tests.realtime_harness import GraphQLWebSocket, eventually, graphql, live_server

TICKET_EVENTS = """
subscription {
  ticketEvents { kind ticket { id assignee { name email role lastLoginAt } team { name } } }
}"""
CREATE_TICKET = """
mutation ($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } } }
"""
ASSIGN_TICKET = """
mutation ($input: AssignTicketInput!) {
  assignTicket(input: $input) { ticket { id } errors { field code } }
}"""


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def test_customer_hears_the_assignee_as_a_public_profile(
    server: str, runtime: Runtime, agent: ApiClient, customer: ApiClient
) -> None:
    assert agent.user is not None
    created = await graphql(
        server, customer.token, CREATE_TICKET, {"input": {"subject": "Printer on fire"}}
    )
    ticket = created["createTicket"]["ticket"]["id"]
    assign = {"ticketId": ticket, "assigneeId": relay.to_base64("User", str(agent.user.id))}

    async with GraphQLWebSocket.open(server, customer.token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS, {})
        await eventually(lambda: runtime.publisher.stats().subscribers >= 1, "subscribing")
        assigned = await graphql(server, agent.token, ASSIGN_TICKET, {"input": assign})
        event = await ws.next(operation)

    assert assigned["assignTicket"]["errors"] == []
    assert event["ticketEvents"]["kind"] == "ASSIGNED"
    assert event["ticketEvents"]["ticket"]["assignee"] == {
        "name": agent.user.name,
        "email": None,
        "role": None,
        "lastLoginAt": None,
    }
    assert event["ticketEvents"]["ticket"]["team"] is None
