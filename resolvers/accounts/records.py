"""Shared pieces of account writes: the audited view of a user, and customer linking."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer, CustomerEmail, User
from resolvers.error_codes import AccountErrorCode
from resolvers.errors import ValidationFailed

__all__ = [
    "customer_for_email",
    "email_taken",
    "is_unique_email_violation",
    "snapshot",
    "unique_email",
]


def snapshot(user: User) -> dict[str, Any]:
    """The user fields an audit entry compares (the password hash is added, masked, by
    the mutations that change it)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_active": user.is_active,
        "customer_id": user.customer_id,
        "email_verified_at": user.email_verified_at,
    }


def email_taken(field: str = "email") -> ValidationFailed:
    return ValidationFailed.one(
        field, "An account with this e-mail already exists.", AccountErrorCode.UNIQUE
    )


async def unique_email(session: AsyncSession, email: str, field: str = "email") -> None:
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise email_taken(field)


def is_unique_email_violation(exc: IntegrityError) -> bool:
    return "uq_users_email" in str(exc.orig)


async def customer_for_email(session: AsyncSession, email: str, name: str) -> uuid.UUID:
    """The customer record a new customer account belongs to.

    Support may already know this person (a customer record owning the address, e.g. from
    an earlier e-mail ticket): the account joins that record unless it already has one.
    Otherwise a new record is made, owning the address when nobody else does.
    """
    owner = (
        await session.execute(
            select(Customer.id, Customer.deleted_at)
            .join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
            .where(CustomerEmail.email == email)
        )
    ).one_or_none()
    if owner is not None and owner.deleted_at is None:
        has_account = await session.scalar(
            select(User.id).where(User.customer_id == owner.id).limit(1)
        )
        if has_account is None:
            owner_id: uuid.UUID = owner.id
            return owner_id
    customer = Customer(name=name)  # the model keeps its search trigrams in step
    session.add(customer)
    await session.flush()
    if owner is None:
        session.add(CustomerEmail(customer_id=customer.id, email=email, position=0))
    return customer.id
