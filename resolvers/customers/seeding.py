"""Bulk creation of customers outside the API (demo data, imports), under the same input
rules as createCustomer but without an audit row per record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from db.base import utcnow
from db.engine import Database
from db.models import Customer, CustomerEmail, CustomerNote, CustomerPhone
from resolvers.customer_notes.legacy import legacy_note_body
from resolvers.customers.validation import CustomerDraft, validate_draft

__all__ = ["insert_customers"]

_FIELDS = ("name", "emails", "phones", "company", "tags", "custom_fields", "notes")


async def insert_customers(
    db: Database, records: Sequence[Mapping[str, Any]], *, phone_region: str = "US"
) -> int:
    """Insert `records` (createCustomer's fields, snake_case) in one transaction; returns
    how many were new. A record whose e-mail already belongs to a customer is skipped,
    so running the same seed twice adds nothing. Bad input raises ValidationFailed."""
    cleaned = [
        validate_draft(
            CustomerDraft(**{k: record[k] for k in _FIELDS if k in record}),
            phone_region=phone_region,
        )
        for record in records
    ]
    async with db.transaction() as session:
        wanted = [email for clean in cleaned for email in clean.emails or []]
        existing = select(CustomerEmail.email).where(CustomerEmail.email.in_(wanted))
        taken = set((await session.execute(existing)).scalars()) if wanted else set()
        now = utcnow()
        fresh = []
        for clean in cleaned:
            emails = clean.emails or []
            if any(email in taken for email in emails):
                continue
            taken.update(emails)
            row = Customer(
                **{"company": None, "tags": [], "custom_fields": {}, **clean.columns},
                created_at=now,
                updated_at=now,
            )
            fresh.append((row, emails, clean.phones or [], clean.notes))
        session.add_all(row for row, _, _, _ in fresh)
        await session.flush()
        session.add_all(
            CustomerEmail(customer_id=row.id, email=email, position=i)
            for row, emails, _, _ in fresh
            for i, email in enumerate(emails)
        )
        session.add_all(
            CustomerPhone(customer_id=row.id, phone=phone.e164, digits=phone.digits, position=i)
            for row, _, phones, _ in fresh
            for i, phone in enumerate(phones)
        )
        session.add_all(
            CustomerNote(
                customer_id=row.id,
                body_html=legacy_note_body(notes).html,
                body_text=notes,
                created_at=now,
                updated_at=now,
            )
            for row, _, _, notes in fresh
            if notes
        )
    return len(fresh)
