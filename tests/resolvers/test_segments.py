"""Saved customer segments: private to their owner or shared with all staff, and usable
in the customers filter together with its other keys."""

from __future__ import annotations

from typing import Any

from db.engine import Database
from db.models import CustomerSegment
from tests.conftest import ApiClient, client_for
from tests.resolvers.customer_data import seed_customer
from tests.resolvers.ticket_helpers import count

CREATE = """
mutation ($input: CreateCustomerSegmentInput!) {
  createCustomerSegment(input: $input) {
    segment { id name shared filter owner { name } } errors { field code message }
  }
}"""
UPDATE = """
mutation ($input: UpdateCustomerSegmentInput!) {
  updateCustomerSegment(input: $input) { segment { name shared } errors { field code } }
}"""
DELETE = """
mutation ($id: ID!) { deleteCustomerSegment(input: {id: $id}) { deletedId errors { field code } } }
"""
SEGMENTS = "query { customerSegments(first: 20) { totalCount edges { node { name shared } } } }"
CUSTOMERS = """
query ($filter: CustomerFilter) {
  customers(filter: $filter, first: 20, orderBy: {field: NAME}) { edges { node { name } } }
}"""


async def save(client: ApiClient, name: str, filter: dict[str, Any], shared: bool = False) -> str:
    data = await client.data(CREATE, {"input": {"name": name, "filter": filter, "shared": shared}})
    payload = data["createCustomerSegment"]
    assert payload["errors"] == [], payload["errors"]
    return str(payload["segment"]["id"])


async def names(client: ApiClient, filter: dict[str, Any]) -> list[str]:
    data = await client.data(CUSTOMERS, {"filter": filter})
    return [e["node"]["name"] for e in data["customers"]["edges"]]


async def test_segment_lists_the_customers_its_filter_matches(
    agent: ApiClient, db: Database
) -> None:
    await seed_customer(db, "Ann Vip", tags=["vip"], company="Acme")
    await seed_customer(db, "Bob Vip", tags=["vip"], company="Globex")
    await seed_customer(db, "Cid Plain", company="Acme")
    vips = await save(agent, "VIPs", {"tags": ["VIP"]})

    assert await names(agent, {"segmentId": vips}) == ["Ann Vip", "Bob Vip"]
    # Combined with the list's own keys: both must hold.
    assert await names(agent, {"segmentId": vips, "company": "acme"}) == ["Ann Vip"]
    assert await names(agent, {"segmentId": vips, "search": "bob"}) == ["Bob Vip"]


async def test_private_segments_are_invisible_and_unusable_to_other_staff(
    agent: ApiClient, http: Any, db: Database
) -> None:
    colleague = await client_for(http, db, "agent", name="Colin Colleague")
    await seed_customer(db, "Ann Vip", tags=["vip"])
    private = await save(agent, "Mine", {"tags": ["vip"]})
    shared = await save(agent, "Everyone's", {"tags": ["vip"]}, shared=True)

    listed = await colleague.data(SEGMENTS)
    used = await colleague.post(CUSTOMERS, {"filter": {"segmentId": private}})
    edited = await colleague.data(UPDATE, {"input": {"id": private, "name": "Taken"}})
    shared_use = await names(colleague, {"segmentId": shared})
    own_list = await agent.data(SEGMENTS)

    assert [e["node"]["name"] for e in listed["customerSegments"]["edges"]] == ["Everyone's"]
    assert used["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "No segment with this ID" in used["errors"][0]["message"]
    assert edited["updateCustomerSegment"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert shared_use == ["Ann Vip"]
    assert own_list["customerSegments"]["totalCount"] == 2


async def test_only_the_owner_changes_a_shared_segment(
    agent: ApiClient, http: Any, db: Database
) -> None:
    colleague = await client_for(http, db, "agent", name="Colin Colleague")
    shared = await save(agent, "Everyone's", {"tags": ["vip"]}, shared=True)

    refused = await colleague.post(DELETE, {"id": shared})
    renamed = await agent.data(UPDATE, {"input": {"id": shared, "name": "VIPs", "shared": False}})
    gone = await agent.data(DELETE, {"id": shared})

    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert renamed["updateCustomerSegment"]["segment"] == {"name": "VIPs", "shared": False}
    assert gone["deleteCustomerSegment"]["deletedId"] == shared
    assert await count(db, CustomerSegment) == 0


async def test_a_bad_segment_filter_is_refused_and_nothing_saved(
    agent: ApiClient, db: Database
) -> None:
    data = await agent.data(
        CREATE, {"input": {"name": " ", "filter": {"search": "!!!", "includeDeleted": True}}}
    )

    assert [(e["field"], e["code"]) for e in data["createCustomerSegment"]["errors"]] == [
        ("name", "REQUIRED")
    ]
    data = await agent.data(
        CREATE, {"input": {"name": "x", "filter": {"search": "!!!", "includeDeleted": True}}}
    )
    assert {(e["field"], e["code"]) for e in data["createCustomerSegment"]["errors"]} == {
        ("filter.includeDeleted", "INVALID"),
        ("filter.search", "INVALID"),
    }
    assert await count(db, CustomerSegment) == 0


async def test_customers_cannot_use_segments(agent: ApiClient, customer: ApiClient) -> None:
    shared = await save(agent, "Everyone's", {"tags": ["vip"]}, shared=True)

    listed = await customer.post(SEGMENTS)
    used = await customer.post(CUSTOMERS, {"filter": {"segmentId": shared}})

    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert used["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
