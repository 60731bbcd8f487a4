"""Which attachments a caller may see, by id: the rule itself is auth.policy's
(can_see_attachment for one row, attachment_scope in SQL).

Staff see every attachment. A customer sees the attachments of the public messages of
their own tickets, plus the files they uploaded themselves that are not on a message yet
(so they can attach them to their next reply). Internal notes' files stay with staff.
"""

from __future__ import annotations

import uuid

from sqlalchemy.sql.elements import ColumnElement

from auth.policy import attachment_scope, can_see_attachment
from auth.principal import Principal
from db.models import Attachment
from resolvers.context import RequestContext

__all__ = ["can_see_attachment", "customer_attachment_clause", "visible_attachments"]


def customer_attachment_clause(principal: Principal) -> ColumnElement[bool]:
    """The policy's SQL scope of attachments for a non-staff caller."""
    return attachment_scope(principal)


async def visible_attachments(
    ctx: RequestContext, ids: list[uuid.UUID | None]
) -> list[Attachment | None]:
    """Attachments by id in key order; None where absent or not the caller's to see.
    Three batched loads however many ids: attachments, their tickets, their messages."""
    principal = ctx.principal
    if principal is None:
        return [None] * len(ids)
    loaders = ctx.loaders
    rows = await loaders.attachment_by_id.load_many([key for key in ids if key is not None])
    by_id = {row.id: row for row in rows if row is not None}
    tickets = await loaders.ticket_by_id.load_many(
        list({r.ticket_id for r in by_id.values() if r.ticket_id is not None})
    )
    ticket_by_id = {t.id: t for t in tickets if t is not None}
    message_ids = list({r.message_id for r in by_id.values() if r.message_id is not None})
    messages = await loaders.message_by_id.load_many(message_ids)
    message_by_id = {m.id: m for m in messages if m is not None}
    visible: list[Attachment | None] = []
    for key in ids:
        row = by_id.get(key) if key is not None else None
        ok = row is not None and can_see_attachment(
            principal,
            ticket_by_id.get(row.ticket_id) if row.ticket_id is not None else None,
            message_by_id.get(row.message_id) if row.message_id else None,
            row,
        )
        visible.append(row if ok else None)
    return visible
