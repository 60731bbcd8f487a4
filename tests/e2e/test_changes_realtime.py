"""`changes` and `customerEvents` over real WebSockets: the app served by uvicorn on
loopback (memory://), mutations over HTTP, subscribers speaking graphql-transport-ws."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app import Runtime
from db.engine import Database
from tests.conftest import ApiClient, client_for
from tests.realtime_harness import GraphQLWebSocket, eventually, graphql, live_server
from tests.resolvers.ticket_helpers import gid

CHANGES = """
subscription ($types: [String!], $ids: [ID!]) {
  changes(types: $types, ids: $ids) {
    type id kind customerId
    node {
      id
      ... on Customer { name }
      ... on Organization { name domains }
      ... on User { name }
      ... on Team { name }
    }
  }
}"""
CUSTOMER_EVENTS = """
subscription ($filter: CustomerEventsFilter) {
  customerEvents(filter: $filter) { type id kind node { ... on Customer { name } } }
}"""
CREATE_API_KEY = """
mutation { createApiKey(input: {name: "Sync", role: ADMIN}) { key errors { code } } }"""
CREATE_CUSTOMER = """
mutation ($name: String!) {
  createCustomer(input: {name: $name}) { customer { id } errors { code } }
}"""
UPDATE_CUSTOMER = """
mutation ($id: ID!, $name: String!) {
  updateCustomer(input: {id: $id, name: $name}) { customer { id } errors { code } }
}"""
DELETE_CUSTOMER = """
mutation ($id: ID!) { deleteCustomer(input: {id: $id}) { customer { id } errors { code } } }"""
CREATE_ORG = """
mutation { createOrganization(input: {name: "Acme", domains: ["acme.com"]}) {
  organization { id } errors { code } } }"""
UPDATE_USER = """
mutation ($id: ID!) { updateUser(input: {id: $id, name: "Alan Renamed"}) { errors { code } } }"""
CREATE_TEAM = """
mutation { createTeam(input: {name: "Billing"}) { team { id } errors { code } } }"""


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def live(runtime: Runtime, count: int) -> None:
    await eventually(lambda: runtime.publisher.stats().subscribers >= count, "subscribing")


async def mutate(base: str, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    data = await graphql(base, token, query, variables)
    (payload,) = data.values()
    assert payload["errors"] == [], payload["errors"]
    return payload  # type: ignore[no-any-return]


async def test_integrator_hears_customer_organization_user_and_team_changes(
    server: str, runtime: Runtime, admin: ApiClient, agent: ApiClient
) -> None:
    key = (await mutate(server, admin.token, CREATE_API_KEY))["key"]
    assert agent.user is not None

    async with GraphQLWebSocket.open(server, key) as ws:
        op = await ws.subscribe(CHANGES)
        await live(runtime, 1)
        customer = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Ann"))["customer"]
        org = (await mutate(server, admin.token, CREATE_ORG))["organization"]
        await mutate(server, admin.token, UPDATE_USER, id=gid("User", agent.user.id))
        team = (await mutate(server, admin.token, CREATE_TEAM))["team"]
        await mutate(server, admin.token, DELETE_CUSTOMER, id=customer["id"])
        heard = [(await ws.next(op))["changes"] for _ in range(5)]

    assert [(e["type"], e["kind"], e["id"]) for e in heard] == [
        ("Customer", "CREATED", customer["id"]),
        ("Organization", "CREATED", org["id"]),
        ("User", "UPDATED", gid("User", agent.user.id)),
        ("Team", "CREATED", team["id"]),
        ("Customer", "DELETED", customer["id"]),
    ]
    assert heard[0]["node"] == {"id": customer["id"], "name": "Ann"}
    assert heard[1]["node"] == {"id": org["id"], "name": "Acme", "domains": ["acme.com"]}
    assert heard[2]["node"]["name"] == "Alan Renamed"
    assert heard[3]["node"]["name"] == "Billing"
    # A soft-deleted customer is no longer readable: the event says so with a null node.
    assert heard[4]["node"] is None


async def test_changes_can_be_narrowed_by_type_and_id(
    server: str, runtime: Runtime, admin: ApiClient
) -> None:
    first = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Ann"))["customer"]
    second = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Bob"))["customer"]

    async with GraphQLWebSocket.open(server, admin.token) as ws:
        op = await ws.subscribe(CHANGES, {"types": ["Customer"], "ids": [second["id"]]})
        await live(runtime, 1)
        await mutate(server, admin.token, CREATE_TEAM)
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=first["id"], name="Ann B")
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=second["id"], name="Bob B")
        heard = (await ws.next(op))["changes"]

    assert (heard["id"], heard["node"]["name"]) == (second["id"], "Bob B")


async def test_customer_hears_only_changes_of_their_own_record(
    server: str, runtime: Runtime, http: Any, db: Database, admin: ApiClient, customer: ApiClient
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    assert customer.user is not None
    assert other.user is not None
    assert customer.user.customer_id is not None
    assert other.user.customer_id is not None
    mine = gid("Customer", customer.user.customer_id)
    theirs = gid("Customer", other.user.customer_id)

    async with GraphQLWebSocket.open(server, customer.token) as ws:
        op = await ws.subscribe(CHANGES)
        await live(runtime, 1)
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=theirs, name="Olga Renamed")
        await mutate(server, admin.token, CREATE_ORG)
        await mutate(server, admin.token, CREATE_TEAM)
        await mutate(server, admin.token, CREATE_CUSTOMER, name="Somebody Else")
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=mine, name="Casey Renamed")
        heard = (await ws.next(op))["changes"]
        assert ws.pending(op) == 0

    # Events arrive in order: hearing our own change first proves none of the others came.
    assert heard["type"] == "Customer"
    assert heard["node"] == {"id": mine, "name": "Casey Renamed"}


async def test_customer_events_follow_one_customer(
    server: str, runtime: Runtime, admin: ApiClient, agent: ApiClient, customer: ApiClient
) -> None:
    watched = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Ann"))["customer"]
    other = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Bob"))["customer"]

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        op = await ws.subscribe(CUSTOMER_EVENTS, {"filter": {"customerId": watched["id"]}})
        await live(runtime, 1)
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=other["id"], name="Bob B")
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=watched["id"], name="Ann B")
        heard = (await ws.next(op))["customerEvents"]

    assert heard == {
        "type": "Customer",
        "id": watched["id"],
        "kind": "UPDATED",
        "node": {"name": "Ann B"},
    }


async def test_customer_cannot_follow_another_customer(
    server: str, admin: ApiClient, customer: ApiClient
) -> None:
    other = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Bob"))["customer"]

    async with GraphQLWebSocket.open(server, customer.token) as ws:
        op = await ws.subscribe(CUSTOMER_EVENTS, {"filter": {"customerId": other["id"]}})
        frame = await ws.frame(op)

    assert frame["type"] == "error" or frame["payload"].get("errors"), frame


SET_ORG = """
mutation ($customerId: ID!, $organizationId: ID) {
  setCustomerOrganization(input: {customerId: $customerId, organizationId: $organizationId}) {
    errors { code }
  }
}"""


async def test_customer_events_follow_an_organization_and_its_customers(
    server: str, runtime: Runtime, admin: ApiClient, agent: ApiClient
) -> None:
    org = (await mutate(server, admin.token, CREATE_ORG))["organization"]
    member = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Ann"))["customer"]
    outsider = (await mutate(server, admin.token, CREATE_CUSTOMER, name="Bob"))["customer"]
    await mutate(server, admin.token, SET_ORG, customerId=member["id"], organizationId=org["id"])

    async with GraphQLWebSocket.open(server, agent.token) as ws:
        op = await ws.subscribe(CUSTOMER_EVENTS, {"filter": {"organizationId": org["id"]}})
        await live(runtime, 1)
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=outsider["id"], name="Bob B")
        await mutate(server, admin.token, CREATE_TEAM)
        await mutate(server, admin.token, UPDATE_CUSTOMER, id=member["id"], name="Ann B")
        heard = (await ws.next(op))["customerEvents"]

    assert (heard["id"], heard["node"]) == (member["id"], {"name": "Ann B"})
