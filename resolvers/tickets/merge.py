"""mergeTickets: fold a duplicate into another ticket of the same customer, in one
transaction. Messages, attachments and followers move to the target; the source is closed
and points at the target; each ticket gets an internal note saying what happened."""

from __future__ import annotations

import html
import uuid
from datetime import datetime

from sqlalchemy import delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth.principal import Principal
from db.base import utcnow
from db.models import Attachment, Ticket, TicketFollower, TicketMessage
from db.models.tickets import AuthorKind, TicketStatus, Visibility
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import NotFound, ValidationFailed
from resolvers.events import TicketEventKind, publish_ticket_event
from resolvers.tickets.common import load_tickets_for_update, require_agent, snapshot
from resolvers.tickets.transitions import close_as_merged

__all__ = ["merge_tickets"]


def _check(source: Ticket, target: Ticket) -> None:
    if target.status == TicketStatus.CLOSED:
        raise ValidationFailed.one(
            "targetId",
            f"Ticket #{target.number} is closed: merge into an open ticket.",
            TicketErrorCode.INVALID_STATE,
        )
    if source.status == TicketStatus.CLOSED:
        raise ValidationFailed.one(
            "sourceId", f"Ticket #{source.number} is already closed.", TicketErrorCode.INVALID_STATE
        )
    if source.customer_id != target.customer_id:
        raise ValidationFailed.one(
            "targetId", "Only tickets of the same customer can be merged.", TicketErrorCode.INVALID
        )


async def _move_children(session: AsyncSession, source: Ticket, target: Ticket) -> None:
    await session.execute(
        update(TicketMessage)
        .where(TicketMessage.ticket_id == source.id)
        .values(ticket_id=target.id)
    )
    await session.execute(
        update(Attachment).where(Attachment.ticket_id == source.id).values(ticket_id=target.id)
    )
    await session.execute(
        insert(TicketFollower)
        .from_select(
            ["ticket_id", "user_id", "created_at"],
            select(
                literal(target.id, TicketFollower.ticket_id.type),
                TicketFollower.user_id,
                TicketFollower.created_at,
            ).where(TicketFollower.ticket_id == source.id),
        )
        .on_conflict_do_nothing()
    )
    await session.execute(delete(TicketFollower).where(TicketFollower.ticket_id == source.id))
    # Tickets merged into the source earlier now point at where their history went.
    await session.execute(
        update(Ticket).where(Ticket.merged_into_id == source.id).values(merged_into_id=target.id)
    )


def _note(ticket: Ticket, principal: Principal, text: str, now: datetime) -> TicketMessage:
    return TicketMessage(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        author_user_id=principal.user_id,
        author_kind=AuthorKind.USER.value,
        visibility=Visibility.INTERNAL.value,
        body_html=f"<p>{html.escape(text)}</p>",
        body_text=text,
        created_at=now,
    )


async def merge_tickets(
    tx: MutationTx, source_id: uuid.UUID, target_id: uuid.UUID
) -> tuple[Ticket, Ticket]:
    """Returns (source, target) as they are after the merge."""
    ctx = tx.ctx
    principal = require_agent(ctx)
    if source_id == target_id:
        raise ValidationFailed.one(
            "targetId", "A ticket cannot be merged into itself.", TicketErrorCode.INVALID
        )
    session = tx.session
    rows = await load_tickets_for_update(session, [source_id, target_id])
    source, target = rows.get(source_id), rows.get(target_id)
    if source is None:
        raise NotFound("sourceId", "ticket")
    if target is None:
        raise NotFound("targetId", "ticket")
    _check(source, target)
    before_source, before_target = snapshot(source), snapshot(target)
    now = utcnow()
    await _move_children(session, source, target)
    session.add_all(
        [
            _note(
                target,
                principal,
                f"Ticket #{source.number} ({source.subject}) was merged into this ticket.",
                now,
            ),
            _note(source, principal, f"This ticket was merged into #{target.number}.", now),
        ]
    )
    close_as_merged(source, target, now)
    target.last_message_at = max(
        (t for t in (source.last_message_at, target.last_message_at) if t is not None),
        default=None,
    )
    target.updated_at = now
    tx.audit("Ticket", source.id, diff(before_source, snapshot(source)))
    tx.audit("Ticket", target.id, diff(before_target, snapshot(target)))
    tx.after_commit(publish_ticket_event, ctx, TicketEventKind.MERGED, source)
    tx.after_commit(publish_ticket_event, ctx, TicketEventKind.UPDATED, target)
    return source, target
