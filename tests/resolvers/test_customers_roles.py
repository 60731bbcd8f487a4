"""Who may do what with customers: every role against every operation. Denials carry
`extensions.code` and write nothing; another customer's record looks absent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from db.engine import Database
from db.models import Customer, CustomerNote
from tests.conftest import ApiClient, client_for
from tests.resolvers.customer_data import audit_entries, customer_count, gid, seed_customer, stored

ROLES = ["admin", "agent", "reviewer", "customer", "other_customer", "anonymous"]

CUSTOMER_QUERY = "query($id: ID!) { customer(id: $id) { id name } }"
NODE_QUERY = "query($id: ID!) { node(id: $id) { ... on Customer { id name } } }"
LIST_QUERY = "query { customers { totalCount edges { node { id } } } }"
LIST_DELETED = "query { customers(filter: {includeDeleted: true}) { totalCount } }"
CREATE = """
mutation { createCustomer(input: {name: "New Person"}) { customer { id } errors { code } } }
"""
UPDATE_NAME = """
mutation($id: ID!) {
  updateCustomer(input: {id: $id, name: "Renamed", phones: ["+14155552671"]}) {
    customer { name phones } errors { field code }
  }
}
"""
UPDATE_TAGS = """
mutation($id: ID!) {
  updateCustomer(input: {id: $id, name: "Renamed", tags: ["vip"]}) {
    customer { name } errors { field code }
  }
}
"""
DELETE = """
mutation($id: ID!) { deleteCustomer(input: {id: $id}) { customer { id } errors { code } } }
"""
RESTORE = """
mutation($id: ID!) { restoreCustomer(input: {id: $id}) { customer { id } errors { code } } }
"""
NOTES_QUERY = "query($id: ID!) { customer(id: $id) { name notes } }"


@pytest.fixture
async def other_customer(http: httpx.AsyncClient, db: Database) -> ApiClient:
    return await client_for(http, db, "customer", name="Olga Other")


@pytest.fixture
def caller(role: str, request: pytest.FixtureRequest) -> ApiClient:
    """The client of the parametrized `role` (only that one is signed up)."""
    client: ApiClient = request.getfixturevalue(role)
    return client


@pytest.fixture
async def casey(db: Database, customer: ApiClient) -> Customer:
    """The `customer` client's own record (the one every operation targets)."""
    user = customer.user
    assert user is not None
    assert user.customer_id is not None
    async with db.sessions() as session:
        row = await session.get(Customer, user.customer_id)
    assert row is not None
    return row


