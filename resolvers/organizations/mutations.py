"""Organization use cases: create, update, soft delete, and filing a customer under one.

Domains are unique across live organizations: every writer of domains takes one
transaction-level advisory lock before checking, so two concurrent writers cannot both
claim a domain (an array column cannot carry a unique index).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from db.base import utcnow
from db.models import Customer, Organization
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.context import RequestContext
from resolvers.error_codes import OrganizationErrorCode
from resolvers.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from resolvers.organizations.validation import OrganizationDraft, validate_organization

__all__ = [
    "OBJECT_TYPE",
    "create_organization",
    "delete_organization",
    "set_customer_organization",
    "update_organization",
]

OBJECT_TYPE = "Organization"
# pg_advisory_xact_lock key serialising domain claims ("orgdomai" as 8 bytes).
_DOMAINS_LOCK = int.from_bytes(b"orgdomai", "big") - 2**63


def _require_manager(ctx: RequestContext) -> None:
    ctx.require_principal()
    if not ctx.allows(policy.may_manage_organizations):
        raise Forbidden("Only agents and admins may change organizations.")


def _state(row: Organization) -> dict[str, Any]:
    return {
        "name": row.name,
        "domains": list(row.domains or []),
        "tags": list(row.tags or []),
        "customFields": row.custom_fields or {},
        "notes": row.notes,
    }


async def _claim_domains(
    session: AsyncSession, domains: list[str], own_id: uuid.UUID | None
) -> None:
    if not domains:
        return
    await session.execute(select(func.pg_advisory_xact_lock(_DOMAINS_LOCK)))
    stmt = select(Organization.name, Organization.domains).where(
        Organization.deleted_at.is_(None),
        Organization.domains.overlap(cast(domains, Organization.domains.type)),
    )
    if own_id is not None:
        stmt = stmt.where(Organization.id != own_id)
    taken: dict[str, str] = {}
    for name, theirs in await session.execute(stmt):
        for domain in theirs:
            taken.setdefault(domain, name)
    problems = [
        FieldProblem(
            f"domains.{index}",
            f"{domain} already belongs to the organization {taken[domain]!r}.",
            OrganizationErrorCode.UNIQUE,
        )
        for index, domain in enumerate(domains)
        if domain in taken
    ]
    if problems:
        raise ValidationFailed(*problems)


async def _load_for_change(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    row = await session.get(Organization, organization_id, with_for_update=True)
    if row is None or row.deleted_at is not None:
        raise NotFound("id", "organization")
    return row


async def create_organization(tx: MutationTx, draft: OrganizationDraft) -> Organization:
    _require_manager(tx.ctx)
    columns = validate_organization(draft, creating=True)
    await _claim_domains(tx.session, columns.get("domains", []), None)
    now = utcnow()
    row = Organization(
        **{"domains": [], "tags": [], "custom_fields": {}, "notes": "", **columns},
        created_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    tx.audit(OBJECT_TYPE, row.id, diff({}, _state(row)))
    record_change(tx, OBJECT_TYPE, row.id, ChangeKind.CREATED)
    tx.after_commit(tx.ctx.loaders.organization_by_id.prime, row.id, row, force=True)
    return row


async def update_organization(
    tx: MutationTx, organization_id: uuid.UUID, draft: OrganizationDraft
) -> Organization:
    _require_manager(tx.ctx)
    columns = validate_organization(draft, creating=False)
    row = await _load_for_change(tx.session, organization_id)
    if "domains" in columns:
        await _claim_domains(tx.session, columns["domains"], row.id)
    before = _state(row)
    for column, value in columns.items():
        setattr(row, column, value)
    changes = diff(before, _state(row))
    if changes:
        row.updated_at = utcnow()
        record_change(tx, OBJECT_TYPE, row.id, ChangeKind.UPDATED)
    tx.audit(OBJECT_TYPE, row.id, changes)
    await tx.session.flush()
    tx.after_commit(tx.ctx.loaders.organization_by_id.prime, row.id, row, force=True)
    return row


async def delete_organization(tx: MutationTx, organization_id: uuid.UUID) -> Organization:
    """Soft: hidden everywhere and its domains freed; its customers keep the link (so the
    history still says where they worked) but read `organization` as null."""
    _require_manager(tx.ctx)
    row = await _load_for_change(tx.session, organization_id)
    now = utcnow()
    row.deleted_at = now
    row.updated_at = now
    tx.audit(OBJECT_TYPE, row.id, diff({"deletedAt": None}, {"deletedAt": now}))
    record_change(tx, OBJECT_TYPE, row.id, ChangeKind.DELETED)
    tx.after_commit(tx.ctx.loaders.organization_by_id.prime, row.id, row, force=True)
    return row


async def set_customer_organization(
    tx: MutationTx, customer_id: uuid.UUID, organization_id: uuid.UUID | None
) -> tuple[Customer, Organization | None]:
    """File a customer under an organization, or (None) take them out of theirs."""
    _require_manager(tx.ctx)
    session = tx.session
    customer = await session.get(Customer, customer_id, with_for_update=True)
    if customer is None or not policy.can_see_customer(tx.ctx.principal, customer):
        raise NotFound("customerId", "customer")
    organization: Organization | None = None
    if organization_id is not None:
        organization = await session.get(Organization, organization_id)
        if organization is None or organization.deleted_at is not None:
            raise NotFound("organizationId", "organization")
    before = {"organizationId": customer.organization_id}
    customer.organization_id = organization.id if organization is not None else None
    changes = diff(before, {"organizationId": customer.organization_id})
    if changes:
        customer.updated_at = utcnow()
        record_change(
            tx, "Customer", customer.id, ChangeKind.UPDATED, customer_id=customer.id, public=True
        )
    tx.audit("Customer", customer.id, changes)
    await session.flush()
    tx.after_commit(tx.ctx.loaders.customer_by_id.prime, customer.id, customer, force=True)
    return customer, organization
