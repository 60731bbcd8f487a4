"""What the customer use cases share: who may see or change a record, loading it for a
change, writing its e-mails and phones, and the snapshot audit diffs are made from."""

from __future__ import annotations

import re
import uuid
from typing import Any

import phonenumbers
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from auth.principal import Principal
from db.models import Customer, CustomerEmail, CustomerPhone
from resolvers.context import RequestContext
from resolvers.customers.validation import Phone
from resolvers.error_codes import CustomerErrorCode
from resolvers.errors import FieldProblem, Forbidden, NotFound, ValidationFailed

__all__ = [
    "OBJECT_TYPE",
    "can_see",
    "current_contacts",
    "email_conflict",
    "ensure_emails_free",
    "load_for_change",
    "phone_country_code",
    "refresh_loaders",
    "replace_contacts",
    "require_editor",
    "snapshot",
]

OBJECT_TYPE = "Customer"
_UNIQUE_EMAIL = "uq_customer_emails_email"
_KEY_VALUE = re.compile(r"Key \(email\)=\((?P<email>.*)\) already exists")


def require_editor(ctx: RequestContext) -> Principal:
    """Admins and agents create and delete customers; reviewers only read."""
    principal = ctx.require_principal()
    if not policy.may_create_customer(principal):
        raise Forbidden("Only agents and admins may do this.")
    return principal


def can_see(
    principal: Principal | None, row: Customer | None, *, include_deleted: bool = False
) -> bool:
    """Staff see every live record, customers only their own; deleted ones only an admin
    who asked for them. What the caller may not see looks exactly like what is absent."""
    return policy.can_see_customer(principal, row, include_deleted=include_deleted)


async def load_for_change(
    session: AsyncSession,
    principal: Principal,
    customer_id: uuid.UUID,
    *,
    deleted: bool | None = False,
) -> Customer:
    """The row, locked for this transaction.

    `deleted` says which state the change needs (None: either); a visible row in the
    wrong state is `invalid_state`, an invisible one `not_found`.
    """
    row = (
        await session.execute(select(Customer).where(Customer.id == customer_id).with_for_update())
    ).scalar_one_or_none()
    if not can_see(principal, row, include_deleted=True):
        raise NotFound("id", "customer")
    assert row is not None
    if deleted is not None and (row.deleted_at is not None) != deleted:
        message = (
            "This customer is deleted: restore it first."
            if row.deleted_at is not None
            else "This customer is not deleted."
        )
        raise ValidationFailed.one("id", message, CustomerErrorCode.INVALID_STATE)
    return row


async def current_contacts(
    session: AsyncSession, customer_id: uuid.UUID
) -> tuple[list[CustomerEmail], list[CustomerPhone]]:
    emails = (
        await session.execute(
            select(CustomerEmail)
            .where(CustomerEmail.customer_id == customer_id)
            .order_by(CustomerEmail.position)
        )
    ).scalars()
    phones = (
        await session.execute(
            select(CustomerPhone)
            .where(CustomerPhone.customer_id == customer_id)
            .order_by(CustomerPhone.position)
        )
    ).scalars()
    return list(emails), list(phones)


async def ensure_emails_free(
    session: AsyncSession, emails: list[str], customer_id: uuid.UUID | None
) -> None:
    """The up-front uniqueness check; email_conflict() covers the race it cannot see."""
    if not emails:
        return
    stmt = select(CustomerEmail.email).where(CustomerEmail.email.in_(emails))
    if customer_id is not None:
        stmt = stmt.where(CustomerEmail.customer_id != customer_id)
    taken = set((await session.execute(stmt)).scalars())
    problems = [_taken(emails, email) for email in emails if email in taken]
    if problems:
        raise ValidationFailed(*problems)


def email_conflict(exc: IntegrityError, emails: list[str]) -> ValidationFailed | None:
    """The unique-e-mail violation of a concurrent writer as a UserError (None: another).

    asyncpg's error (the DBAPI error's cause) names the constraint and the key.
    """
    cause = getattr(exc.orig, "__cause__", None)
    if getattr(cause, "constraint_name", None) != _UNIQUE_EMAIL:
        return None
    match = _KEY_VALUE.search(getattr(cause, "detail", None) or "")
    email = match.group("email") if match else None
    if email is None or email not in emails:
        return ValidationFailed.one(
            "emails",
            "One of these e-mail addresses belongs to another customer.",
            CustomerErrorCode.UNIQUE,
        )
    return ValidationFailed(_taken(emails, email))


def _taken(emails: list[str], email: str) -> FieldProblem:
    return FieldProblem(
        f"emails.{emails.index(email)}",
        f"{email} already belongs to another customer.",
        CustomerErrorCode.UNIQUE,
    )


async def replace_contacts(
    session: AsyncSession,
    customer_id: uuid.UUID,
    *,
    emails: list[str] | None,
    phones: list[Phone] | None,
    existing: bool = True,
) -> tuple[list[CustomerEmail] | None, list[CustomerPhone] | None]:
    """Replace the lists that were given (None: leave alone); returns the new rows.

    Old rows go first, in SQL, so an address can move between positions of one customer.
    """
    new_emails = new_phones = None
    if emails is not None:
        if existing:
            await session.execute(
                delete(CustomerEmail).where(CustomerEmail.customer_id == customer_id)
            )
        new_emails = [
            CustomerEmail(customer_id=customer_id, email=email, position=position)
            for position, email in enumerate(emails)
        ]
        session.add_all(new_emails)
    if phones is not None:
        if existing:
            await session.execute(
                delete(CustomerPhone).where(CustomerPhone.customer_id == customer_id)
            )
        new_phones = [
            CustomerPhone(
                customer_id=customer_id, phone=phone.e164, digits=phone.digits, position=position
            )
            for position, phone in enumerate(phones)
        ]
        session.add_all(new_phones)
    await session.flush()
    return new_emails, new_phones


def snapshot(
    row: Customer, emails: list[CustomerEmail], phones: list[CustomerPhone]
) -> dict[str, Any]:
    """The fields an audit diff compares (camelCase, as the API names them)."""
    return {
        "name": row.name,
        "company": row.company,
        "emails": [e.email for e in emails],
        "phones": [p.phone for p in phones],
        "tags": list(row.tags or []),
        "customFields": dict(row.custom_fields or {}),
        "deletedAt": row.deleted_at,
    }


def refresh_loaders(
    ctx: RequestContext,
    row: Customer,
    emails: list[CustomerEmail] | None = None,
    phones: list[CustomerPhone] | None = None,
) -> None:
    """Make the payload show what was just written, even if this request read it before."""
    loaders = ctx.loaders
    loaders.customer_by_id.prime(row.id, row, force=True)
    if emails is not None:
        loaders.emails_by_customer_id.prime(row.id, emails, force=True)
    if phones is not None:
        loaders.phones_by_customer_id.prime(row.id, phones, force=True)


def phone_country_code(region: str) -> str | None:
    """ "US" → "1": lets a search for a national number find its E.164 form."""
    code = phonenumbers.country_code_for_region(region.upper())
    return str(code) if code else None
