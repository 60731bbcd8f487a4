"""addMessage: who may post what, the effects on the ticket, sanitising and validation."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from db.engine import Database
from db.models import TicketMessage
from tests.conftest import ApiClient, client_for
from tests.resolvers.message_helpers import (
    audit_actions,
    count_rows,
    fetch_ticket,
    gid,
    make_message,
    make_ticket,
    messages_of,
)

ADD_MESSAGE = """
mutation AddMessage($input: AddMessageInput!) {
  addMessage(input: $input) {
    message {
      id authorKind visibility bodyHtml bodyText createdAt editedAt authorName
      author { email }
      inReplyTo { id }
      ticket { id status }
    }
    errors { field code message }
  }
}
"""


def add_input(ticket_id: uuid.UUID, body: str = "<p>Hello</p>", **extra: object) -> dict[str, Any]:
    return {"input": {"ticketId": gid("Ticket", ticket_id), "bodyHtml": body, **extra}}


async def test_customer_reply_on_own_ticket_is_posted_sanitised(
    db: Database, customer: ApiClient
) -> None:
    # given
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    # when
    data = await customer.data(
        ADD_MESSAGE,
        add_input(ticket.id, '<p onclick="steal()">My <b>printer</b><script>x()</script></p>'),
    )

    # then
    payload = data["addMessage"]
    assert payload["errors"] == []
    message = payload["message"]
    assert message["authorKind"] == "CUSTOMER"
    assert message["visibility"] == "PUBLIC"
    assert message["bodyHtml"] == "<p>My <b>printer</b></p>"
    assert message["bodyText"] == "My printer"
    assert message["author"] == {"email": customer.user.email}
    assert message["authorName"] == customer.user.name
    assert message["editedAt"] is None
    assert message["ticket"]["id"] == gid("Ticket", ticket.id)


async def test_customer_cannot_post_an_internal_note(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    data = await customer.data(ADD_MESSAGE, add_input(ticket.id, visibility="INTERNAL"))

    assert data["addMessage"]["message"] is None
    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("visibility", "FORBIDDEN")
    ]
    assert await count_rows(db, TicketMessage) == 0


async def test_customer_cannot_post_on_another_customers_ticket(
    db: Database, http: httpx.AsyncClient, customer: ApiClient
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    assert other.user is not None
    ticket = await make_ticket(db, other.user)

    data = await customer.data(ADD_MESSAGE, add_input(ticket.id))

    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("ticketId", "NOT_FOUND")
    ]
    assert await count_rows(db, TicketMessage) == 0


async def test_closed_ticket_refuses_messages(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="closed")

    for client, visibility in ((customer, "PUBLIC"), (agent, "PUBLIC"), (agent, "INTERNAL")):
        data = await client.data(ADD_MESSAGE, add_input(ticket.id, visibility=visibility))
        assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
            ("ticketId", "INVALID_STATE")
        ]
    assert await count_rows(db, TicketMessage) == 0


async def test_first_public_staff_reply_opens_a_new_ticket_and_records_the_response(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    data = await agent.data(ADD_MESSAGE, add_input(ticket.id, "<p>On it!</p>"))

    assert data["addMessage"]["errors"] == []
    assert data["addMessage"]["message"]["authorKind"] == "USER"
    assert data["addMessage"]["message"]["ticket"]["status"] == "OPEN"
    row = await fetch_ticket(db, ticket.id)
    assert row.status == "open"
    assert row.first_responded_at is not None
    assert row.last_message_at == row.first_responded_at


async def test_second_staff_reply_keeps_the_first_response_time(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    await agent.data(ADD_MESSAGE, add_input(ticket.id, "first"))
    first = (await fetch_ticket(db, ticket.id)).first_responded_at

    await agent.data(ADD_MESSAGE, add_input(ticket.id, "second"))

    row = await fetch_ticket(db, ticket.id)
    assert row.first_responded_at == first
    assert row.last_message_at is not None
    assert first is not None
    assert row.last_message_at > first


async def test_internal_note_is_not_a_first_response(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    data = await agent.data(ADD_MESSAGE, add_input(ticket.id, "psst", visibility="INTERNAL"))

    assert data["addMessage"]["errors"] == []
    assert data["addMessage"]["message"]["visibility"] == "INTERNAL"
    row = await fetch_ticket(db, ticket.id)
    assert row.status == "new"
    assert row.first_responded_at is None
    assert row.last_message_at is not None


async def test_customer_reply_reopens_a_solved_ticket(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")

    data = await customer.data(ADD_MESSAGE, add_input(ticket.id, "It broke again"))

    assert data["addMessage"]["errors"] == []
    assert data["addMessage"]["message"]["ticket"]["status"] == "OPEN"
    row = await fetch_ticket(db, ticket.id)
    assert row.status == "open"
    assert row.solved_at is None


async def test_customer_reply_to_a_pending_ticket_opens_it(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="pending")

    await customer.data(ADD_MESSAGE, add_input(ticket.id, "Here is the log you asked for"))

    assert (await fetch_ticket(db, ticket.id)).status == "open"


async def test_status_change_by_a_message_is_audited_with_the_message(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")

    data = await customer.data(ADD_MESSAGE, add_input(ticket.id, "Not fixed"))

    (message,) = await messages_of(db, ticket.id)
    assert data["addMessage"]["message"]["id"] == gid("Message", message.id)
    message_entries = await audit_actions(db, "Message")
    ticket_entries = await audit_actions(db, "Ticket")
    assert [e.action for e in message_entries] == ["addMessage"]
    assert message_entries[0].object_id == str(message.id)
    assert message_entries[0].changes["visibility"] == {"before": None, "after": "public"}
    assert message_entries[0].actor_user_id == customer.user.id
    assert [e.action for e in ticket_entries] == ["addMessage"]
    assert ticket_entries[0].changes["status"] == {"before": "solved", "after": "open"}


async def test_body_that_is_empty_after_sanitising_is_refused(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    data = await agent.data(
        ADD_MESSAGE, add_input(ticket.id, "<script>alert(1)</script><p>  </p><img src=x>")
    )

    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("bodyHtml", "INVALID")
    ]
    assert await count_rows(db, TicketMessage) == 0
    assert (await fetch_ticket(db, ticket.id)).status == "new"


async def test_blank_body_is_required(db: Database, agent: ApiClient, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    data = await agent.data(ADD_MESSAGE, add_input(ticket.id, "   "))

    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("bodyHtml", "REQUIRED")
    ]


async def test_body_over_100_kb_is_too_long(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    data = await agent.data(ADD_MESSAGE, add_input(ticket.id, "<p>" + "x" * 102_400 + "</p>"))

    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("bodyHtml", "TOO_LONG")
    ]
    assert await count_rows(db, TicketMessage) == 0


async def test_reviewer_may_post_internal_notes_but_not_public_replies(
    db: Database, reviewer: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    public = await reviewer.data(ADD_MESSAGE, add_input(ticket.id, visibility="PUBLIC"))
    note = await reviewer.data(ADD_MESSAGE, add_input(ticket.id, visibility="INTERNAL"))

    assert [(e["field"], e["code"]) for e in public["addMessage"]["errors"]] == [
        ("visibility", "FORBIDDEN")
    ]
    assert note["addMessage"]["errors"] == []
    assert len(await messages_of(db, ticket.id)) == 1


async def test_reply_to_a_message_on_the_same_ticket(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    question = await make_message(db, ticket, customer.user, "Does it work offline?")

    data = await agent.data(
        ADD_MESSAGE, add_input(ticket.id, "Yes", inReplyToId=gid("Message", question.id))
    )

    assert data["addMessage"]["errors"] == []
    assert data["addMessage"]["message"]["inReplyTo"] == {"id": gid("Message", question.id)}


async def test_reply_to_a_message_of_another_ticket_is_not_found(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    elsewhere = await make_ticket(db, customer.user, subject="Other")
    foreign = await make_message(db, elsewhere, customer.user, "Elsewhere")

    data = await agent.data(
        ADD_MESSAGE, add_input(ticket.id, "Yes", inReplyToId=gid("Message", foreign.id))
    )

    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("inReplyToId", "NOT_FOUND")
    ]
    assert await messages_of(db, ticket.id) == []


async def test_customer_cannot_reply_to_an_internal_note(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    note = await make_message(db, ticket, agent.user, "secret", visibility="internal")

    data = await customer.data(
        ADD_MESSAGE, add_input(ticket.id, "?", inReplyToId=gid("Message", note.id))
    )

    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("inReplyToId", "NOT_FOUND")
    ]


async def test_malformed_ticket_id_is_invalid_id(agent: ApiClient) -> None:
    data = await agent.data(ADD_MESSAGE, {"input": {"ticketId": "bogus", "bodyHtml": "<p>hi</p>"}})

    assert [(e["field"], e["code"]) for e in data["addMessage"]["errors"]] == [
        ("ticketId", "INVALID_ID")
    ]


async def test_anonymous_cannot_post(
    db: Database, anonymous: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    body = await anonymous.post(ADD_MESSAGE, add_input(ticket.id))

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count_rows(db, TicketMessage) == 0
