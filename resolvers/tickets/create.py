"""createTicket: a customer opens their own ticket, staff open one for a customer, or an
integration (API key) does; SLA due times and round-robin assignment happen here too."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import Customer, Ticket, TicketMessage, User
from db.models.accounts import Role
from db.models.tickets import AuthorKind, TicketChannel, TicketPriority, TicketStatus, Visibility
from resolvers.ai_suggestions.request import auto_draft
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from resolvers.events import TicketEventKind, publish_ticket_event
from resolvers.messages.add import clean_body, message_snapshot
from resolvers.sanitize import SanitizedBody
from resolvers.tickets.assignment import check_assignee, load_team, pick_round_robin, set_assignment
from resolvers.tickets.common import (
    normalize_custom_fields,
    normalize_subject,
    normalize_tags,
    snapshot,
)
from resolvers.tickets.sla import apply_sla
from resolvers.triage.requests import queue_triage

__all__ = ["NewTicket", "create_ticket", "store_first_message"]


@dataclass(slots=True)
class NewTicket:
    subject: str
    body_html: str | None = None
    customer_id: uuid.UUID | None = None
    requester_id: uuid.UUID | None = None
    priority: str | None = None
    channel: str | None = None
    tags: list[str] | None = None
    custom_fields: Any = None  # raw JSON input; normalize_custom_fields checks it
    team_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    # Inputs a customer sent that only staff may set (named as the client sent them).
    staff_only_given: list[str] = field(default_factory=list)


def _refuse_staff_only_fields(new: NewTicket) -> None:
    if new.staff_only_given:
        raise ValidationFailed(
            *(
                FieldProblem(
                    name,
                    "Only staff may set this when opening a ticket.",
                    TicketErrorCode.FORBIDDEN,
                )
                for name in new.staff_only_given
            )
        )


async def _customer_for_staff(new: NewTicket, session: AsyncSession) -> Customer:
    if new.customer_id is None:
        raise ValidationFailed.one(
            "customerId", "Say which customer this ticket is for.", TicketErrorCode.REQUIRED
        )
    customer = await session.get(Customer, new.customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound("customerId", "customer")
    return customer


async def _check_requester(
    session: AsyncSession, requester_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    user = await session.get(User, requester_id)
    if user is None or user.role != Role.CUSTOMER.value or user.customer_id != customer_id:
        raise NotFound("requesterId", "user of this customer")


def _first_message_author(
    principal: Principal, requester_id: uuid.UUID | None
) -> tuple[str, uuid.UUID | None]:
    """Customers write their own description; an integration relays the requester's words;
    staff write on the customer's behalf under their own name."""
    if policy.writes_as_customer(principal):
        return AuthorKind.CUSTOMER.value, principal.user_id
    if principal.user_id is None:
        return AuthorKind.CUSTOMER.value, requester_id
    return AuthorKind.USER.value, principal.user_id


async def store_first_message(
    tx: MutationTx,
    ticket: Ticket,
    body: SanitizedBody,
    author_kind: str,
    author_user_id: uuid.UUID | None,
) -> TicketMessage:
    """The ticket's description: a public message that, unlike a reply, answers nothing,
    so it neither starts the first-response clock nor moves the status."""
    message = TicketMessage(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        author_user_id=author_user_id,
        author_kind=author_kind,
        visibility=Visibility.PUBLIC.value,
        body_html=body.html,
        body_text=body.text,
        created_at=ticket.created_at,
    )
    tx.session.add(message)
    ticket.last_message_at = message.created_at
    await tx.session.flush()
    tx.audit("Message", message.id, diff({}, message_snapshot(message)))
    return message


async def create_ticket(tx: MutationTx, new: NewTicket) -> Ticket:
    ctx = tx.ctx
    principal = ctx.require_principal()
    if not policy.may_create_ticket(principal):
        raise Forbidden("Reviewers may read tickets but not open them.")
    is_customer = policy.is_customer(principal)
    if is_customer:
        _refuse_staff_only_fields(new)
    subject = normalize_subject(new.subject)
    body = clean_body(new.body_html, "body") if new.body_html is not None else None
    tags = normalize_tags(new.tags or [])
    custom_fields = normalize_custom_fields(new.custom_fields or {})
    now = utcnow()
    session = tx.session
    if is_customer:
        if principal.customer_id is None:
            raise Forbidden("This account is not linked to a customer record.")
        if new.customer_id is not None and new.customer_id != principal.customer_id:
            raise NotFound("customerId", "customer")
        customer_id = principal.customer_id
        requester_id = principal.user_id
        channel = TicketChannel.WEB.value
    else:
        customer_id = (await _customer_for_staff(new, session)).id
        requester_id = new.requester_id
        if requester_id is not None:
            await _check_requester(session, requester_id, customer_id)
        default = TicketChannel.WEB if principal.user_id else TicketChannel.API
        channel = new.channel or default.value
    ticket = Ticket(
        id=uuid.uuid4(),
        customer_id=customer_id,
        requester_id=requester_id,
        subject=subject,
        status=TicketStatus.NEW.value,
        priority=new.priority or TicketPriority.NORMAL.value,
        channel=channel,
        tags=tags,
        custom_fields=custom_fields,
        created_at=now,
        updated_at=now,
    )
    await apply_sla(session, ticket, now)
    team = await load_team(session, new.team_id, "teamId", lock=True) if new.team_id else None
    assignee_id = new.assignee_id
    if assignee_id is not None:
        await check_assignee(session, assignee_id, team, "assigneeId")
    elif team is not None:
        assignee_id = await pick_round_robin(session, team)  # None: stays in the queue
    session.add(ticket)
    await session.flush()  # the number exists before anyone hears of the assignment
    if assignee_id is not None or team is not None:
        await set_assignment(tx, ticket, assignee_id, team.id if team else None, now)
    tx.audit("Ticket", ticket.id, diff({}, snapshot(ticket)))
    if body is not None:
        kind, author = _first_message_author(principal, requester_id)
        await store_first_message(tx, ticket, body, kind, author)
    if _first_message_author(principal, requester_id)[0] == AuthorKind.CUSTOMER.value:
        await auto_draft(tx, ticket)  # a customer's question (AI_AUTO_DRAFT)
    tx.after_commit(publish_ticket_event, ctx, TicketEventKind.CREATED, ticket)
    if ctx.settings.ai_triage_on_create:
        given = {"priority": new.priority, "team": new.team_id, "assignee": new.assignee_id}
        keep = [name for name, value in given.items() if value is not None]
        queue_triage(tx, ticket, keep=keep, reason="created")
    return ticket
