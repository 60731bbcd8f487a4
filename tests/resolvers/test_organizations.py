"""Organizations: staff create, change and delete them, file customers under them, and a
customer's e-mail domain suggests (never applies) one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.engine import Database
from db.models import Customer, Organization
from tests.conftest import ApiClient
from tests.resolvers.customer_data import audit_entries, seed_customer
from tests.resolvers.customer_data import gid as customer_gid
from tests.resolvers.ticket_helpers import count, gid, staff_ticket

CREATE = """
mutation ($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name domains tags customFields notes }
    errors { field code message }
  }
}"""
UPDATE = """
mutation ($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) {
    organization { id name domains tags } errors { field code message }
  }
}"""
DELETE = """
mutation ($input: OrganizationIdInput!) {
  deleteOrganization(input: $input) { organization { id } errors { field code } }
}"""
SET_ORG = """
mutation ($input: SetCustomerOrganizationInput!) {
  setCustomerOrganization(input: $input) {
    customer { id organization { name } } organization { id } errors { field code }
  }
}"""
ORGANIZATIONS = """
query ($filter: OrganizationFilter, $order: OrganizationOrder, $after: String) {
  organizations(filter: $filter, orderBy: $order, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { name } }
  }
}"""
WITH_MEMBERS = """
query {
  organizations(first: 10) {
    edges { node {
      name
      customers(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } }
      tickets(first: 5) { totalCount edges { node { subject } } }
    } }
  }
}"""
MEMBERS_AFTER = """
query ($id: ID!, $after: String) {
  organization(id: $id) { customers(first: 2, after: $after) { edges { node { name } } } }
}"""
SUGGESTION = """
query ($id: ID!) {
  customer(id: $id) { organization { name } suggestedOrganization { id name } }
}"""


async def create(client: ApiClient, **fields: Any) -> dict[str, Any]:
    data = await client.data(CREATE, {"input": fields})
    payload: dict[str, Any] = data["createOrganization"]
    assert payload["errors"] == [], payload["errors"]
    return payload["organization"]  # type: ignore[no-any-return]


async def test_agent_creates_an_organization_with_clean_domains(
    agent: ApiClient, db: Database
) -> None:
    org = await create(
        agent,
        name="  Acme   Corp ",
        domains=["ACME.com", "@acme.co.uk.", "acme.com", "bücher.de"],
        tags=["VIP", "vip", "Partner"],
        customFields={"tier": "gold"},
        notes="Key account",
    )

    assert org["name"] == "Acme Corp"
    assert org["domains"] == ["acme.com", "acme.co.uk", "xn--bcher-kva.de"]
    assert org["tags"] == ["vip", "partner"]
    assert org["customFields"] == {"tier": "gold"}
    (entry,) = await audit_entries(db, "createOrganization")
    assert entry.object_type == "Organization"


async def test_bad_and_free_mail_domains_are_refused_and_nothing_is_written(
    agent: ApiClient, db: Database
) -> None:
    data = await agent.data(
        CREATE, {"input": {"name": "Acme", "domains": ["acme.com", "not a domain", "Gmail.com"]}}
    )

    errors = data["createOrganization"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("domains.1", "INVALID_DOMAIN"),
        ("domains.2", "FREE_MAIL_DOMAIN"),
    ]
    assert await count(db, Organization) == 0


async def test_a_domain_belongs_to_one_organization(agent: ApiClient, db: Database) -> None:
    first = await create(agent, name="Acme", domains=["acme.com"])
    other = await create(agent, name="Globex", domains=["globex.com"])

    taken = await agent.data(CREATE, {"input": {"name": "Acme 2", "domains": ["Acme.com"]}})
    moved = await agent.data(UPDATE, {"input": {"id": other["id"], "domains": ["acme.com"]}})
    # Once the first is deleted its domains are free again.
    await agent.data(DELETE, {"input": {"id": first["id"]}})
    freed = await agent.data(UPDATE, {"input": {"id": other["id"], "domains": ["acme.com"]}})

    assert [(e["field"], e["code"]) for e in taken["createOrganization"]["errors"]] == [
        ("domains.0", "UNIQUE")
    ]
    assert moved["updateOrganization"]["errors"][0]["code"] == "UNIQUE"
    assert freed["updateOrganization"]["errors"] == []
    assert freed["updateOrganization"]["organization"]["domains"] == ["acme.com"]


async def test_organizations_are_staff_only(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient
) -> None:
    org = await create(agent, name="Acme")

    as_customer = await customer.post(ORGANIZATIONS)
    reviewer_writes = await reviewer.post(CREATE, {"input": {"name": "Nope"}})
    reviewer_reads = await reviewer.data(ORGANIZATIONS)
    node = await customer.post("query ($id: ID!) { node(id: $id) { id } }", {"id": org["id"]})

    assert as_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert reviewer_writes["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert reviewer_reads["organizations"]["totalCount"] == 1
    assert node["data"]["node"] is None


async def test_deleted_organization_disappears_but_members_keep_their_records(
    agent: ApiClient, db: Database
) -> None:
    org = await create(agent, name="Acme")
    person = await seed_customer(db, "Ann")
    await agent.data(
        SET_ORG, {"input": {"customerId": customer_gid(person), "organizationId": org["id"]}}
    )

    deleted = await agent.data(DELETE, {"input": {"id": org["id"]}})
    again = await agent.data(DELETE, {"input": {"id": org["id"]}})
    listed = await agent.data(ORGANIZATIONS)
    member = await agent.data(SUGGESTION, {"id": customer_gid(person)})

    assert deleted["deleteOrganization"]["errors"] == []
    assert again["deleteOrganization"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert listed["organizations"]["totalCount"] == 0
    assert member["customer"]["organization"] is None


async def test_filing_a_customer_under_an_organization_and_out_again(
    agent: ApiClient, db: Database
) -> None:
    org = await create(agent, name="Acme")
    person = await seed_customer(db, "Ann")

    filed = await agent.data(
        SET_ORG, {"input": {"customerId": customer_gid(person), "organizationId": org["id"]}}
    )
    unfiled = await agent.data(
        SET_ORG, {"input": {"customerId": customer_gid(person), "organizationId": None}}
    )

    assert filed["setCustomerOrganization"]["customer"]["organization"] == {"name": "Acme"}
    assert filed["setCustomerOrganization"]["organization"] == {"id": org["id"]}
    assert unfiled["setCustomerOrganization"]["customer"]["organization"] is None
    entries = await audit_entries(db, "setCustomerOrganization")
    assert [e.object_type for e in entries] == ["Customer", "Customer"]
    async with db.sessions() as session:
        stored = await session.scalar(
            select(Customer.organization_id).where(Customer.id == person.id)
        )
    assert stored is None


async def test_filing_under_a_missing_organization_is_not_found(
    agent: ApiClient, db: Database
) -> None:
    person = await seed_customer(db, "Ann")
    missing = gid("Organization", person.id)

    data = await agent.data(
        SET_ORG, {"input": {"customerId": customer_gid(person), "organizationId": missing}}
    )

    assert data["setCustomerOrganization"]["errors"] == [
        {"field": "organizationId", "code": "NOT_FOUND"}
    ]


async def test_email_domain_suggests_an_organization_without_applying_it(
    agent: ApiClient, db: Database
) -> None:
    org = await create(agent, name="Acme", domains=["acme.com"])
    person = await seed_customer(db, "Ann", emails=["ann@gmail.com", "ann@ACME.com".lower()])
    stranger = await seed_customer(db, "Bob", emails=["bob@elsewhere.org"])

    suggested = await agent.data(SUGGESTION, {"id": customer_gid(person)})
    none = await agent.data(SUGGESTION, {"id": customer_gid(stranger)})
    await agent.data(
        SET_ORG, {"input": {"customerId": customer_gid(person), "organizationId": org["id"]}}
    )
    applied = await agent.data(SUGGESTION, {"id": customer_gid(person)})

    assert suggested["customer"] == {
        "organization": None,
        "suggestedOrganization": {"id": org["id"], "name": "Acme"},
    }
    assert none["customer"]["suggestedOrganization"] is None
    # Once a member, there is nothing left to suggest.
    assert applied["customer"] == {"organization": {"name": "Acme"}, "suggestedOrganization": None}


async def test_free_mail_addresses_suggest_nothing(agent: ApiClient, db: Database) -> None:
    # Nobody can claim gmail.com, but a stored row from before the rule must not count either.
    async with db.transaction() as session:
        session.add(Organization(name="Legacy", domains=["gmail.com"], tags=[], custom_fields={}))
    person = await seed_customer(db, "Ann", emails=["ann@gmail.com"])

    data = await agent.data(SUGGESTION, {"id": customer_gid(person)})

    assert data["customer"]["suggestedOrganization"] is None


async def test_customers_never_see_their_organization(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    org = await create(agent, name="Acme")
    assert customer.user is not None
    assert customer.user.customer_id is not None
    own = gid("Customer", customer.user.customer_id)
    await agent.data(SET_ORG, {"input": {"customerId": own, "organizationId": org["id"]}})

    body = await customer.post(
        "query ($id: ID!) { customer(id: $id) { organization { name } } }", {"id": own}
    )

    assert body["data"]["customer"]["organization"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_organization_filters_and_order(agent: ApiClient) -> None:
    await create(agent, name="Acme Rockets", domains=["acme.com"], tags=["vip"])
    await create(agent, name="Acme Anvils", domains=["anvils.io"], tags=["vip", "eu"])
    await create(agent, name="Globex", domains=["globex.com"], tags=["eu"])

    async def names(variables: dict[str, Any]) -> list[str]:
        data = await agent.data(ORGANIZATIONS, variables)
        return [e["node"]["name"] for e in data["organizations"]["edges"]]

    assert await names({"filter": {"search": "acm"}}) == ["Acme Anvils", "Acme Rockets"]
    assert await names({"filter": {"search": "globex.com"}}) == ["Globex"]
    assert await names({"filter": {"tags": ["EU"]}}) == ["Acme Anvils", "Globex"]
    assert await names({"filter": {"domain": "ACME.com"}}) == ["Acme Rockets"]
    assert await names({"filter": {"tags": ["vip"], "search": "rock"}}) == ["Acme Rockets"]
    assert await names({"order": {"field": "NAME", "direction": "DESC"}}) == [
        "Globex",
        "Acme Rockets",
    ]
    first = await agent.data(ORGANIZATIONS)
    cursor = first["organizations"]["pageInfo"]["endCursor"]
    assert first["organizations"]["pageInfo"]["hasNextPage"] is True
    assert await names({"after": cursor}) == ["Globex"]


async def test_members_and_tickets_of_many_organizations_cost_the_same_statements(
    agent: ApiClient, db: Database, count_statements: Any
) -> None:
    async def organization_with_members(name: str, members: int) -> None:
        org = await create(agent, name=name)
        for n in range(members):
            person = await seed_customer(db, f"{name} member {n}")
            await agent.data(
                SET_ORG,
                {"input": {"customerId": customer_gid(person), "organizationId": org["id"]}},
            )
            await staff_ticket(agent, person.id, subject=f"{name} ticket {n}")

    await organization_with_members("Acme", 3)
    with count_statements() as few:
        small = await agent.data(WITH_MEMBERS)
    for n in range(4):
        await organization_with_members(f"Org {n}", 2)
    with count_statements() as many:
        large = await agent.data(WITH_MEMBERS)

    assert many.count == few.count
    acme = small["organizations"]["edges"][0]["node"]
    assert acme["customers"]["totalCount"] == 3
    assert [e["node"]["name"] for e in acme["customers"]["edges"]] == [
        "Acme member 0",
        "Acme member 1",
    ]
    assert acme["customers"]["pageInfo"]["hasNextPage"] is True
    assert acme["tickets"]["totalCount"] == 3
    assert len(large["organizations"]["edges"]) == 5
    # The next page continues from the batched first page's cursor.
    org_id = await agent.data(ORGANIZATIONS, {"filter": {"search": "acme"}})
    acme_id = (await agent.data("query { organizations(first: 1) { edges { node { id } } } }"))[
        "organizations"
    ]["edges"][0]["node"]["id"]
    rest = await agent.data(
        MEMBERS_AFTER, {"id": acme_id, "after": acme["customers"]["pageInfo"]["endCursor"]}
    )
    assert org_id["organizations"]["totalCount"] == 1
    assert [e["node"]["name"] for e in rest["organization"]["customers"]["edges"]] == [
        "Acme member 2"
    ]
