"""The ticket status state machine: which moves exist, who may make them, and their effects.

    new      → open, pending, on_hold, solved
    open     → pending, on_hold, solved
    pending  → open, on_hold, solved
    on_hold  → open, pending, solved
    solved   → open, closed
    closed   → (final: nothing; a follow-up is a new ticket)

Agents and admins may make every move in the table. Customers, on their own tickets, may
mark a ticket solved (from new/open/pending/on_hold) and close a solved one; they reopen a
ticket by replying to it, not by changing its status. Reviewers only read. Nothing returns
to `new`. Moving to the current status is a no-op.

Moves made by the system, not by a person:
- the first public staff reply sets `first_responded_at` and moves new → open;
- a customer reply moves pending/on_hold/solved → open;
- merging closes the source ticket.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import Ticket
from db.models.tickets import TicketStatus
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import Forbidden, ValidationFailed
from resolvers.events import TicketEventKind, publish_ticket_event
from resolvers.notifications import notify_solved
from resolvers.tickets.common import load_ticket_for_update, snapshot

__all__ = [
    "CUSTOMER_TRANSITIONS",
    "TRANSITIONS",
    "allowed_targets",
    "apply_status",
    "change_ticket_status",
    "check_transition",
    "close_as_merged",
    "ensure_accepts_messages",
    "on_customer_reply",
    "on_staff_public_reply",
]

S = TicketStatus

TRANSITIONS: dict[S, tuple[S, ...]] = {
    S.NEW: (S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED),
    S.OPEN: (S.PENDING, S.ON_HOLD, S.SOLVED),
    S.PENDING: (S.OPEN, S.ON_HOLD, S.SOLVED),
    S.ON_HOLD: (S.OPEN, S.PENDING, S.SOLVED),
    S.SOLVED: (S.OPEN, S.CLOSED),
    S.CLOSED: (),
}

CUSTOMER_TRANSITIONS: dict[S, tuple[S, ...]] = {
    S.NEW: (S.SOLVED,),
    S.OPEN: (S.SOLVED,),
    S.PENDING: (S.SOLVED,),
    S.ON_HOLD: (S.SOLVED,),
    S.SOLVED: (S.CLOSED,),
    S.CLOSED: (),
}


def allowed_targets(current: str, principal: Principal) -> tuple[S, ...]:
    """Where `principal` may move a ticket that is `current`."""
    if policy.may_work_tickets(principal):
        return TRANSITIONS[S(current)]
    if policy.is_customer(principal):
        return CUSTOMER_TRANSITIONS[S(current)]
    return ()


def _label(status: str) -> str:
    return status.replace("_", " ")


def check_transition(ticket: Ticket, target: str, principal: Principal, field: str) -> None:
    """Raise `invalid_state` (naming the allowed targets) unless the move is allowed."""
    if target == ticket.status:
        return
    allowed = allowed_targets(ticket.status, principal)
    if S(target) in allowed:
        return
    if not allowed:
        reason = (
            "it is closed, which is final"
            if ticket.status == S.CLOSED
            else "you may not change its status"
        )
        message = f"Ticket #{ticket.number} cannot move to {_label(target)}: {reason}."
    else:
        options = ", ".join(_label(s) for s in allowed)
        message = (
            f"Ticket #{ticket.number} is {_label(ticket.status)}: it can move to {options}, "
            f"not {_label(target)}."
        )
    raise ValidationFailed.one(field, message, TicketErrorCode.INVALID_STATE)


def apply_status(ticket: Ticket, target: str, now: datetime) -> bool:
    """Set the status and the timestamps that go with it; False when nothing changed."""
    if target == ticket.status:
        return False
    if target == S.SOLVED:
        ticket.solved_at = now
    elif target == S.CLOSED:
        ticket.closed_at = now
        ticket.solved_at = ticket.solved_at or now
    elif ticket.status == S.SOLVED:
        ticket.solved_at = None  # reopened: the resolution clock runs again
    ticket.status = target
    ticket.updated_at = now
    return True


def ensure_accepts_messages(ticket: Ticket, field: str = "ticketId") -> None:
    """Closed tickets take no more messages (helper D calls this before adding one)."""
    if ticket.status == S.CLOSED:
        raise ValidationFailed.one(
            field,
            f"Ticket #{ticket.number} is closed: open a new ticket to follow up.",
            TicketErrorCode.INVALID_STATE,
        )


def on_staff_public_reply(ticket: Ticket, now: datetime | None = None) -> bool:
    """First public staff reply: record the response time and move new → open."""
    now = now or utcnow()
    ensure_accepts_messages(ticket)
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    ticket.updated_at = now
    if ticket.status == S.NEW:
        return apply_status(ticket, S.OPEN, now)
    return False


def on_customer_reply(ticket: Ticket, now: datetime | None = None) -> bool:
    """A customer wrote again: a waiting or solved ticket needs an agent again."""
    now = now or utcnow()
    ensure_accepts_messages(ticket)
    ticket.updated_at = now
    if ticket.status in (S.PENDING, S.ON_HOLD, S.SOLVED):
        return apply_status(ticket, S.OPEN, now)
    return False


def close_as_merged(source: Ticket, target: Ticket, now: datetime) -> None:
    source.merged_into_id = target.id
    source.solved_at = source.solved_at or now
    source.closed_at = now
    source.status = S.CLOSED
    source.updated_at = now


async def change_ticket_status(tx: MutationTx, ticket_id: uuid.UUID, status: str) -> Ticket:
    """The changeTicketStatus use case."""
    ctx = tx.ctx
    principal = ctx.require_principal()
    if not policy.may_change_ticket_status(principal):
        raise Forbidden("Reviewers may read tickets but not change them.")
    ticket = await load_ticket_for_update(tx.session, principal, ticket_id, "ticketId")
    before = snapshot(ticket)
    check_transition(ticket, status, principal, "status")
    changed = apply_status(ticket, status, utcnow())
    tx.audit("Ticket", ticket.id, diff(before, snapshot(ticket)))
    if changed:
        await notify_solved(tx, ticket)
    if changed:
        tx.after_commit(publish_ticket_event, ctx, TicketEventKind.STATUS_CHANGED, ticket)
    return ticket