def code_of(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


READ_EXPECTED = {
    "admin": "Casey Customer",
    "agent": "Casey Customer",
    "reviewer": "Casey Customer",
    "customer": "Casey Customer",
    "other_customer": None,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("query", [CUSTOMER_QUERY, NODE_QUERY], ids=["customer", "node"])
async def test_reading_one_customer_by_role(
    caller: ApiClient, casey: Customer, role: str, query: str
) -> None:
    body = await caller.post(query, {"id": gid(casey)})

    if role == "anonymous":
        if query == CUSTOMER_QUERY:
            assert code_of(body) == "UNAUTHENTICATED"
        else:  # `node` is open to all, but shows nothing to nobody
            assert body["data"]["node"] is None
        return
    assert "errors" not in body
    found = body["data"]["customer" if query == CUSTOMER_QUERY else "node"]
    assert (found["name"] if found else None) == READ_EXPECTED[role]


@pytest.mark.parametrize("role", ROLES)
async def test_listing_customers_by_role(
    caller: ApiClient, casey: Customer, db: Database, role: str
) -> None:
    await seed_customer(db, "Someone Else")
    total = await customer_count(db)  # casey, olga, someone

    body = await caller.post(LIST_QUERY)

    if role == "anonymous":
        assert code_of(body) == "UNAUTHENTICATED"
        return
    listed = body["data"]["customers"]
    if role in ("customer", "other_customer"):
        own = caller.user
        assert own is not None
        assert listed["totalCount"] == 1
        assert [e["node"]["id"] for e in listed["edges"]] == [gid(Customer(id=own.customer_id))]
    else:
        assert listed["totalCount"] == total


CREATE_EXPECTED = {
    "admin": None,
    "agent": None,
    "reviewer": "FORBIDDEN",
    "customer": "FORBIDDEN",
    "other_customer": "FORBIDDEN",
    "anonymous": "UNAUTHENTICATED",
}


@pytest.mark.parametrize("role", ROLES)
async def test_creating_a_customer_by_role(caller: ApiClient, db: Database, role: str) -> None:
    before = await customer_count(db)

    body = await caller.post(CREATE)

    assert code_of(body) == CREATE_EXPECTED[role]
    if CREATE_EXPECTED[role] is None:
        assert body["data"]["createCustomer"]["errors"] == []
        assert await customer_count(db) == before + 1
    else:
        assert body["data"] is None
        assert await customer_count(db) == before
        assert await audit_entries(db) == []


UPDATE_EXPECTED = {
    "admin": None,
    "agent": None,
    "reviewer": "FORBIDDEN",
    "customer": None,
    "other_customer": "not_found",
    "anonymous": "UNAUTHENTICATED",
}


@pytest.mark.parametrize("role", ROLES)
async def test_updating_name_and_phones_by_role(
    caller: ApiClient, casey: Customer, db: Database, role: str
) -> None:
    body = await caller.post(UPDATE_NAME, {"id": gid(casey)})

    expected = UPDATE_EXPECTED[role]
    if expected is None:
        payload = body["data"]["updateCustomer"]
        assert payload["errors"] == []
        assert payload["customer"] == {"name": "Renamed", "phones": ["+14155552671"]}
        return
    if expected == "not_found":
        payload = body["data"]["updateCustomer"]
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_FOUND")]
    else:
        assert code_of(body) == expected
    after = await stored(db, casey)
    assert (after["name"], after["phones"]) == ("Casey Customer", [])
    assert await audit_entries(db) == []


async def test_customer_cannot_change_staff_fields_of_own_record(
    customer: ApiClient, casey: Customer, db: Database
) -> None:
    body = await customer.post(UPDATE_TAGS, {"id": gid(casey)})

    assert code_of(body) == "FORBIDDEN"
    assert "tags" in body["errors"][0]["message"]
    after = await stored(db, casey)
    assert (after["name"], after["tags"]) == ("Casey Customer", [])
    assert await audit_entries(db) == []


DELETE_EXPECTED = {
    "admin": None,
    "agent": None,
    "reviewer": "FORBIDDEN",
    "customer": "FORBIDDEN",
    "other_customer": "FORBIDDEN",
    "anonymous": "UNAUTHENTICATED",
}


@pytest.mark.parametrize("role", ROLES)
async def test_deleting_a_customer_by_role(
    caller: ApiClient, casey: Customer, db: Database, role: str
) -> None:
    body = await caller.post(DELETE, {"id": gid(casey)})

    assert code_of(body) == DELETE_EXPECTED[role]
    deleted_at = (await stored(db, casey))["deleted_at"]
    if DELETE_EXPECTED[role] is None:
        assert body["data"]["deleteCustomer"]["errors"] == []
        assert deleted_at is not None
    else:
        assert deleted_at is None
        assert await audit_entries(db) == []


RESTORE_EXPECTED = {
    "admin": None,
    "agent": "FORBIDDEN",
    "reviewer": "FORBIDDEN",
    "customer": "FORBIDDEN",
    "other_customer": "FORBIDDEN",
    "anonymous": "UNAUTHENTICATED",
}


@pytest.mark.parametrize("role", ROLES)
async def test_restoring_a_customer_by_role(caller: ApiClient, db: Database, role: str) -> None:
    gone = await seed_customer(db, "Gone Person", deleted=True)

    body = await caller.post(RESTORE, {"id": gid(gone)})

    assert code_of(body) == RESTORE_EXPECTED[role]
    deleted_at = (await stored(db, gone))["deleted_at"]
    if RESTORE_EXPECTED[role] is None:
        assert body["data"]["restoreCustomer"]["errors"] == []
        assert deleted_at is None
    else:
        assert deleted_at is not None
        assert await audit_entries(db) == []


@pytest.mark.parametrize("role", ROLES)
async def test_only_admins_may_list_deleted_customers(
    caller: ApiClient, db: Database, role: str
) -> None:
    await seed_customer(db, "Gone Person", deleted=True)

    body = await caller.post(LIST_DELETED)

    expected = {"admin": None, "anonymous": "UNAUTHENTICATED"}.get(role, "FORBIDDEN")
    assert code_of(body) == expected
    if expected is None:
        assert body["data"]["customers"]["totalCount"] == await customer_count(db)


async def test_customer_cannot_read_internal_notes_of_own_record(
    customer: ApiClient, agent: ApiClient, casey: Customer, db: Database
) -> None:
    await seed_customer(db, "unused")
    async with db.transaction() as session:
        session.add(
            CustomerNote(
                customer_id=casey.id,
                body_html="<p>Difficult; offer a discount only if asked.</p>",
                body_text="Difficult; offer a discount only if asked.",
            )
        )

    as_customer = await customer.post(NOTES_QUERY, {"id": gid(casey)})
    as_agent = await agent.data(NOTES_QUERY, {"id": gid(casey)})

    assert code_of(as_customer) == "FORBIDDEN"
    assert as_customer["data"]["customer"] == {"name": "Casey Customer", "notes": None}
    assert as_agent["customer"]["notes"] == "Difficult; offer a discount only if asked."
