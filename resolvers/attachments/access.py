"""Who may see which attachment, in Python (one object) and in SQL (lists).

Staff see every attachment. A customer sees the attachments of the public messages of
their own tickets, plus the files they uploaded themselves that are not on a message yet
(so they can attach them to their next reply). Internal notes' files stay with staff.
"""

from __future__ import annotations

import uuid

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.sql.elements import ColumnElement

from auth.principal import Principal
from db.models import Attachment, Ticket, TicketMessage
from db.models.tickets import Visibility
from resolvers.context import RequestContext
from resolvers.tickets.common import can_see_ticket

__all__ = ["can_see_attachment", "customer_attachment_clause", "visible_attachments"]


def can_see_attachment(
    principal: Principal | None,
    ticket: Ticket | None,
    message: TicketMessage | None,
    attachment: Attachment,
) -> bool:
    if principal is None or ticket is None or not can_see_ticket(principal, ticket):
        return False
    if principal.is_staff:
        return True
    if attachment.message_id is None:
        return principal.user_id is not None and attachment.uploaded_by_id == principal.user_id
    return message is not None and message.visibility == Visibility.PUBLIC.value


def customer_attachment_clause(principal: Principal) -> ColumnElement[bool]:
    """The same rule for a query already limited to one of the customer's tickets."""
    public_message = exists(
        select(TicketMessage.id).where(
            TicketMessage.id == Attachment.message_id,
            TicketMessage.visibility == Visibility.PUBLIC.value,
        )
    )
    if principal.user_id is None:  # an API key uploads as nobody in particular
        return public_message
    own_pending = and_(
        Attachment.message_id.is_(None), Attachment.uploaded_by_id == principal.user_id
    )
    return or_(public_message, own_pending)


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
    tickets = await loaders.ticket_by_id.load_many(list({r.ticket_id for r in by_id.values()}))
    ticket_by_id = {t.id: t for t in tickets if t is not None}
    message_ids = list({r.message_id for r in by_id.values() if r.message_id is not None})
    messages = await loaders.message_by_id.load_many(message_ids)
    message_by_id = {m.id: m for m in messages if m is not None}
    visible: list[Attachment | None] = []
    for key in ids:
        row = by_id.get(key) if key is not None else None
        ok = row is not None and can_see_attachment(
            principal,
            ticket_by_id.get(row.ticket_id),
            message_by_id.get(row.message_id) if row.message_id else None,
            row,
        )
        visible.append(row if ok else None)
    return visible
