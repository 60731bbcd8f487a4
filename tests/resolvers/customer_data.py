"""Test data for the customer tests: rows written straight to the database, and readers
for what a mutation left behind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from db.base import utcnow
from db.engine import Database
from db.models import AuditEntry, Customer, CustomerEmail, CustomerNote, CustomerPhone
from resolvers.customer_notes.legacy import legacy_note_body
from schema.ids import encode_id

__all__ = ["audit_entries", "customer_count", "gid", "seed_customer", "stored"]


async def seed_customer(
    db: Database,
    name: str,
    *,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    company: str | None = None,
    tags: Sequence[str] = (),
    notes: str = "",
    created_at: datetime | None = None,
    deleted: bool = False,
) -> Customer:
    """`phones` in E.164; written the way the mutations write them."""
    when = created_at or utcnow()
    async with db.transaction() as session:
        row = Customer(
            name=name,
            company=company,
            tags=list(tags),
            custom_fields={},
            created_at=when,
            updated_at=when,
            deleted_at=utcnow() if deleted else None,
        )
        session.add(row)
        await session.flush()
        if notes:  # the deprecated notes string is the customer's first note entry
            session.add(
                CustomerNote(
                    customer_id=row.id,
                    body_html=legacy_note_body(notes).html,
                    body_text=notes,
                    created_at=when,
                    updated_at=when,
                )
            )
        session.add_all(
            CustomerEmail(customer_id=row.id, email=email, position=i)
            for i, email in enumerate(emails)
        )
        session.add_all(
            CustomerPhone(customer_id=row.id, phone=phone, digits=phone.lstrip("+"), position=i)
            for i, phone in enumerate(phones)
        )
    return row


def gid(row: Customer) -> str:
    return encode_id("Customer", row.id)


async def customer_count(db: Database) -> int:
    async with db.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Customer))).scalar_one()


async def stored(db: Database, row: Customer) -> dict[str, Any]:
    """What the database holds for a customer now, contacts included."""
    async with db.sessions() as session:
        fresh = (await session.execute(select(Customer).where(Customer.id == row.id))).scalar_one()
        emails = (
            await session.execute(
                select(CustomerEmail.email)
                .where(CustomerEmail.customer_id == row.id)
                .order_by(CustomerEmail.position)
            )
        ).scalars()
        phones = (
            await session.execute(
                select(CustomerPhone.phone)
                .where(CustomerPhone.customer_id == row.id)
                .order_by(CustomerPhone.position)
            )
        ).scalars()
        return {
            "name": fresh.name,
            "company": fresh.company,
            "tags": fresh.tags,
            "custom_fields": fresh.custom_fields,
            "notes": await session.scalar(
                select(CustomerNote.body_text)
                .where(CustomerNote.customer_id == row.id, CustomerNote.deleted_at.is_(None))
                .order_by(CustomerNote.created_at, CustomerNote.id)
                .limit(1)
            )
            or "",
            "deleted_at": fresh.deleted_at,
            "updated_at": fresh.updated_at,
            "emails": list(emails),
            "phones": list(phones),
        }


async def audit_entries(db: Database, action: str | None = None) -> list[AuditEntry]:
    async with db.sessions() as session:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list((await session.execute(stmt)).scalars())
