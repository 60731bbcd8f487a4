"""The deprecated `Customer.notes` string, kept working on top of note entries.

Migration 0008 moved each customer's `notes` string into their first entry. Old clients
still read and write one string: it is the oldest live entry (read: its plain text;
write: replace its body, add it when there is none, delete it when cleared).
"""

from __future__ import annotations

import html
import uuid

from sqlalchemy import select

from db.base import utcnow
from db.models import CustomerNote, CustomerNoteRevision
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.sanitize import SanitizedBody

__all__ = ["OBJECT_TYPE", "legacy_note_body", "note_snapshot", "write_legacy_notes"]

OBJECT_TYPE = "CustomerNote"


def legacy_note_body(text: str) -> SanitizedBody:
    """Plain text as a note body: escaped, line breaks kept; the text itself unchanged."""
    escaped = html.escape(text, quote=False).replace("\r\n", "<br>").replace("\n", "<br>")
    return SanitizedBody(html=f"<p>{escaped}</p>", text=text)


def note_snapshot(row: CustomerNote | None) -> dict[str, object]:
    if row is None:
        return {}
    return {
        "customer_id": row.customer_id,
        "author_id": row.author_id,
        "body_text": row.body_text,
        "pinned": row.pinned,
        "deleted_at": row.deleted_at,
    }


async def write_legacy_notes(tx: MutationTx, customer_id: uuid.UUID, text: str) -> None:
    """Apply createCustomer/updateCustomer's `notes` string to the entries."""
    session = tx.session
    principal = tx.ctx.principal
    editor = principal.user_id if principal is not None else None
    row = (
        await session.execute(
            select(CustomerNote)
            .where(CustomerNote.customer_id == customer_id, CustomerNote.deleted_at.is_(None))
            .order_by(CustomerNote.created_at, CustomerNote.id)
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()
    now = utcnow()
    if row is None:
        if not text:
            return
        body = legacy_note_body(text)
        row = CustomerNote(
            id=uuid.uuid4(),
            customer_id=customer_id,
            author_id=editor,
            body_html=body.html,
            body_text=body.text,
            pinned=False,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        tx.audit(OBJECT_TYPE, row.id, diff({}, note_snapshot(row)))
        record_change(tx, OBJECT_TYPE, row.id, ChangeKind.CREATED, customer_id=customer_id)
        return
    if text == row.body_text:
        return
    before = note_snapshot(row)
    session.add(
        CustomerNoteRevision(
            note_id=row.id,
            editor_id=editor,
            body_html=row.body_html,
            pinned=row.pinned,
            created_at=now,
        )
    )
    kind = ChangeKind.UPDATED
    if text:
        body = legacy_note_body(text)
        row.body_html, row.body_text = body.html, body.text
    else:
        row.deleted_at = now
        kind = ChangeKind.DELETED
    row.updated_at = now
    tx.audit(OBJECT_TYPE, row.id, diff(before, note_snapshot(row)))
    record_change(tx, OBJECT_TYPE, row.id, kind, customer_id=customer_id)
