"""addCustomerNote, updateCustomerNote, pinCustomerNote, deleteCustomerNote.

Every edit keeps the previous body and pin as a revision; delete is soft. Each change
is audited and published (`record_change`, never public: customers do not see notes).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import Customer, CustomerNote, CustomerNoteRevision
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.customer_notes.body import clean_rich_text
from resolvers.customer_notes.legacy import OBJECT_TYPE, note_snapshot
from resolvers.error_codes import CustomerNoteErrorCode as Code
from resolvers.errors import Forbidden, NotFound
from resolvers.sanitize import SanitizedBody

__all__ = [
    "add_customer_note",
    "delete_customer_note",
    "pin_customer_note",
    "update_customer_note",
]


def _body(raw: str | None) -> SanitizedBody:
    return clean_rich_text(
        raw, "bodyHtml", required=Code.REQUIRED, too_long=Code.TOO_LONG, invalid=Code.INVALID
    )


def _require_staff(principal: Principal) -> None:
    if not policy.may_add_customer_note(principal):
        raise Forbidden("Only staff may read and write customer notes.")


async def add_customer_note(
    tx: MutationTx, *, customer_id: uuid.UUID, body_html: str | None, pinned: bool
) -> CustomerNote:
    principal = tx.ctx.require_principal()
    _require_staff(principal)
    if pinned and not policy.may_pin_customer_note(principal):
        raise Forbidden("Only agents and admins may pin notes.")
    body = _body(body_html)
    customer = await tx.session.get(Customer, customer_id)
    if not policy.can_see_customer(principal, customer):
        raise NotFound("customerId", "customer")
    now = utcnow()
    row = CustomerNote(
        id=uuid.uuid4(),
        customer_id=customer_id,
        author_id=principal.user_id,
        body_html=body.html,
        body_text=body.text,
        pinned=pinned,
        created_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    tx.audit(OBJECT_TYPE, row.id, diff({}, note_snapshot(row)))
    record_change(tx, OBJECT_TYPE, row.id, ChangeKind.CREATED, customer_id=customer_id)
    return row


async def _load(tx: MutationTx, principal: Principal, note_id: uuid.UUID) -> CustomerNote:
    _require_staff(principal)
    row = (
        await tx.session.execute(
            select(CustomerNote).where(CustomerNote.id == note_id).with_for_update()
        )
    ).scalar_one_or_none()
    if not policy.can_see_customer_note(principal, row):
        raise NotFound("id", "customer note")
    assert row is not None
    return row


def _revise(tx: MutationTx, principal: Principal, row: CustomerNote) -> None:
    tx.session.add(
        CustomerNoteRevision(
            note_id=row.id,
            editor_id=principal.user_id,
            body_html=row.body_html,
            pinned=row.pinned,
            created_at=utcnow(),
        )
    )


async def update_customer_note(
    tx: MutationTx, *, note_id: uuid.UUID, body_html: str | None
) -> CustomerNote:
    """The author or an admin; the previous body becomes a revision."""
    principal = tx.ctx.require_principal()
    body = _body(body_html)
    row = await _load(tx, principal, note_id)
    if not policy.may_edit_customer_note(principal, row):
        raise Forbidden("Only the note's author or an admin may change it.")
    if body.html == row.body_html:
        return row
    before = note_snapshot(row)
    _revise(tx, principal, row)
    row.body_html, row.body_text = body.html, body.text
    row.updated_at = utcnow()
    tx.audit(OBJECT_TYPE, row.id, diff(before, note_snapshot(row)))
    record_change(tx, OBJECT_TYPE, row.id, ChangeKind.UPDATED, customer_id=row.customer_id)
    return row


async def pin_customer_note(tx: MutationTx, *, note_id: uuid.UUID, pinned: bool) -> CustomerNote:
    """Agents and admins pin or unpin any note (pinned notes list first)."""
    principal = tx.ctx.require_principal()
    row = await _load(tx, principal, note_id)
    if not policy.may_pin_customer_note(principal):
        raise Forbidden("Only agents and admins may pin notes.")
    if row.pinned == pinned:
        return row
    before = note_snapshot(row)
    _revise(tx, principal, row)
    row.pinned = pinned
    row.updated_at = utcnow()
    tx.audit(OBJECT_TYPE, row.id, diff(before, note_snapshot(row)))
    record_change(tx, OBJECT_TYPE, row.id, ChangeKind.UPDATED, customer_id=row.customer_id)
    return row


async def delete_customer_note(tx: MutationTx, *, note_id: uuid.UUID) -> CustomerNote:
    """Soft: the row and its revisions stay; the author or an admin."""
    principal = tx.ctx.require_principal()
    row = await _load(tx, principal, note_id)
    if not policy.may_delete_customer_note(principal, row):
        raise Forbidden("Only the note's author or an admin may delete it.")
    before = note_snapshot(row)
    row.deleted_at = row.updated_at = utcnow()
    tx.audit(OBJECT_TYPE, row.id, diff(before, note_snapshot(row)))
    record_change(tx, OBJECT_TYPE, row.id, ChangeKind.DELETED, customer_id=row.customer_id)
    return row
