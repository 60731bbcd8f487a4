"""Staff notes on a customer: add, edit with revisions, pin, delete (soft), who may do
what, that a customer never learns they exist, and the deprecated `notes` string."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from strawberry import relay

from db.engine import Database
from db.models import CustomerNote
from tests.conftest import ApiClient, client_for

NOTE_FIELDS = "id bodyHtml bodyText pinned author { name } revisions { bodyHtml pinned }"

ADD = f"""
mutation ($input: AddCustomerNoteInput!) {{
  addCustomerNote(input: $input) {{ note {{ {NOTE_FIELDS} }} errors {{ field code }} }}
}}
"""
UPDATE = f"""
mutation ($input: UpdateCustomerNoteInput!) {{
  updateCustomerNote(input: $input) {{ note {{ {NOTE_FIELDS} }} errors {{ field code }} }}
}}
"""
PIN = f"""
mutation ($input: PinCustomerNoteInput!) {{
  pinCustomerNote(input: $input) {{ note {{ {NOTE_FIELDS} }} errors {{ field code }} }}
}}
"""
DELETE = """
mutation ($input: DeleteCustomerNoteInput!) {
  deleteCustomerNote(input: $input) { deletedNoteId errors { field code } }
}
"""
NOTES = """
query ($id: ID!, $pinned: Boolean) {
  customer(id: $id) {
    notes
    customerNotes(first: 10, pinned: $pinned) { totalCount edges { node { bodyText pinned } } }
  }
}
"""
UPDATE_CUSTOMER = """
mutation ($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { notes } errors { field code } }
}
"""


def gid(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


def casey(client: ApiClient) -> str:
    assert client.user is not None
    assert client.user.customer_id is not None
    return gid("Customer", client.user.customer_id)


async def add(client: ApiClient, customer: str, body: str, **extra: Any) -> dict[str, Any]:
    data = await client.data(ADD, {"input": {"customerId": customer, "bodyHtml": body, **extra}})
    payload: dict[str, Any] = data["addCustomerNote"]
    return payload


async def note_rows(db: Database) -> list[CustomerNote]:
    async with db.sessions() as session:
        return list((await session.execute(select(CustomerNote))).scalars())


async def test_agent_adds_a_sanitised_note(agent: ApiClient, customer: ApiClient) -> None:
    payload = await add(agent, casey(customer), "<p>Prefers <i>phone</i></p><img src=x onerror=y>")

    assert payload["errors"] == []
    note = payload["note"]
    assert note["bodyHtml"].startswith("<p>Prefers <i>phone</i></p>")
    assert "onerror" not in note["bodyHtml"]
    assert note["author"] == {"name": "Alan Agent"}
    assert note["pinned"] is False


async def test_empty_note_is_refused_and_nothing_is_written(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    payload = await add(agent, casey(customer), "<script>only code</script>")

    assert payload["errors"] == [{"field": "bodyHtml", "code": "INVALID"}]
    assert await note_rows(db) == []


async def test_edits_and_pins_keep_revisions(agent: ApiClient, customer: ApiClient) -> None:
    note = (await add(agent, casey(customer), "<p>v1</p>"))["note"]

    await agent.data(UPDATE, {"input": {"id": note["id"], "bodyHtml": "<p>v2</p>"}})
    pinned = await agent.data(PIN, {"input": {"id": note["id"], "pinned": True}})

    after = pinned["pinCustomerNote"]["note"]
    assert after["bodyText"] == "v2"
    assert after["pinned"] is True
    assert after["revisions"] == [
        {"bodyHtml": "<p>v1</p>", "pinned": False},
        {"bodyHtml": "<p>v2</p>", "pinned": False},
    ]


async def test_only_author_or_admin_edit_and_delete(
    agent: ApiClient, admin: ApiClient, customer: ApiClient, http: httpx.AsyncClient, db: Database
) -> None:
    note = (await add(agent, casey(customer), "<p>mine</p>"))["note"]
    colleague = await client_for(http, db, "agent", name="Other Agent")

    edit = await colleague.post(UPDATE, {"input": {"id": note["id"], "bodyHtml": "<p>x</p>"}})
    delete = await colleague.post(DELETE, {"input": {"id": note["id"]}})
    by_admin = await admin.data(DELETE, {"input": {"id": note["id"]}})

    assert edit["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert delete["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert by_admin["deleteCustomerNote"] == {"deletedNoteId": note["id"], "errors": []}
    [row] = await note_rows(db)
    assert row.body_text == "mine"
    assert row.deleted_at is not None
    listed = await agent.data(NOTES, {"id": casey(customer)})
    assert listed["customer"]["customerNotes"]["totalCount"] == 0


async def test_reviewer_writes_notes_but_may_not_pin(
    reviewer: ApiClient, customer: ApiClient
) -> None:
    note = (await add(reviewer, casey(customer), "<p>seen on call</p>"))["note"]

    pin = await reviewer.post(PIN, {"input": {"id": note["id"]}})

    assert note["author"] == {"name": "Rita Reviewer"}
    assert pin["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_customer_never_learns_a_note_exists(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    note = (await add(agent, casey(customer), "<p>Difficult</p>"))["note"]

    listed = await customer.post(NOTES, {"id": casey(customer)})
    by_node = await customer.data("query ($id: ID!) { node(id: $id) { id } }", {"id": note["id"]})
    write = await customer.post(ADD, {"input": {"customerId": casey(customer), "bodyHtml": "x"}})

    assert listed["data"]["customer"] == {"notes": None, "customerNotes": None}
    assert {e["extensions"]["code"] for e in listed["errors"]} == {"FORBIDDEN"}
    assert by_node["node"] is None
    assert write["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert len(await note_rows(db)) == 1


async def test_pinned_filter(agent: ApiClient, customer: ApiClient) -> None:
    await add(agent, casey(customer), "<p>plain</p>")
    await add(agent, casey(customer), "<p>top</p>", pinned=True)

    data = await agent.data(NOTES, {"id": casey(customer), "pinned": True})

    assert data["customer"]["customerNotes"]["edges"] == [
        {"node": {"bodyText": "top", "pinned": True}}
    ]


async def test_deprecated_notes_string_reads_and_writes_the_first_entry(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    set_once = await agent.data(
        UPDATE_CUSTOMER, {"input": {"id": casey(customer), "notes": "Line 1\nA < B & C"}}
    )
    await add(agent, casey(customer), "<p>a later note</p>")
    replaced = await agent.data(
        UPDATE_CUSTOMER, {"input": {"id": casey(customer), "notes": "Changed"}}
    )
    data = await agent.data(NOTES, {"id": casey(customer)})

    assert set_once["updateCustomer"]["customer"]["notes"] == "Line 1\nA < B & C"
    assert replaced["updateCustomer"]["customer"]["notes"] == "Changed"
    assert data["customer"]["notes"] == "Changed"
    assert [e["node"]["bodyText"] for e in data["customer"]["customerNotes"]["edges"]] == [
        "a later note",
        "Changed",
    ]
    first = min(await note_rows(db), key=lambda r: r.created_at)
    assert first.body_html == "<p>Changed</p>"

    cleared = await agent.data(UPDATE_CUSTOMER, {"input": {"id": casey(customer), "notes": ""}})
    # Clearing deletes that entry; the next oldest becomes what `notes` shows.
    assert cleared["updateCustomer"]["customer"]["notes"] == "a later note"
