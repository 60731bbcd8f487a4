"""editMessage: authors (and admins) edit; history is kept and shown to staff only."""

from __future__ import annotations

import httpx

from db.engine import Database
from db.models import TicketMessageRevision
from tests.conftest import ApiClient, client_for
from tests.resolvers.message_helpers import (
    audit_actions,
    count_rows,
    gid,
    make_message,
    make_ticket,
    messages_of,
)

EDIT_MESSAGE = """
mutation EditMessage($input: EditMessageInput!) {
  editMessage(input: $input) {
    message { id bodyHtml bodyText editedAt }
    errors { field code message }
  }
}
"""

REVISIONS = """
query Revisions($id: ID!) {
  node(id: $id) {
    ... on Message {
      bodyText editedAt
      revisions { bodyHtml bodyText replacedAt editedBy { email } }
    }
  }
}
"""


async def test_author_edits_and_staff_see_the_previous_body(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    # given
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, agent.user, "<p>Try <b>rebooting</b></p>")
    message_id = gid("Message", message.id)

    # when
    data = await agent.data(
        EDIT_MESSAGE, {"input": {"messageId": message_id, "bodyHtml": "<p>Try updating</p>"}}
    )

    # then
    payload = data["editMessage"]
    assert payload["errors"] == []
    assert payload["message"]["bodyHtml"] == "<p>Try updating</p>"
    assert payload["message"]["editedAt"] is not None
    history = await agent.data(REVISIONS, {"id": message_id})
    assert history["node"]["bodyText"] == "Try updating"
    assert history["node"]["revisions"] == [
        {
            "bodyHtml": "<p>Try <b>rebooting</b></p>",
            "bodyText": "Try rebooting",
            "replacedAt": payload["message"]["editedAt"],
            "editedBy": {"email": agent.user.email},
        }
    ]
    entries = await audit_actions(db, "Message")
    assert [e.action for e in entries] == ["editMessage"]
    assert entries[0].changes["body_text"] == {"before": "Try rebooting", "after": "Try updating"}


async def test_every_edit_adds_a_revision_oldest_first(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, agent.user, "one")
    message_id = gid("Message", message.id)

    for body in ("two", "three"):
        variables = {"input": {"messageId": message_id, "bodyHtml": body}}
        data = await agent.data(EDIT_MESSAGE, variables)
        assert data["editMessage"]["errors"] == []

    history = await agent.data(REVISIONS, {"id": message_id})
    assert [r["bodyText"] for r in history["node"]["revisions"]] == ["one", "two"]
    assert history["node"]["bodyText"] == "three"


async def test_customer_edits_own_message_but_never_sees_revisions(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, customer.user, "My pritner")
    message_id = gid("Message", message.id)

    data = await customer.data(
        EDIT_MESSAGE, {"input": {"messageId": message_id, "bodyHtml": "My printer"}}
    )
    body = await customer.post(REVISIONS, {"id": message_id})

    assert data["editMessage"]["errors"] == []
    assert body["data"]["node"]["bodyText"] == "My printer"
    assert body["data"]["node"]["revisions"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await count_rows(db, TicketMessageRevision) == 1


async def test_another_agent_cannot_edit_but_an_admin_can(
    db: Database, http: httpx.AsyncClient, customer: ApiClient, agent: ApiClient, admin: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, agent.user, "original")
    colleague = await client_for(http, db, "agent", name="Colin Colleague")
    variables = {"input": {"messageId": gid("Message", message.id), "bodyHtml": "changed"}}

    refused = await colleague.post(EDIT_MESSAGE, variables)
    allowed = await admin.data(EDIT_MESSAGE, variables)

    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert allowed["editMessage"]["errors"] == []
    (row,) = await messages_of(db, ticket.id)
    assert row.body_text == "changed"
    assert await count_rows(db, TicketMessageRevision) == 1


async def test_customer_cannot_edit_staff_reply(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, agent.user, "official answer")

    body = await customer.post(
        EDIT_MESSAGE, {"input": {"messageId": gid("Message", message.id), "bodyHtml": "lies"}}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await messages_of(db, ticket.id))[0].body_text == "official answer"


async def test_customer_cannot_edit_internal_note_it_cannot_see(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    note = await make_message(db, ticket, agent.user, "secret", visibility="internal")

    data = await customer.data(
        EDIT_MESSAGE, {"input": {"messageId": gid("Message", note.id), "bodyHtml": "x"}}
    )

    assert [(e["field"], e["code"]) for e in data["editMessage"]["errors"]] == [
        ("messageId", "NOT_FOUND")
    ]


async def test_messages_of_a_closed_ticket_cannot_be_edited(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user, status="closed")
    message = await make_message(db, ticket, agent.user, "final words")

    data = await agent.data(
        EDIT_MESSAGE, {"input": {"messageId": gid("Message", message.id), "bodyHtml": "new"}}
    )

    assert [(e["field"], e["code"]) for e in data["editMessage"]["errors"]] == [
        ("messageId", "INVALID_STATE")
    ]
    assert await count_rows(db, TicketMessageRevision) == 0


async def test_edit_to_an_empty_body_is_refused(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, agent.user, "keep me")

    data = await agent.data(
        EDIT_MESSAGE,
        {"input": {"messageId": gid("Message", message.id), "bodyHtml": "<script>x</script>"}},
    )

    assert [(e["field"], e["code"]) for e in data["editMessage"]["errors"]] == [
        ("bodyHtml", "INVALID")
    ]
    assert (await messages_of(db, ticket.id))[0].body_text == "keep me"
    assert await count_rows(db, TicketMessageRevision) == 0
