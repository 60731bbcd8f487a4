"""Live updates over real WebSockets: the app served by uvicorn on loopback (memory://),
mutations over HTTP, subscribers speaking graphql-transport-ws."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update

from app import Runtime
from db.engine import Database
from db.models import User
from tests.conftest import ApiClient, client_for
from tests.realtime_harness import GraphQLWebSocket, eventually, graphql, live_server
from workers.events import Publisher

TICKET_EVENTS = """
subscription ($filter: TicketEventsFilter) {
  ticketEvents(filter: $filter) { kind ticket { id subject status priority assignee { name } } }
}"""
TICKET_MESSAGES = """
subscription ($ticketId: ID!) {
  ticketMessages(ticketId: $ticketId) { kind message { id bodyText visibility } }
}"""
CREATE_TICKET = """
mutation ($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id } errors { field code message } }
}"""
UPDATE_TICKET = """
mutation ($input: UpdateTicketInput!) {
  updateTicket(input: $input) { ticket { id } errors { field code message } }
}"""
CHANGE_STATUS = """
mutation ($input: ChangeTicketStatusInput!) {
  changeTicketStatus(input: $input) { ticket { id } errors { field code message } }
}"""
ASSIGN_TICKET = """
mutation ($input: AssignTicketInput!) {
  assignTicket(input: $input) { ticket { id } errors { field code message } }
}"""
ADD_MESSAGE = """
mutation ($input: AddMessageInput!) {
  addMessage(input: $input) { message { id } errors { field code message } }
}"""
CUSTOMER_QUERY = "query { viewer { id } }"


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def mutate(
    base: str, who: ApiClient, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    data = await graphql(base, who.token, query, variables)
    (payload,) = data.values()
    assert payload["errors"] == [], payload["errors"]
    result: dict[str, Any] = payload
    return result


async def open_ticket(base: str, customer: ApiClient, subject: str) -> str:
    payload = await mutate(base, customer, CREATE_TICKET, {"input": {"subject": subject}})
    ticket_id: str = payload["ticket"]["id"]
    return ticket_id


async def live(publisher: Publisher, count: int) -> None:
    """Wait until `count` subscriptions are registered with the server's publisher."""
    await eventually(lambda: publisher.stats().subscribers >= count, "subscribing")


