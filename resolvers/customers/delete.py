"""deleteCustomer (soft: the record is hidden, its history kept) and restoreCustomer."""

from __future__ import annotations

import uuid

from db.base import utcnow
from db.models import Customer
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.customers.records import (
    OBJECT_TYPE,
    load_for_change,
    refresh_loaders,
    require_editor,
)

__all__ = ["delete_customer", "restore_customer"]


async def delete_customer(tx: MutationTx, customer_id: uuid.UUID) -> Customer:
    """Agents and admins; an already deleted record is invisible to agents (not_found)
    and `invalid_state` for admins."""
    ctx = tx.ctx
    principal = require_editor(ctx)
    row = await load_for_change(tx.session, principal, customer_id, deleted=False)
    _set_deleted(tx, row, deleted=True)
    tx.after_commit(refresh_loaders, ctx, row)
    return row


async def restore_customer(tx: MutationTx, customer_id: uuid.UUID) -> Customer:
    ctx = tx.ctx
    principal = ctx.require_admin()
    row = await load_for_change(tx.session, principal, customer_id, deleted=True)
    _set_deleted(tx, row, deleted=False)
    tx.after_commit(refresh_loaders, ctx, row)
    return row


def _set_deleted(tx: MutationTx, row: Customer, *, deleted: bool) -> None:
    before = {"deletedAt": row.deleted_at}
    now = utcnow()
    row.deleted_at = now if deleted else None
    row.updated_at = now
    tx.audit(OBJECT_TYPE, row.id, diff(before, {"deletedAt": row.deleted_at}))
    # A restore brings the record back: to a subscriber it is created again.
    kind = ChangeKind.DELETED if deleted else ChangeKind.CREATED
    record_change(tx, OBJECT_TYPE, row.id, kind, customer_id=row.id, public=True)
