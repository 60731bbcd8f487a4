"""AI triage and routing end to end, offline: a ticket is created through GraphQL, the
`ai.triage` job runs in the in-process worker, and staff see what a human change would show
(fields, audit, events, an internal note); routing rules and round-robin with capacity."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from app import Runtime
from db.engine import Database
from db.models import (
    AuditEntry,
    Customer,
    Job,
    RoutingRule,
    Team,
    TeamMember,
    Ticket,
    TicketTriage,
)
from resolvers.events import TICKETS_CHANNEL
from settings import Settings
from tests.conftest import ApiClient, make_user
from tests.resolvers.ticket_helpers import create_ticket, gid, make_team, row_id, staff_ticket
from tests.workers.test_events import listening

TICKET_WITH_TRIAGE = """
query ($id: ID!) {
  node(id: $id) {
    ... on Ticket {
      priority tags
      team { name }
      assignee { id }
      triage {
        source modelVersion language sentiment piiKinds priority teamLabel tags
        rulesApplied explanation rejected team { name }
      }
      messages(first: 10) { edges { node { authorKind visibility bodyText } } }
    }
  }
}
"""
CUSTOMER_VIEW = """
query ($id: ID!) {
  node(id: $id) { ... on Ticket { priority messages(first: 10) { edges { node { visibility } } } } }
}
"""
CUSTOMER_TRIAGE = "query ($id: ID!) { node(id: $id) { ... on Ticket { triage { priority } } } }"
CREATE_RULE = """
mutation ($input: CreateRoutingRuleInput!) {
  createRoutingRule(input: $input) {
    rule { id name position conditions { customerTagsAny textContainsAny } setPriority
           setTeam { name } addTags stopProcessing }
    errors { field code message }
  }
}
"""
UPDATE_RULE = """
mutation ($input: UpdateRoutingRuleInput!) {
  updateRoutingRule(input: $input) {
    rule { id name position enabled setPriority setTeam { name } }
    errors { field code message }
  }
}
"""
DELETE_RULE = """
mutation ($input: DeleteRoutingRuleInput!) {
  deleteRoutingRule(input: $input) { deletedId errors { field code message } }
}
"""
RULES = "query { routingRules { name position } }"
RETRIAGE = """
mutation ($input: RetriageTicketInput!) {
  retriageTicket(input: $input) { job { kind status } errors { field code message } }
}
"""

BILLING_TEXT = "I was charged twice for my subscription this month and want the duplicate refunded."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.ai_triage_on_create = True
    return settings


@pytest.fixture
async def publisher(runtime: Runtime) -> AsyncIterator[Runtime]:
    await runtime.publisher.connect()
    yield runtime
    await runtime.publisher.disconnect()


async def drained(runtime: Runtime) -> None:
    assert runtime.jobs is not None
    await runtime.jobs.drain()


async def helpdesk(db: Database) -> dict[str, Team]:
    agents = [await make_user(db, role="agent", name=f"Agent {i}") for i in range(2)]
    return {
        "billing": await make_team(db, "Billing", agents),
        "technical": await make_team(db, "Technical"),
        "shipping": await make_team(db, "Shipping"),
        "accounts": await make_team(db, "Accounts"),
    }


async def view(client: ApiClient, ticket_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await client.data(TICKET_WITH_TRIAGE, {"id": ticket_id}))["node"]
    return node


async def test_triage_sets_fields_and_explains_in_an_internal_note(
    db: Database, runtime: Runtime, customer: ApiClient, agent: ApiClient, publisher: Runtime
) -> None:
    # given a helpdesk with teams, and someone listening to ticket events
    await helpdesk(db)
    (listener,) = await listening(runtime.publisher, TICKETS_CHANNEL)

    # when a customer opens a billing ticket with an e-mail address in it
    ticket = await create_ticket(
        customer, subject="Charged twice", body=f"<p>{BILLING_TEXT} Mail me at jo@example.com</p>"
    )
    await drained(runtime)

    # then staff see the triaged fields and the triage itself
    seen = await view(agent, ticket["id"])
    assert seen["team"] == {"name": "Billing"}
    assert seen["priority"] == "HIGH"
    assert "refund" in seen["tags"]
    assert seen["assignee"] is not None  # round-robin in Billing
    triage = seen["triage"]
    assert triage["source"] == "OFFLINE"
    assert triage["modelVersion"].startswith("offline-triage v1")
    assert triage["language"] == "en"
    assert triage["sentiment"] in ("NEGATIVE", "NEUTRAL")
    assert triage["piiKinds"] == ["EMAIL"]
    assert triage["team"] == {"name": "Billing"}
    assert "Team Billing" in triage["explanation"]
    # and an internal note by the AI says why
    notes = [e["node"] for e in seen["messages"]["edges"] if e["node"]["authorKind"] == "AI"]
    assert len(notes) == 1
    assert notes[0]["visibility"] == "INTERNAL"
    assert "AI triage" in notes[0]["bodyText"]
    assert "Team Billing" in notes[0]["bodyText"]
    # and the change was published and audited like an agent's updateTicket
    kinds = set()
    while not listener.received.empty():
        event = listener.received.get_nowait()
        if event.data["ticket_id"] == _row(ticket["id"]):
            kinds.add(event.data["kind"])
    await listener.stop()
    assert {"created", "updated", "assigned"} <= kinds
    async with db.sessions() as session:
        labels = (
            await session.execute(
                select(AuditEntry.actor_label).where(AuditEntry.action == "aiTriage")
            )
        ).scalars()
        assert set(labels) == {"AI triage"}


def _row(global_id: str) -> str:
    return str(row_id(global_id))


async def test_customer_sees_neither_triage_nor_its_note(
    db: Database, runtime: Runtime, customer: ApiClient
) -> None:
    await helpdesk(db)
    ticket = await create_ticket(customer, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>")
    await drained(runtime)

    body = await customer.post(CUSTOMER_TRIAGE, {"id": ticket["id"]})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    seen = (await customer.data(CUSTOMER_VIEW, {"id": ticket["id"]}))["node"]
    assert [e["node"]["visibility"] for e in seen["messages"]["edges"]] == ["PUBLIC"]


async def test_priority_a_person_set_on_create_is_kept(
    db: Database, runtime: Runtime, agent: ApiClient
) -> None:
    await helpdesk(db)
    customer_id = await _customer(db)
    ticket = await staff_ticket(
        agent, customer_id, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>", priority="LOW"
    )
    await drained(runtime)

    seen = await view(agent, ticket["id"])
    assert seen["priority"] == "LOW"  # kept
    assert seen["team"] == {"name": "Billing"}  # triaged
    assert seen["triage"]["priority"] == "HIGH"  # what triage would have chosen


async def test_retriage_overrides_and_writes_a_new_note(
    db: Database, runtime: Runtime, agent: ApiClient
) -> None:
    await helpdesk(db)
    customer_id = await _customer(db)
    ticket = await staff_ticket(
        agent, customer_id, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>", priority="LOW"
    )
    await drained(runtime)

    payload = (await agent.data(RETRIAGE, {"input": {"ticketId": ticket["id"]}}))["retriageTicket"]
    await drained(runtime)

    assert payload["errors"] == []
    assert payload["job"]["kind"] == "ai.triage"
    seen = await view(agent, ticket["id"])
    assert seen["priority"] == "HIGH"
    assert sum(e["node"]["authorKind"] == "AI" for e in seen["messages"]["edges"]) == 2


async def test_customer_cannot_retriage(
    db: Database, runtime: Runtime, customer: ApiClient
) -> None:
    ticket = await create_ticket(customer, subject="Hello")
    body = await customer.post(RETRIAGE, {"input": {"ticketId": ticket["id"]}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def _customer(db: Database, tags: list[str] | None = None) -> uuid.UUID:
    async with db.transaction() as session:
        row = Customer(name="Jo Doe", tags=tags or [])
        session.add(row)
    return row.id


async def _rule(admin: ApiClient, **fields: Any) -> dict[str, Any]:
    payload = (await admin.data(CREATE_RULE, {"input": fields}))["createRoutingRule"]
    assert payload["errors"] == []
    rule: dict[str, Any] = payload["rule"]
    return rule


async def test_routing_rules_run_in_order_until_one_stops(
    db: Database, runtime: Runtime, admin: ApiClient, agent: ApiClient
) -> None:
    # given rules: VIP customers to Technical and urgent; parcels to Shipping (stop); a tag
    teams = await helpdesk(db)
    await _rule(
        admin,
        name="Parcels",
        conditions={"textContainsAny": ["Parcel"]},
        setTeamId=gid("Team", teams["shipping"].id),
        stopProcessing=True,
    )
    await _rule(
        admin,
        name="VIP",
        position=1,
        conditions={"customerTagsAny": ["vip"]},
        setTeamId=gid("Team", teams["technical"].id),
        setPriority="URGENT",
    )
    await _rule(admin, name="Everything else", addTags=["routed"])
    assert (await admin.data(RULES))["routingRules"] == [
        {"name": "VIP", "position": 1},
        {"name": "Parcels", "position": 2},
        {"name": "Everything else", "position": 3},
    ]
    vip = await _customer(db, tags=["VIP"])
    plain = await _customer(db)

    # when a VIP writes about a parcel, and another customer about a refund
    parcel = await staff_ticket(
        agent, vip, subject="Where is my parcel", body="<p>My parcel never came.</p>"
    )
    refund = await staff_ticket(
        agent, plain, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>"
    )
    await drained(runtime)

    # then the VIP rule applied, the parcel rule overrode its team and stopped the rest
    seen = await view(agent, parcel["id"])
    assert seen["team"] == {"name": "Shipping"}
    assert seen["priority"] == "URGENT"
    assert "routed" not in seen["tags"]
    assert seen["triage"]["rulesApplied"] == ["VIP", "Parcels"]
    # and the other ticket only met the catch-all rule
    other = await view(agent, refund["id"])
    assert other["team"] == {"name": "Billing"}
    assert "routed" in other["tags"]
    assert other["triage"]["rulesApplied"] == ["Everything else"]


async def test_round_robin_skips_agents_at_capacity(
    db: Database, runtime: Runtime, agent: ApiClient
) -> None:
    # given Billing with a full agent (capacity 1, one open ticket) and one with room
    full = await make_user(db, role="agent", name="Full")
    free = await make_user(db, role="agent", name="Free")
    billing = await make_team(db, "Billing", [full, free], capacity=1)
    async with db.transaction() as session:
        member = await session.get(TeamMember, (billing.id, free.id))
        assert member is not None
        member.ticket_capacity = 5
    customer_id = await _customer(db)
    await staff_ticket(agent, customer_id, subject="Other", assigneeId=gid("User", full.id))
    await drained(runtime)

    # when two billing tickets are triaged
    first = await staff_ticket(agent, customer_id, subject="Refund", body=f"<p>{BILLING_TEXT}</p>")
    await drained(runtime)
    second = await staff_ticket(
        agent, customer_id, subject="Invoice wrong", body="<p>The invoice amount is wrong.</p>"
    )
    await drained(runtime)

    # then both go to the agent with room, and the pointer is stored on the team
    for ticket in (first, second):
        seen = await view(agent, ticket["id"])
        assert seen["team"] == {"name": "Billing"}
        assert seen["assignee"] == {"id": gid("User", free.id)}
    async with db.sessions() as session:
        team = await session.get(Team, billing.id)
        assert team is not None
        assert team.last_assigned_user_id == free.id


async def test_when_everyone_is_full_the_ticket_waits_in_the_queue(
    db: Database, runtime: Runtime, agent: ApiClient
) -> None:
    only = await make_user(db, role="agent", name="Only")
    await make_team(db, "Billing", [only], capacity=0)
    customer_id = await _customer(db)
    ticket = await staff_ticket(agent, customer_id, subject="Refund", body=f"<p>{BILLING_TEXT}</p>")
    await drained(runtime)

    seen = await view(agent, ticket["id"])
    assert seen["team"] == {"name": "Billing"}
    assert seen["assignee"] is None
    assert "waits in its team's queue" in seen["triage"]["explanation"]


async def test_agents_cannot_manage_routing_rules(db: Database, agent: ApiClient) -> None:
    body = await agent.post(CREATE_RULE, {"input": {"name": "X", "addTags": ["x"]}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await agent.post(RULES))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_rule_without_an_action_is_refused_and_nothing_written(
    db: Database, admin: ApiClient
) -> None:
    payload = (await admin.data(CREATE_RULE, {"input": {"name": "Nothing"}}))["createRoutingRule"]
    assert payload["rule"] is None
    assert payload["errors"] == [
        {"field": None, "code": "REQUIRED", "message": payload["errors"][0]["message"]}
    ]
    async with db.sessions() as session:
        assert (await session.execute(select(RoutingRule))).first() is None


async def test_rule_with_unknown_team_or_priority_value_is_refused(
    db: Database, admin: ApiClient
) -> None:
    payload = (
        await admin.data(
            CREATE_RULE,
            {"input": {"name": "Ghost", "setTeamId": gid("Team", uuid.uuid4())}},
        )
    )["createRoutingRule"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("setTeamId", "NOT_FOUND")]
    body = await admin.post(
        CREATE_RULE,
        {"input": {"name": "Bad", "addTags": ["x"], "conditions": {"priorityIn": ["SOON"]}}},
    )
    assert "errors" in body  # not a TicketPriority: refused by the schema


async def test_update_and_delete_a_rule(db: Database, admin: ApiClient) -> None:
    teams = await helpdesk(db)
    first = await _rule(admin, name="First", addTags=["a"])
    second = await _rule(admin, name="Second", addTags=["b"])

    updated = (
        await admin.data(
            UPDATE_RULE,
            {
                "input": {
                    "id": second["id"],
                    "position": 1,
                    "enabled": False,
                    "setPriority": "HIGH",
                    "setTeamId": gid("Team", teams["accounts"].id),
                }
            },
        )
    )["updateRoutingRule"]
    assert updated["errors"] == []
    assert updated["rule"]["position"] == 1
    assert updated["rule"]["enabled"] is False
    assert updated["rule"]["setTeam"] == {"name": "Accounts"}
    assert [r["name"] for r in (await admin.data(RULES))["routingRules"]] == ["Second", "First"]

    deleted = (await admin.data(DELETE_RULE, {"input": {"id": first["id"]}}))["deleteRoutingRule"]
    assert deleted == {"deletedId": first["id"], "errors": []}
    assert [r["name"] for r in (await admin.data(RULES))["routingRules"]] == ["Second"]


async def test_triage_is_stored_once_per_ticket(
    db: Database, runtime: Runtime, customer: ApiClient, agent: ApiClient
) -> None:
    await helpdesk(db)
    ticket = await create_ticket(customer, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>")
    await drained(runtime)
    await agent.data(RETRIAGE, {"input": {"ticketId": ticket["id"]}})
    await drained(runtime)
    async with db.sessions() as session:
        rows = (await session.execute(select(TicketTriage))).scalars().all()
        tickets = (await session.execute(select(Ticket))).scalars().all()
    assert len(rows) == 1
    assert rows[0].ticket_id == tickets[0].id


async def test_concurrent_triage_jobs_for_one_team_all_succeed(
    db: Database, runtime: Runtime, agent: ApiClient
) -> None:
    # given one team, and several tickets for it triaged by concurrent runners
    await helpdesk(db)
    customer_id = await _customer(db)
    tickets = [
        await staff_ticket(agent, customer_id, subject=f"Refund {i}", body=f"<p>{BILLING_TEXT}</p>")
        for i in range(6)
    ]
    await drained(runtime)

    # then no job lost a deadlock, and every ticket reached the team with an assignee
    async with db.sessions() as session:
        statuses = (
            await session.execute(select(Job.status).where(Job.kind == "ai.triage"))
        ).scalars()
        assert list(statuses) == ["succeeded"] * 6
    for ticket in tickets:
        seen = await view(agent, ticket["id"])
        assert seen["team"] == {"name": "Billing"}
        assert seen["assignee"] is not None


TICKETS_WITH_TRIAGE = """
query { tickets(first: 50) { totalCount edges { node { id triage { priority team { name } } } } } }
"""


async def _triaged(db: Database, count: int, team: Team) -> None:
    async with db.transaction() as session:
        customer = Customer(name=f"Many {count}")
        session.add(customer)
        await session.flush()
        for i in range(count):
            ticket = Ticket(
                customer_id=customer.id,
                subject=f"Ticket {i}",
                status="new",
                priority="normal",
                channel="web",
                tags=[],
                custom_fields={},
            )
            session.add(ticket)
            await session.flush()
            session.add(
                TicketTriage(
                    ticket_id=ticket.id,
                    source="offline",
                    model_version="offline-triage v1",
                    language="en",
                    sentiment="neutral",
                    priority="high",
                    team_id=team.id,
                    team_label=team.name,
                    explanation="",
                )
            )


async def test_triage_on_a_ticket_list_costs_no_statement_per_ticket(
    db: Database, agent: ApiClient, count_statements: Any
) -> None:
    teams = await helpdesk(db)
    await _triaged(db, 3, teams["billing"])
    with count_statements() as small:
        data = await agent.data(TICKETS_WITH_TRIAGE)
    assert data["tickets"]["totalCount"] == 3

    await _triaged(db, 20, teams["technical"])
    with count_statements() as large:
        data = await agent.data(TICKETS_WITH_TRIAGE)
    assert data["tickets"]["totalCount"] == 23
    names = {e["node"]["triage"]["team"]["name"] for e in data["tickets"]["edges"]}
    assert names == {"Billing", "Technical"}
    assert large.count == small.count
