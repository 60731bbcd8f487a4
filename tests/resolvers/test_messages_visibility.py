"""Internal notes never reach customers: not in Ticket.messages, not by node(id), not as
Ticket.lastMessage; authors and replies follow the same rules."""

from __future__ import annotations

import httpx

from db.engine import Database
from db.models import Ticket
from tests.conftest import ApiClient, client_for
from tests.resolvers.message_helpers import gid, make_message, make_ticket

TICKET_MESSAGES = """
query TicketMessages($id: ID!, $filter: MessageFilterInput, $orderBy: MessageOrderBy) {
  node(id: $id) {
    ... on Ticket {
      messages(filter: $filter, orderBy: $orderBy) {
        totalCount
        edges { node { bodyText visibility authorKind } }
      }
      lastMessage { bodyText visibility }
    }
  }
}
"""

MESSAGE_NODE = """
query Message($id: ID!) {
  node(id: $id) { ... on Message { id bodyText visibility authorName author { email } } }
}
"""

IN_REPLY_TO = """
query Message($id: ID!) { node(id: $id) { ... on Message { inReplyTo { id } } } }
"""


async def _conversation(db: Database, customer: ApiClient, agent: ApiClient) -> Ticket:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    await make_message(db, ticket, customer.user, "My printer is on fire")
    await make_message(db, ticket, agent.user, "Sure, replying now")
    await make_message(db, ticket, agent.user, "Customer seems upset", visibility="internal")
    return ticket


async def test_customer_sees_public_replies_but_no_internal_notes(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    ticket = await _conversation(db, customer, agent)

    data = await customer.data(TICKET_MESSAGES, {"id": gid("Ticket", ticket.id)})

    messages = data["node"]["messages"]
    assert messages["totalCount"] == 2
    assert [e["node"]["bodyText"] for e in messages["edges"]] == [
        "My printer is on fire",
        "Sure, replying now",
    ]
    assert {e["node"]["visibility"] for e in messages["edges"]} == {"PUBLIC"}


async def test_customer_asking_for_internal_notes_gets_none(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    ticket = await _conversation(db, customer, agent)

    data = await customer.data(
        TICKET_MESSAGES,
        {"id": gid("Ticket", ticket.id), "filter": {"visibility": "INTERNAL"}},
    )

    assert data["node"]["messages"] == {"totalCount": 0, "edges": []}


async def test_staff_see_the_whole_conversation_newest_first_on_request(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    ticket = await _conversation(db, customer, agent)

    data = await agent.data(
        TICKET_MESSAGES,
        {"id": gid("Ticket", ticket.id), "orderBy": {"direction": "DESC"}},
    )

    messages = data["node"]["messages"]
    assert messages["totalCount"] == 3
    assert [e["node"]["visibility"] for e in messages["edges"]] == ["INTERNAL", "PUBLIC", "PUBLIC"]


async def test_last_message_skips_internal_notes_for_customers_only(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    ticket = await _conversation(db, customer, agent)
    variables = {"id": gid("Ticket", ticket.id)}

    as_customer = await customer.data(TICKET_MESSAGES, variables)
    as_agent = await agent.data(TICKET_MESSAGES, variables)

    assert as_customer["node"]["lastMessage"] == {
        "bodyText": "Sure, replying now",
        "visibility": "PUBLIC",
    }
    assert as_agent["node"]["lastMessage"] == {
        "bodyText": "Customer seems upset",
        "visibility": "INTERNAL",
    }


async def test_ticket_without_messages_has_no_last_message(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    data = await customer.data(TICKET_MESSAGES, {"id": gid("Ticket", ticket.id)})

    assert data["node"]["lastMessage"] is None
    assert data["node"]["messages"]["totalCount"] == 0


async def test_customer_cannot_fetch_an_internal_note_by_id(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    note = await make_message(db, ticket, agent.user, "secret", visibility="internal")

    as_customer = await customer.data(MESSAGE_NODE, {"id": gid("Message", note.id)})
    as_agent = await agent.data(MESSAGE_NODE, {"id": gid("Message", note.id)})

    assert as_customer["node"] is None
    assert as_agent["node"]["bodyText"] == "secret"


async def test_customer_cannot_fetch_another_customers_message(
    db: Database, http: httpx.AsyncClient, customer: ApiClient
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    assert other.user is not None
    ticket = await make_ticket(db, other.user)
    message = await make_message(db, ticket, other.user, "private matter")

    data = await customer.data(MESSAGE_NODE, {"id": gid("Message", message.id)})

    assert data["node"] is None


async def test_anonymous_cannot_fetch_a_message(
    db: Database, anonymous: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, customer.user, "hello")

    data = await anonymous.data(MESSAGE_NODE, {"id": gid("Message", message.id)})

    assert data["node"] is None


async def test_customer_sees_the_agents_name_but_not_the_agent_account(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    reply = await make_message(db, ticket, agent.user, "Hello from support")

    as_customer = await customer.data(MESSAGE_NODE, {"id": gid("Message", reply.id)})
    as_agent = await agent.data(MESSAGE_NODE, {"id": gid("Message", reply.id)})

    assert as_customer["node"]["authorName"] == agent.user.name
    assert as_customer["node"]["author"] == {"email": None}  # the public profile only
    assert as_agent["node"]["author"] == {"email": agent.user.email}


async def test_public_reply_to_an_internal_note_hides_the_note_from_customers(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    note = await make_message(db, ticket, agent.user, "check billing", visibility="internal")
    reply = await make_message(db, ticket, agent.user, "Refunded", in_reply_to_id=note.id)

    as_customer = await customer.data(IN_REPLY_TO, {"id": gid("Message", reply.id)})
    as_agent = await agent.data(IN_REPLY_TO, {"id": gid("Message", reply.id)})

    assert as_customer["node"]["inReplyTo"] is None
    assert as_agent["node"]["inReplyTo"] == {"id": gid("Message", note.id)}
