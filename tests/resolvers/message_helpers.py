"""Data builders shared by the message and feedback tests (rows written straight to the DB,
so these tests do not depend on the ticket mutations)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from strawberry import relay

from db.engine import Database
from db.models import AuditEntry, Ticket, TicketFeedback, TicketMessage, TicketMessageRevision, User
from resolvers.sanitize import sanitize_body


def gid(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


async def make_ticket(
    db: Database, owner: User, *, status: str = "new", subject: str = "Printer on fire"
) -> Ticket:
    assert owner.customer_id is not None
    async with db.transaction() as session:
        ticket = Ticket(
            customer_id=owner.customer_id,
            requester_id=owner.id,
            subject=subject,
            status=status,
        )
        session.add(ticket)
        await session.flush()
        await session.refresh(ticket)
    return ticket


async def make_message(
    db: Database,
    ticket: Ticket,
    author: User | None,
    body: str,
    *,
    visibility: str = "public",
    author_kind: str | None = None,
    in_reply_to_id: uuid.UUID | None = None,
) -> TicketMessage:
    clean = sanitize_body(body)
    kind = author_kind or ("customer" if author and author.role == "customer" else "user")
    async with db.transaction() as session:
        message = TicketMessage(
            ticket_id=ticket.id,
            author_user_id=author.id if author else None,
            author_kind=kind,
            visibility=visibility,
            body_html=clean.html,
            body_text=clean.text,
            in_reply_to_id=in_reply_to_id,
        )
        session.add(message)
    return message


async def fetch_ticket(db: Database, ticket_id: uuid.UUID) -> Ticket:
    async with db.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
    assert ticket is not None
    return ticket


async def count_rows(db: Database, model: Any) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def messages_of(db: Database, ticket_id: uuid.UUID) -> list[TicketMessage]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket_id)
            .order_by(TicketMessage.created_at)
        )
        return list(rows.scalars())


async def audit_actions(db: Database, object_type: str) -> list[AuditEntry]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
        )
        return list(rows.scalars())


__all__ = [
    "TicketFeedback",
    "TicketMessageRevision",
    "audit_actions",
    "count_rows",
    "fetch_ticket",
    "gid",
    "make_message",
    "make_ticket",
    "messages_of",
]
