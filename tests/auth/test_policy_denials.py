"""Denials, entity by entity, through the real API: what the policy refuses looks like
what is absent (null / NOT_FOUND), and a role that may never act gets FORBIDDEN with
nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from db.engine import Database
from db.models import ApiKey, Team, TicketMessage, User
from tests.auth.policy_world import World, build_world, gid
from tests.conftest import ApiClient, client_for, make_user
from tests.resolvers.attachment_helpers import post_upload
from tests.resolvers.message_helpers import count_rows, make_ticket

NODE = "query($id: ID!) { node(id: $id) { id } }"
TICKET = "query($id: ID!) { ticket(id: $id) { id } }"
TICKETS = "query { tickets { edges { node { id } } } }"
CUSTOMER = "query($id: ID!) { customer(id: $id) { id } }"
TEAMS = "query { teams { edges { node { id } } } }"
USERS = "query { users { edges { node { id } } } }"
AUDIT_LOG = "query { auditLog { edges { node { id } } } }"
ADD_MESSAGE = """
mutation($input: AddMessageInput!) {
  addMessage(input: $input) {
    message { id visibility attachments { id } }
    errors { field code }
  }
}
"""
CREATE_TEAM = """
mutation($input: CreateTeamInput!) { createTeam(input: $input) { team { id } errors { code } } }
"""
CREATE_API_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key errors { code } }
}
"""


def forbidden(body: dict[str, Any]) -> bool:
    return [e["extensions"]["code"] for e in body.get("errors", [])] == ["FORBIDDEN"]


@pytest.fixture
async def world(db: Database, customer: ApiClient, agent: ApiClient) -> World:
    assert customer.user is not None
    assert agent.user is not None
    return await build_world(db, customer.user, agent.user)


async def test_customer_cannot_read_another_customers_ticket(
    world: World, customer: ApiClient
) -> None:
    theirs = gid("Ticket", world.other_ticket.id)

    by_id = await customer.data(TICKET, {"id": theirs})
    by_node = await customer.data(NODE, {"id": theirs})
    listed = await customer.data(TICKETS)

    assert by_id["ticket"] is None
    assert by_node["node"] is None
    assert [e["node"]["id"] for e in listed["tickets"]["edges"]] == [gid("Ticket", world.ticket.id)]


async def test_customer_cannot_read_another_customers_record(
    world: World, customer: ApiClient
) -> None:
    theirs = gid("Customer", world.other_customer.id)

    by_id = await customer.data(CUSTOMER, {"id": theirs})
    by_node = await customer.data(NODE, {"id": theirs})

    assert by_id["customer"] is None
    assert by_node["node"] is None


@pytest.mark.parametrize("which", ["other_file", "internal_file", "staff_pending_file"])
async def test_customer_cannot_read_an_attachment_that_is_not_theirs_to_see(
    world: World, customer: ApiClient, which: str
) -> None:
    attachment = getattr(world, which)

    data = await customer.data(NODE, {"id": gid("Attachment", attachment.id)})

    assert data["node"] is None


async def test_customer_cannot_read_an_internal_note(world: World, customer: ApiClient) -> None:
    data = await customer.data(NODE, {"id": gid("Message", world.internal_note.id)})

    assert data["node"] is None


async def test_customer_cannot_see_teams(world: World, customer: ApiClient) -> None:
    by_node = await customer.data(NODE, {"id": gid("Team", world.team.id)})
    listed = await customer.post(TEAMS)

    assert by_node["node"] is None
    assert forbidden(listed)


async def test_customer_cannot_list_users(world: World, customer: ApiClient) -> None:
    assert forbidden(await customer.post(USERS))


async def test_customer_cannot_read_a_user_of_another_organisation(
    db: Database, http: httpx.AsyncClient, world: World, customer: ApiClient
) -> None:
    stranger = await client_for(http, db, "customer")
    assert stranger.user is not None

    data = await customer.data(NODE, {"id": gid("User", stranger.user.id)})

    assert data["node"] is None


async def test_reviewer_cannot_write_a_public_reply(db: Database, reviewer: ApiClient) -> None:
    owner = await make_ticket_owner(db)
    ticket = await make_ticket(db, owner)

    data = await reviewer.data(
        ADD_MESSAGE,
        {"input": {"ticketId": gid("Ticket", ticket.id), "bodyHtml": "Hi", "visibility": "PUBLIC"}},
    )

    assert data["addMessage"]["message"] is None
    assert data["addMessage"]["errors"] == [{"field": "visibility", "code": "FORBIDDEN"}]
    assert await count_rows(db, TicketMessage) == 0


async def test_reviewer_attaches_an_upload_to_an_internal_note(
    db: Database, reviewer: ApiClient
) -> None:
    owner = await make_ticket_owner(db)
    ticket = await make_ticket(db, owner)
    uploaded = await post_upload(reviewer, ticket.id, b"call notes", "notes.txt", "text/plain")
    upload = uploaded.json()["data"]["uploadAttachment"]
    assert upload["errors"] == []

    data = await reviewer.data(
        ADD_MESSAGE,
        {
            "input": {
                "ticketId": gid("Ticket", ticket.id),
                "bodyHtml": "See the notes",
                "visibility": "INTERNAL",
                "attachmentIds": [upload["attachment"]["id"]],
            }
        },
    )

    assert data["addMessage"]["errors"] == []
    assert data["addMessage"]["message"]["visibility"] == "INTERNAL"
    assert data["addMessage"]["message"]["attachments"] == [{"id": upload["attachment"]["id"]}]


async def test_agent_cannot_administer_teams_keys_or_the_audit_log(
    db: Database, agent: ApiClient
) -> None:
    team = await agent.post(CREATE_TEAM, {"input": {"name": "Shadow IT"}})
    key = await agent.post(CREATE_API_KEY, {"input": {"name": "Zapier", "role": "ADMIN"}})
    audit = await agent.post(AUDIT_LOG)

    assert forbidden(team)
    assert forbidden(key)
    assert forbidden(audit)
    assert await count_rows(db, Team) == 0
    assert await count_rows(db, ApiKey) == 0


async def make_ticket_owner(db: Database) -> User:
    return await make_user(db, role="customer")
