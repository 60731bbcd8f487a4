"""Loaders for customers and their e-mails and phones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import Customer, CustomerEmail, CustomerPhone

__all__ = ["load_customers_by_id", "load_emails_by_customer_id", "load_phones_by_customer_id"]


async def load_customers_by_id(db: Database, keys: Sequence[uuid.UUID]) -> list[Customer | None]:
    return await by_key(db, Customer, Customer.id, keys)


async def load_emails_by_customer_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[CustomerEmail]]:
    return await lists_by_key(
        db, CustomerEmail, CustomerEmail.customer_id, keys, CustomerEmail.position
    )


async def load_phones_by_customer_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[CustomerPhone]]:
    return await lists_by_key(
        db, CustomerPhone, CustomerPhone.customer_id, keys, CustomerPhone.position
    )
