"""editMessage: the author (or an admin) corrects a message; the old body becomes a revision."""

from __future__ import annotations

import uuid

from auth import policy
from db.base import utcnow
from db.models import Ticket, TicketMessage, TicketMessageRevision
from db.models.tickets import TicketStatus
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import MessageErrorCode
from resolvers.errors import Forbidden, NotFound, ValidationFailed
from resolvers.events import MessageEventKind, publish_message_event
from resolvers.messages.access import can_see_message
from resolvers.messages.add import clean_body

__all__ = ["edit_message"]


async def edit_message(
    tx: MutationTx, *, message_id: uuid.UUID, body_html: str | None
) -> TicketMessage:
    ctx = tx.ctx
    principal = ctx.require_principal()
    body = clean_body(body_html)
    message = await tx.session.get(TicketMessage, message_id, with_for_update=True)
    ticket = await tx.session.get(Ticket, message.ticket_id) if message is not None else None
    if message is None or ticket is None or not can_see_message(principal, ticket, message):
        raise NotFound("messageId", "message")
    if not policy.may_edit_message(principal, message):
        raise Forbidden("Only the message's author or an admin may edit it.")
    if ticket.status == TicketStatus.CLOSED.value:
        raise ValidationFailed.one(
            "messageId",
            "This ticket is closed: its messages can no longer change.",
            MessageErrorCode.INVALID_STATE,
        )
    if body.html == message.body_html:
        return message  # nothing changed: no revision, no event
    now = utcnow()
    tx.session.add(
        TicketMessageRevision(
            message_id=message.id,
            body_html=message.body_html,
            body_text=message.body_text,
            edited_by_id=principal.user_id,
            created_at=now,
        )
    )
    before = {"body_text": message.body_text, "edited_at": message.edited_at}
    message.body_html = body.html
    message.body_text = body.text
    message.edited_at = now
    tx.audit("Message", message.id, diff(before, {"body_text": body.text, "edited_at": now}))
    tx.after_commit(publish_message_event, ctx, MessageEventKind.EDITED, message, ticket)
    return message