async def test_agent_hears_every_ticket_and_customer_only_their_own(
    server: str, runtime: Runtime, http: Any, db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    mine = await open_ticket(server, customer, "My printer is on fire")
    theirs = await open_ticket(server, other, "Their invoice is wrong")

    async with (
        GraphQLWebSocket.open(server, agent.token) as agent_ws,
        GraphQLWebSocket.open(server, customer.token) as customer_ws,
    ):
        agent_op = await agent_ws.subscribe(TICKET_EVENTS)
        customer_op = await customer_ws.subscribe(TICKET_EVENTS)
        await live(runtime.publisher, 2)

        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": theirs, "priority": "HIGH"}})
        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": mine, "priority": "URGENT"}})

        first, second = await agent_ws.next(agent_op), await agent_ws.next(agent_op)
        heard = await customer_ws.next(customer_op)

    assert first["ticketEvents"]["ticket"]["id"] == theirs
    assert second["ticketEvents"]["ticket"]["id"] == mine
    assert heard["ticketEvents"]["kind"] == "UPDATED"
    # Events arrive in order, so hearing `mine` first proves `theirs` was never sent.
    assert heard["ticketEvents"]["ticket"] == {
        "id": mine,
        "subject": "My printer is on fire",
        "status": "NEW",
        "priority": "URGENT",
        "assignee": None,
    }


async def test_customer_never_hears_internal_notes(
    server: str, runtime: Runtime, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Where is my parcel?")

    async with (
        GraphQLWebSocket.open(server, agent.token) as agent_ws,
        GraphQLWebSocket.open(server, customer.token) as customer_ws,
    ):
        agent_op = await agent_ws.subscribe(TICKET_MESSAGES, {"ticketId": ticket})
        customer_op = await customer_ws.subscribe(TICKET_MESSAGES, {"ticketId": ticket})
        await live(runtime.publisher, 2)

        for visibility, body in (("INTERNAL", "Courier lost it again"), ("PUBLIC", "On its way!")):
            await mutate(
                server,
                agent,
                ADD_MESSAGE,
                {
                    "input": {
                        "ticketId": ticket,
                        "bodyHtml": f"<p>{body}</p>",
                        "visibility": visibility,
                    }
                },
            )

        note, reply = await agent_ws.next(agent_op), await agent_ws.next(agent_op)
        heard = await customer_ws.next(customer_op)

    assert note["ticketMessages"]["message"]["visibility"] == "INTERNAL"
    assert reply["ticketMessages"]["message"]["visibility"] == "PUBLIC"
    assert heard["ticketMessages"]["kind"] == "CREATED"
    assert heard["ticketMessages"]["message"]["bodyText"] == "On its way!"
    assert heard["ticketMessages"]["message"]["visibility"] == "PUBLIC"


async def test_anonymous_subscriber_is_refused_as_unauthenticated(server: str) -> None:
    async with GraphQLWebSocket.open(server) as ws:
        operation = await ws.subscribe(TICKET_EVENTS)
        frame = await ws.frame(operation)

    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_customer_cannot_watch_another_customers_ticket(
    server: str, http: Any, db: Database, customer: ApiClient
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    theirs = await open_ticket(server, other, "Private matter")

    async with GraphQLWebSocket.open(server, customer.token) as ws:
        operation = await ws.subscribe(TICKET_MESSAGES, {"ticketId": theirs})
        frame = await ws.frame(operation)

    assert frame["type"] == "error"
    assert frame["payload"][0]["message"] == "No ticket with this ID."
    assert frame["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_filter_keeps_only_tickets_now_in_the_asked_statuses(
    server: str, runtime: Runtime, agent: ApiClient, customer: ApiClient
) -> None:
    first = await open_ticket(server, customer, "First")
    second = await open_ticket(server, customer, "Second")

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS, {"filter": {"statuses": ["PENDING"]}})
        await live(runtime.publisher, 1)
        await mutate(server, agent, CHANGE_STATUS, {"input": {"ticketId": first, "status": "OPEN"}})
        await mutate(
            server, agent, CHANGE_STATUS, {"input": {"ticketId": second, "status": "PENDING"}}
        )

        heard = await ws.next(operation)

    assert heard["ticketEvents"]["ticket"]["id"] == second
    assert heard["ticketEvents"]["ticket"]["status"] == "PENDING"
    assert heard["ticketEvents"]["kind"] == "STATUS_CHANGED"


async def test_bad_ticket_id_in_filter_is_refused(server: str, agent: ApiClient) -> None:
    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": ["nonsense"]}})
        frame = await ws.frame(operation)

    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_each_event_shows_the_ticket_as_it_is_now(
    server: str, runtime: Runtime, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Before")
    assert agent.user is not None

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": [ticket]}})
        await live(runtime.publisher, 1)
        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": ticket, "subject": "After"}})
        renamed = await ws.next(operation)
        await mutate(
            server,
            agent,
            ASSIGN_TICKET,
            {"input": {"ticketId": ticket, "assigneeId": _user_gid(agent)}},
        )
        assigned = await ws.next(operation)

    assert renamed["ticketEvents"]["ticket"]["subject"] == "After"
    assert renamed["ticketEvents"]["ticket"]["assignee"] is None
    assert assigned["ticketEvents"]["kind"] == "ASSIGNED"
    assert assigned["ticketEvents"]["ticket"]["subject"] == "After"
    assert assigned["ticketEvents"]["ticket"]["assignee"] == {"name": "Alan Agent"}


async def test_deactivated_agent_stops_hearing_events(
    server: str,
    runtime: Runtime,
    db: Database,
    admin: ApiClient,
    agent: ApiClient,
    customer: ApiClient,
) -> None:
    ticket = await open_ticket(server, customer, "Anything")
    assert agent.user is not None

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS)
        await live(runtime.publisher, 1)
        async with db.transaction() as session:
            await session.execute(
                update(User).where(User.id == agent.user.id).values(is_active=False)
            )
        await mutate(server, admin, UPDATE_TICKET, {"input": {"id": ticket, "priority": "LOW"}})

        frame = await ws.frame(operation)

    assert frame["type"] == "complete"


async def test_closing_the_socket_leaves_no_tasks_or_queues_behind(
    server: str, runtime: Runtime, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Leak check")
    await asyncio.sleep(0)
    tasks_before = asyncio.all_tasks()
    stats_before = runtime.publisher.stats()

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        await ws.subscribe(TICKET_EVENTS)
        await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": [ticket]}})
        await ws.subscribe(TICKET_MESSAGES, {"ticketId": ticket})
        await live(runtime.publisher, stats_before.subscribers + 3)
        assert runtime.publisher.stats().channels == stats_before.channels + 2

    await eventually(lambda: runtime.publisher.stats() == stats_before, "releasing subscribers")
    current = asyncio.current_task()
    await eventually(
        lambda: not {t for t in asyncio.all_tasks() - tasks_before if t is not current},
        "finishing the socket's tasks",
    )


async def test_completing_one_subscription_keeps_the_others_on_the_socket(
    server: str, runtime: Runtime, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Two watchers")

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        dropped = await ws.subscribe(TICKET_EVENTS)
        kept = await ws.subscribe(TICKET_EVENTS, {"filter": {"ticketIds": [ticket]}})
        await live(runtime.publisher, 2)
        await ws.complete(dropped)
        await eventually(lambda: runtime.publisher.stats().subscribers == 1, "unsubscribing")

        await mutate(server, agent, UPDATE_TICKET, {"input": {"id": ticket, "priority": "HIGH"}})
        heard = await ws.next(kept)

    assert heard["ticketEvents"]["ticket"]["priority"] == "HIGH"
    assert ws.pending(dropped) == 0


def _user_gid(client: ApiClient) -> str:
    from strawberry import relay

    assert client.user is not None
    return relay.to_base64("User", str(client.user.id))


async def test_logging_out_ends_the_sockets_event_stream(
    server: str, runtime: Runtime, admin: ApiClient, agent: ApiClient, customer: ApiClient
) -> None:
    ticket = await open_ticket(server, customer, "Logout check")

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS)
        await live(runtime.publisher, 1)
        await graphql(server, agent.token, "mutation { logout(input: {}) { errors { code } } }")
        await mutate(server, admin, UPDATE_TICKET, {"input": {"id": ticket, "priority": "LOW"}})

        frame = await ws.frame(operation)

    assert frame["type"] == "complete"
