"""Builders shared by the ticket and team tests: GraphQL documents, customers, teams and
tickets made through the real mutations, and direct reads of what was written."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from strawberry import relay

from db.engine import Database
from db.models import AuditEntry, Customer, Team, TeamMember, Ticket, User
from tests.conftest import ApiClient

# `tags` and `followers` are staff-only fields: ask for them where staff read.
TICKET_FIELDS = """
    id number subject status priority channel customFields
    firstResponseDueAt resolutionDueAt firstRespondedAt solvedAt closedAt slaBreached
    createdAt updatedAt
    customer { id name }
    requester { id }
    assignee { id }
    team { id name }
    mergedInto { id }
"""

CREATE_TICKET = f"""
mutation ($input: CreateTicketInput!) {{
  createTicket(input: $input) {{
    ticket {{ {TICKET_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

CHANGE_STATUS = """
mutation ($input: ChangeTicketStatusInput!) {
  changeTicketStatus(input: $input) {
    ticket { id status solvedAt closedAt }
    errors { field code message }
  }
}
"""

ASSIGN_TICKET = """
mutation ($input: AssignTicketInput!) {
  assignTicket(input: $input) {
    ticket { id assignee { id } team { id } }
    errors { field code message }
  }
}
"""


def gid(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


def row_id(global_id: str) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def make_customer(db: Database, name: str = "Acme Ltd") -> Customer:
    async with db.transaction() as session:
        customer = Customer(name=name)
        session.add(customer)
    return customer


async def make_team(
    db: Database, name: str, members: list[User] | None = None, capacity: int = 20
) -> Team:
    """Members join one after another, which is the round-robin order."""
    async with db.transaction() as session:
        team = Team(name=name)
        session.add(team)
        await session.flush()
        for position, user in enumerate(members or []):
            session.add(
                TeamMember(
                    team_id=team.id,
                    user_id=user.id,
                    ticket_capacity=capacity,
                    created_at=team.created_at.replace(microsecond=position),
                )
            )
    return team


async def create_ticket(client: ApiClient, **fields: Any) -> dict[str, Any]:
    """createTicket that must succeed; returns the ticket."""
    data = await client.data(CREATE_TICKET, {"input": {"subject": "Printer on fire", **fields}})
    payload = data["createTicket"]
    assert payload["errors"] == []
    ticket: dict[str, Any] = payload["ticket"]
    return ticket


async def staff_ticket(client: ApiClient, customer_id: uuid.UUID, **fields: Any) -> dict[str, Any]:
    return await create_ticket(client, customerId=gid("Customer", customer_id), **fields)


async def change_status(client: ApiClient, ticket_id: str, status: str) -> dict[str, Any]:
    data = await client.data(CHANGE_STATUS, {"input": {"ticketId": ticket_id, "status": status}})
    payload: dict[str, Any] = data["changeTicketStatus"]
    return payload


async def fetch_ticket(db: Database, ticket_id: str | uuid.UUID) -> Ticket:
    key = row_id(ticket_id) if isinstance(ticket_id, str) else ticket_id
    async with db.sessions() as session:
        ticket = await session.get(Ticket, key)
    assert ticket is not None
    return ticket


async def count(db: Database, model: Any) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def audit_entries(db: Database, action: str) -> list[AuditEntry]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows.scalars())
