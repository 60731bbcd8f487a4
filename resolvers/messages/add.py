"""addMessage: a public reply or an internal note, and what it does to the ticket."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import Ticket, TicketMessage
from db.models.tickets import AuthorKind, Visibility
from resolvers.ai_suggestions.request import auto_draft
from resolvers.attachments.link import link_attachments
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import MessageErrorCode
from resolvers.errors import NotFound, ValidationFailed
from resolvers.events import (
    MessageEventKind,
    TicketEventKind,
    publish_message_event,
    publish_ticket_event,
)
from resolvers.notifications import notify_message
from resolvers.sanitize import MAX_BODY_BYTES, SanitizedBody, sanitize_body
from resolvers.tickets.common import load_ticket_for_update
from resolvers.tickets.transitions import (
    ensure_accepts_messages,
    on_customer_reply,
    on_staff_public_reply,
)

__all__ = ["add_message", "clean_body", "message_snapshot", "post_message"]


def clean_body(raw: str | None, field: str = "bodyHtml") -> SanitizedBody:
    """Required, at most 100 KB as sent, and not empty once sanitised."""
    if raw is None or not raw.strip():
        raise ValidationFailed.one(field, "Write a message first.", MessageErrorCode.REQUIRED)
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise ValidationFailed.one(
            field,
            f"A message has at most {MAX_BODY_BYTES // 1024} KB of HTML.",
            MessageErrorCode.TOO_LONG,
        )
    body = sanitize_body(raw)
    if body.is_empty:
        raise ValidationFailed.one(
            field,
            "Nothing is left of this message once unsafe markup is removed: write some text.",
            MessageErrorCode.INVALID,
        )
    return body


def message_snapshot(message: TicketMessage | None) -> dict[str, Any]:
    """The audited fields of a message (bodies as plain text: the HTML is derivable noise)."""
    if message is None:
        return {}
    return {
        "ticket_id": message.ticket_id,
        "author_user_id": message.author_user_id,
        "author_kind": message.author_kind,
        "visibility": message.visibility,
        "in_reply_to_id": message.in_reply_to_id,
        "approved_by_id": message.approved_by_id,
        "body_text": message.body_text,
    }


def check_visibility(principal: Principal, visibility: str) -> None:
    """Customers write public replies only; reviewers (like Zendesk's light agents) write
    internal notes only; agents and admins write both."""
    if visibility in policy.message_visibilities(principal):
        return
    if policy.is_customer(principal):
        raise ValidationFailed.one(
            "visibility", "Customers can only post public replies.", MessageErrorCode.FORBIDDEN
        )
    if policy.is_reviewer(principal):
        raise ValidationFailed.one(
            "visibility", "Reviewers can only post internal notes.", MessageErrorCode.FORBIDDEN
        )


def author_kind_of(principal: Principal) -> str:
    return (
        AuthorKind.CUSTOMER.value if policy.writes_as_customer(principal) else AuthorKind.USER.value
    )


async def post_message(
    tx: MutationTx,
    ticket: Ticket,
    *,
    body: SanitizedBody,
    visibility: str,
    author_user_id: uuid.UUID | None,
    author_kind: str,
    in_reply_to_id: uuid.UUID | None = None,
    approved_by_id: uuid.UUID | None = None,
) -> TicketMessage:
    """Insert a message on a (locked) ticket, apply its effects on the ticket and audit both.

    The building block for addMessage, for createTicket's first message and for AI replies;
    the caller has checked who may post and has the ticket row from this transaction.
    """
    ensure_accepts_messages(ticket)
    now = utcnow()
    message = TicketMessage(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        author_user_id=author_user_id,
        author_kind=author_kind,
        visibility=visibility,
        body_html=body.html,
        body_text=body.text,
        in_reply_to_id=in_reply_to_id,
        created_at=now,
        approved_by_id=approved_by_id,
    )
    tx.session.add(message)
    before = _ticket_state(ticket)
    _apply_effects(ticket, message)
    await tx.session.flush()
    tx.audit("Message", message.id, diff({}, message_snapshot(message)))
    changes = diff(before, _ticket_state(ticket))
    if changes:
        tx.audit("Ticket", ticket.id, changes)
    await notify_message(tx, ticket, message)
    return message


def _ticket_state(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "first_responded_at": ticket.first_responded_at,
        "solved_at": ticket.solved_at,
        "last_message_at": ticket.last_message_at,
    }


def _apply_effects(ticket: Ticket, message: TicketMessage) -> None:
    """The state machine's system moves (resolvers/tickets/transitions.py): the first public
    staff reply answers the ticket (an AI reply sent to the customer, approved by an agent
    or by the auto-reply policy, is one), a customer reply reopens it. Internal notes only
    count as activity."""
    now = message.created_at
    ticket.last_message_at = now
    ticket.updated_at = now
    if message.visibility != Visibility.PUBLIC.value:
        return
    if message.author_kind in (AuthorKind.USER.value, AuthorKind.AI.value):
        on_staff_public_reply(ticket, now)
    elif message.author_kind == AuthorKind.CUSTOMER.value:
        on_customer_reply(ticket, now)


async def add_message(
    tx: MutationTx,
    *,
    ticket_id: uuid.UUID,
    body_html: str | None,
    visibility: str,
    in_reply_to_id: uuid.UUID | None = None,
    attachment_ids: Sequence[uuid.UUID] = (),
) -> TicketMessage:
    ctx = tx.ctx
    principal = ctx.require_principal()
    check_visibility(principal, visibility)
    body = clean_body(body_html)
    ticket = await load_ticket_for_update(tx.session, principal, ticket_id, "ticketId")
    status_before = ticket.status
    if in_reply_to_id is not None:
        parent = await tx.session.get(TicketMessage, in_reply_to_id)
        hidden = parent is not None and (
            not policy.can_see_internal_messages(principal)
            and parent.visibility != Visibility.PUBLIC.value
        )
        if parent is None or parent.ticket_id != ticket.id or hidden:
            raise NotFound("inReplyToId", "message on this ticket")
    message = await post_message(
        tx,
        ticket,
        body=body,
        visibility=visibility,
        author_user_id=principal.user_id,
        author_kind=author_kind_of(principal),
        in_reply_to_id=in_reply_to_id,
    )
    await link_attachments(tx, principal, ticket, message, attachment_ids)
    if message.author_kind == AuthorKind.CUSTOMER.value:
        await auto_draft(tx, ticket)
    tx.after_commit(publish_message_event, ctx, MessageEventKind.CREATED, message, ticket)
    if ticket.status != status_before:
        tx.after_commit(publish_ticket_event, ctx, TicketEventKind.STATUS_CHANGED, ticket)
    return message
