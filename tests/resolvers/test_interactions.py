"""Logged interactions: log, edit with revisions, delete (soft), files, and who may do
what (agent, author, admin, reviewer, customer)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from strawberry import relay

from db.engine import Database
from db.models import AuditEntry, Interaction, InteractionRevision
from tests.conftest import ApiClient, client_for, make_user
from tests.resolvers.attachment_helpers import UPLOAD_ATTACHMENT, pdf_bytes, windows_exe_bytes
from tests.resolvers.message_helpers import make_ticket

FIELDS = """
id type direction channel occurredAt durationSeconds subject bodyHtml bodyText internal
author { name } participants { id name } ticket { id }
"""

LOG = f"""
mutation ($input: LogInteractionInput!) {{
  logInteraction(input: $input) {{
    interaction {{ {FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

UPDATE = f"""
mutation ($input: UpdateInteractionInput!) {{
  updateInteraction(input: $input) {{
    interaction {{ {FIELDS} revisions {{ previous replacedAt editedBy {{ name }} }} }}
    errors {{ field code message }}
  }}
}}
"""

DELETE = """
mutation ($input: DeleteInteractionInput!) {
  deleteInteraction(input: $input) { deletedInteractionId errors { field code message } }
}
"""

READ = f"""
query ($id: ID!) {{
  node(id: $id) {{
    ... on Interaction {{ {FIELDS} attachments {{ filename contentType }} }}
  }}
}}
"""

LIST = """
query ($id: ID!, $filter: InteractionFilter) {
  customer(id: $id) {
    interactions(first: 10, filter: $filter) { totalCount edges { node { subject internal } } }
  }
}
"""

WHEN = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def gid(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


def customer_of(client: ApiClient) -> uuid.UUID:
    assert client.user is not None
    assert client.user.customer_id is not None
    return client.user.customer_id


async def log(client: ApiClient, customer: uuid.UUID, **fields: Any) -> dict[str, Any]:
    data = {
        "customerId": gid("Customer", customer),
        "type": "CALL",
        "direction": "INBOUND",
        "subject": "Asked about renewal",
        "occurredAt": WHEN.isoformat(),
        **fields,
    }
    body = await client.post(LOG, {"input": data})
    result: dict[str, Any] = body.get("data", {}) or {}
    return result.get("logInteraction") or body


async def logged(client: ApiClient, customer: uuid.UUID, **fields: Any) -> dict[str, Any]:
    payload = await log(client, customer, **fields)
    assert payload["errors"] == []
    interaction: dict[str, Any] = payload["interaction"]
    return interaction


async def stored(db: Database, interaction_id: str) -> Interaction:
    key = uuid.UUID(relay.GlobalID.from_id(interaction_id).node_id)
    async with db.sessions() as session:
        row = await session.get(Interaction, key)
        assert row is not None
        return row


async def test_agent_logs_a_call_with_participants_and_a_ticket(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    colleague = await make_user(db, role="agent", name="Cleo Colleague")

    call = await logged(
        agent,
        customer_of(customer),
        channel="phone",
        durationSeconds=300,
        bodyHtml='<p>Wants <b>3 seats</b></p><script>alert(1)</script><a href="javascript:x">x</a>',
        participantIds=[gid("User", colleague.id)],
        ticketId=gid("Ticket", ticket.id),
        internal=False,
    )

    assert call["type"] == "CALL"
    assert call["occurredAt"].startswith("2026-03-02T14:30:00")
    assert call["durationSeconds"] == 300
    assert "<script" not in call["bodyHtml"]
    assert "javascript" not in call["bodyHtml"]
    assert "<b>3 seats</b>" in call["bodyHtml"]
    assert call["participants"] == [{"id": gid("User", colleague.id), "name": "Cleo Colleague"}]
    assert call["ticket"] == {"id": gid("Ticket", ticket.id)}
    assert call["author"] == {"name": "Alan Agent"}
    async with db.sessions() as session:
        entry = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "logInteraction"))
        ).scalar_one()
    assert entry.changes["subject"]["after"] == "Asked about renewal"


async def test_bad_input_is_refused_field_by_field_and_nothing_is_written(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    other = await make_user(db, role="customer")
    assert other.customer_id is not None
    foreign = await make_ticket(db, other)
    the_customer = await make_user(db, role="customer")

    payload = await log(
        agent,
        customer_of(customer),
        subject="  ",
        durationSeconds=-1,
        occurredAt=(datetime.now(UTC) + timedelta(days=3)).isoformat(),
        ticketId=gid("Ticket", foreign.id),
        participantIds=[gid("User", the_customer.id)],
    )

    problems = {(e["field"], e["code"]) for e in payload["errors"]}
    assert problems == {
        ("subject", "REQUIRED"),
        ("durationSeconds", "INVALID"),
        ("occurredAt", "INVALID"),
    }
    async with db.sessions() as session:
        assert (await session.execute(select(Interaction))).first() is None

    payload = await log(
        agent,
        customer_of(customer),
        ticketId=gid("Ticket", foreign.id),
        participantIds=[gid("User", the_customer.id)],
    )
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("ticketId", "NOT_FOUND"),
        ("participantIds.0", "NOT_FOUND"),
    }


async def test_author_edit_keeps_a_revision_of_the_previous_values(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    call = await logged(agent, customer_of(customer), bodyHtml="<p>first</p>")

    body = await agent.data(
        UPDATE,
        {"input": {"id": call["id"], "subject": "Renewal: 3 seats", "bodyHtml": "<p>second</p>"}},
    )
    payload = body["updateInteraction"]
    again = await agent.data(UPDATE, {"input": {"id": call["id"], "durationSeconds": 60}})

    assert payload["errors"] == []
    assert payload["interaction"]["subject"] == "Renewal: 3 seats"
    [revision] = payload["interaction"]["revisions"]
    assert revision["previous"]["subject"] == "Asked about renewal"
    assert revision["previous"]["body_text"] == "first"
    assert revision["editedBy"] == {"name": "Alan Agent"}
    revisions = again["updateInteraction"]["interaction"]["revisions"]
    assert [r["previous"]["subject"] for r in revisions] == [
        "Asked about renewal",
        "Renewal: 3 seats",
    ]


async def test_an_edit_that_changes_nothing_stores_no_revision(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    call = await logged(agent, customer_of(customer))

    await agent.data(UPDATE, {"input": {"id": call["id"], "subject": "Asked about renewal"}})

    async with db.sessions() as session:
        assert (await session.execute(select(InteractionRevision))).first() is None


async def test_another_agent_may_not_edit_but_an_admin_may(
    agent: ApiClient, admin: ApiClient, customer: ApiClient, http: httpx.AsyncClient, db: Database
) -> None:
    call = await logged(agent, customer_of(customer))
    other_agent = await client_for(http, db, "agent", name="Other Agent")

    refused = await other_agent.post(UPDATE, {"input": {"id": call["id"], "subject": "Nope"}})
    allowed = await admin.data(UPDATE, {"input": {"id": call["id"], "subject": "Fixed"}})

    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert allowed["updateInteraction"]["interaction"]["subject"] == "Fixed"
    assert (await stored(db, call["id"])).subject == "Fixed"


async def test_reviewers_and_customers_cannot_log(reviewer: ApiClient, customer: ApiClient) -> None:
    as_reviewer = await log(reviewer, customer_of(customer))
    as_customer = await log(customer, customer_of(customer))

    assert as_reviewer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert as_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_only_admins_delete_and_the_row_stays(
    agent: ApiClient, admin: ApiClient, customer: ApiClient, db: Database
) -> None:
    call = await logged(agent, customer_of(customer))

    as_author = await agent.post(DELETE, {"input": {"id": call["id"]}})
    as_admin = await admin.data(DELETE, {"input": {"id": call["id"]}})
    read = await agent.data(READ, {"id": call["id"]})
    listed = await agent.data(LIST, {"id": gid("Customer", customer_of(customer))})

    assert as_author["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert as_admin["deleteInteraction"] == {"deletedInteractionId": call["id"], "errors": []}
    assert read["node"] is None
    assert listed["customer"]["interactions"]["totalCount"] == 0
    row = await stored(db, call["id"])
    assert row.deleted_at is not None
    assert admin.user is not None
    assert row.deleted_by_id == admin.user.id


async def test_customer_sees_their_public_interactions_only(
    agent: ApiClient, customer: ApiClient
) -> None:
    casey = customer_of(customer)
    public = await logged(agent, casey, subject="Onboarding call", internal=False)
    private = await logged(agent, casey, subject="Churn risk discussion")

    listed = await customer.data(LIST, {"id": gid("Customer", casey)})
    hidden = await customer.data(READ, {"id": private["id"]})
    shown = await customer.post(
        """query ($id: ID!) { node(id: $id) { ... on Interaction {
             subject author { name } revisions { replacedAt } attachments { id } } } }""",
        {"id": public["id"]},
    )

    assert listed["customer"]["interactions"]["edges"] == [
        {"node": {"subject": "Onboarding call", "internal": False}}
    ]
    assert hidden["node"] is None
    assert shown["data"]["node"]["subject"] == "Onboarding call"
    assert shown["data"]["node"]["revisions"] is None
    assert shown["data"]["node"]["attachments"] is None


async def test_interactions_filter_by_type(agent: ApiClient, customer: ApiClient) -> None:
    casey = customer_of(customer)
    await logged(agent, casey, subject="A call")
    await logged(agent, casey, subject="A visit", type="VISIT")

    data = await agent.data(LIST, {"id": gid("Customer", casey), "filter": {"types": ["VISIT"]}})

    assert [e["node"]["subject"] for e in data["customer"]["interactions"]["edges"]] == ["A visit"]


async def upload_to(
    client: ApiClient, interaction_id: str, content: bytes, filename: str
) -> dict[str, Any]:
    operations = {
        "query": UPLOAD_ATTACHMENT,
        "variables": {"input": {"interactionId": interaction_id, "file": None}},
    }
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, content, "application/octet-stream")},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_files_go_on_an_interaction_through_the_upload_flow(
    agent: ApiClient, customer: ApiClient, http: httpx.AsyncClient
) -> None:
    call = await logged(agent, customer_of(customer), internal=False)

    stored_pdf = await upload_to(agent, call["id"], pdf_bytes(), "minutes.pdf")
    refused = await upload_to(agent, call["id"], windows_exe_bytes(), "minutes.pdf")
    as_customer = await upload_to(customer, call["id"], pdf_bytes(), "mine.pdf")
    read = await agent.data(READ, {"id": call["id"]})

    payload = stored_pdf["data"]["uploadAttachment"]
    assert payload["errors"] == []
    assert payload["attachment"]["ticket"] is None
    assert refused["data"]["uploadAttachment"]["errors"][0]["code"] == "UNSUPPORTED_TYPE"
    assert as_customer["data"]["uploadAttachment"]["errors"][0]["code"] == "FORBIDDEN"
    assert read["node"]["attachments"] == [
        {"filename": "minutes.pdf", "contentType": "application/pdf"}
    ]
    # The file is staff-only: its download link does not open for the customer.
    url = payload["attachment"]["downloadUrl"]
    customer_view = await customer.post(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": payload["attachment"]["id"]}
    )
    assert customer_view["data"]["node"] is None
    assert (await http.get(url)).status_code == 200
