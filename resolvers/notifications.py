"""E-mail notifications about tickets, queued in the transaction of the change they report.

Queued through the outbox (resolvers/mail.py), so a rolled-back change sends nothing and a
committed one cannot lose its mail. Who hears what:

- the customer, on a public reply by staff (or the AI) and when the ticket is solved;
- the assignee, when a ticket is assigned to them (manually, by round-robin, in bulk or on
  creation) and when the customer replies to a ticket assigned to them.

Never for internal notes, never to the person who made the change, and never when the
recipient turned that kind off (`users.preferences -> notify -> <kind> = false`).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from db.models import Customer, CustomerEmail, Ticket, TicketMessage, User
from db.models.accounts import Role
from db.models.tickets import AuthorKind, TicketStatus, Visibility
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, NotFound
from resolvers.mail import queue_mail, schedule_delivery

__all__ = [
    "NotificationKind",
    "notification_preferences",
    "notify_assigned",
    "notify_message",
    "notify_solved",
    "ticket_link",
    "update_notification_preferences",
]

_MAX_SUBJECT = 300


class NotificationKind(enum.StrEnum):
    """Also the keys under `users.preferences["notify"]` and the outbox `kind`."""

    TICKET_REPLY = "ticket_reply"  # to the customer: staff replied publicly
    TICKET_SOLVED = "ticket_solved"  # to the customer: their ticket was solved
    TICKET_ASSIGNED = "ticket_assigned"  # to an agent: a ticket is now theirs
    CUSTOMER_REPLY = "customer_reply"  # to the assignee: the customer wrote again


def notification_preferences(preferences: Mapping[str, Any] | None) -> dict[str, bool]:
    """Every kind with its switch; anything not stored explicitly as false is on."""
    notify = (preferences or {}).get("notify")
    stored = notify if isinstance(notify, Mapping) else {}
    return {kind.value: stored.get(kind.value) is not False for kind in NotificationKind}


def _wants(user: User | None, kind: NotificationKind) -> bool:
    return user is None or notification_preferences(user.preferences)[kind.value]


def ticket_link(ctx: RequestContext, ticket: Ticket) -> str:
    return f"{ctx.settings.public_url.rstrip('/')}/tickets/{ticket.number}"


def _subject(ticket: Ticket, label: str) -> str:
    return f"[#{ticket.number}] {label}: {ticket.subject}"[:_MAX_SUBJECT]


def _actor_id(tx: MutationTx) -> uuid.UUID | None:
    principal = tx.ctx.principal
    return principal.user_id if principal is not None else None


async def _queue(
    tx: MutationTx,
    *,
    to: str,
    user: User | None,
    kind: NotificationKind,
    subject: str,
    body: str,
) -> None:
    queue_mail(
        tx.session,
        to=to,
        subject=subject,
        body=body,
        kind=kind.value,
        user_id=user.id if user else None,
    )
    await schedule_delivery(tx)  # one delivery job per transaction, however many mails


async def _customer_recipient(
    session: AsyncSession, ticket: Ticket
) -> tuple[str, User | None] | None:
    """The requester's account, else the customer's first active account, else the first
    address on the customer record (no account: no preferences to honour)."""
    if ticket.requester_id is not None:
        user = await session.get(User, ticket.requester_id)
        if (
            user is not None
            and user.is_active
            and user.role == Role.CUSTOMER.value
            and user.customer_id == ticket.customer_id
        ):
            return user.email, user
    user = (
        await session.execute(
            select(User)
            .where(
                User.customer_id == ticket.customer_id,
                User.role == Role.CUSTOMER.value,
                User.is_active,
            )
            .order_by(User.created_at, User.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if user is not None:
        return user.email, user
    email = (
        await session.execute(
            select(CustomerEmail.email)
            .join(Customer, Customer.id == CustomerEmail.customer_id)
            .where(CustomerEmail.customer_id == ticket.customer_id, Customer.deleted_at.is_(None))
            .order_by(CustomerEmail.position, CustomerEmail.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    return (email, None) if email is not None else None


async def _name(session: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    return user.name if user is not None else None


async def notify_message(tx: MutationTx, ticket: Ticket, message: TicketMessage) -> None:
    """A new message: a public staff/AI reply goes to the customer, a customer reply to the
    assignee. Internal notes notify nobody."""
    if message.visibility != Visibility.PUBLIC.value:
        return
    if message.author_kind == AuthorKind.CUSTOMER.value:
        await _notify_customer_reply(tx, ticket, message)
        return
    found = await _customer_recipient(tx.session, ticket)
    if found is None:
        return
    address, user = found
    if user is not None and user.id in (message.author_user_id, _actor_id(tx)):
        return
    if not _wants(user, NotificationKind.TICKET_REPLY):
        return
    author = (
        "Our assistant"
        if message.author_kind == AuthorKind.AI.value
        else await _name(tx.session, message.author_user_id) or "Support"
    )
    body = (
        f'{author} replied to your ticket #{ticket.number} "{ticket.subject}":\n\n'
        f"{message.body_text.strip()}\n\n"
        f"See the conversation and reply: {ticket_link(tx.ctx, ticket)}\n"
    )
    await _queue(
        tx,
        to=address,
        user=user,
        kind=NotificationKind.TICKET_REPLY,
        subject=_subject(ticket, "New reply"),
        body=body,
    )


async def _notify_customer_reply(tx: MutationTx, ticket: Ticket, message: TicketMessage) -> None:
    if ticket.assignee_id is None or ticket.assignee_id in (
        message.author_user_id,
        _actor_id(tx),
    ):
        return
    assignee = await tx.session.get(User, ticket.assignee_id)
    if assignee is None or not assignee.is_active:
        return
    if not _wants(assignee, NotificationKind.CUSTOMER_REPLY):
        return
    author = await _name(tx.session, message.author_user_id)
    if author is None:
        customer = await tx.session.get(Customer, ticket.customer_id)
        author = customer.name if customer is not None else "The customer"
    body = (
        f'{author} replied on ticket #{ticket.number} "{ticket.subject}", '
        f"which is assigned to you:\n\n"
        f"{message.body_text.strip()}\n\n"
        f"Open the ticket: {ticket_link(tx.ctx, ticket)}\n"
    )
    await _queue(
        tx,
        to=assignee.email,
        user=assignee,
        kind=NotificationKind.CUSTOMER_REPLY,
        subject=_subject(ticket, "Customer reply"),
        body=body,
    )


async def notify_assigned(tx: MutationTx, ticket: Ticket, assignee_id: uuid.UUID) -> None:
    """`assignee_id` now owns the ticket (the caller checked it changed)."""
    actor_id = _actor_id(tx)
    if assignee_id == actor_id:
        return
    assignee = await tx.session.get(User, assignee_id)
    if assignee is None or not assignee.is_active:
        return
    if not _wants(assignee, NotificationKind.TICKET_ASSIGNED):
        return
    actor = await _name(tx.session, actor_id)
    by = f" by {actor}" if actor and policy.is_staff(tx.ctx.principal) else ""
    body = (
        f'Ticket #{ticket.number} "{ticket.subject}" (priority {ticket.priority}) '
        f"was assigned to you{by}.\n\n"
        f"Open the ticket: {ticket_link(tx.ctx, ticket)}\n"
    )
    await _queue(
        tx,
        to=assignee.email,
        user=assignee,
        kind=NotificationKind.TICKET_ASSIGNED,
        subject=_subject(ticket, "Assigned to you"),
        body=body,
    )


async def notify_solved(tx: MutationTx, ticket: Ticket) -> None:
    """The ticket has just moved to solved: tell the customer, unless they solved it."""
    if ticket.status != TicketStatus.SOLVED.value:
        return
    found = await _customer_recipient(tx.session, ticket)
    if found is None:
        return
    address, user = found
    if user is not None and user.id == _actor_id(tx):
        return
    if not _wants(user, NotificationKind.TICKET_SOLVED):
        return
    body = (
        f'Your ticket #{ticket.number} "{ticket.subject}" has been marked as solved.\n\n'
        f"If something is still not right, reply on the ticket and it will reopen: "
        f"{ticket_link(tx.ctx, ticket)}\n"
    )
    await _queue(
        tx,
        to=address,
        user=user,
        kind=NotificationKind.TICKET_SOLVED,
        subject=_subject(ticket, "Solved"),
        body=body,
    )


async def update_notification_preferences(
    tx: MutationTx, changes: Mapping[NotificationKind, bool]
) -> dict[str, bool]:
    """Switch kinds on or off for the signed-in user; other preferences are kept."""
    ctx = tx.ctx
    principal = ctx.require_principal()
    if principal.user_id is None:
        raise Forbidden("Notification preferences belong to users: sign in as one.")
    user = (
        await tx.session.execute(select(User).where(User.id == principal.user_id).with_for_update())
    ).scalar_one_or_none()
    if user is None:
        raise NotFound("id", "user")
    before = notification_preferences(user.preferences)
    after = {**before, **{kind.value: value for kind, value in changes.items()}}
    stored = dict(user.preferences or {})
    notify = stored.get("notify")
    stored["notify"] = {**(notify if isinstance(notify, Mapping) else {}), **after}
    user.preferences = stored  # a new dict, so the JSONB column is written
    tx.audit("User", user.id, diff({"notify": before}, {"notify": after}))
    return after
