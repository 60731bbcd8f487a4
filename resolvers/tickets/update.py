"""updateTicket: staff edit a ticket's fields, team and followers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import TeamMember, Ticket, TicketFollower
from db.models.tickets import TicketStatus
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import FieldProblem, ValidationFailed
from resolvers.events import TicketEventKind, publish_ticket_event
from resolvers.tickets.assignment import load_team, set_assignment
from resolvers.tickets.common import (
    UNCHANGED,
    Unchanged,
    load_ticket_for_update,
    normalize_custom_fields,
    normalize_subject,
    normalize_tags,
    require_agent,
    snapshot,
    working_staff,
)
from resolvers.tickets.sla import apply_sla

__all__ = ["TicketChanges", "update_ticket"]


@dataclass(slots=True)
class TicketChanges:
    """Only the fields that were given change."""

    subject: str | None = None
    priority: str | None = None
    tags: list[str] | None = None
    custom_fields: Any = None  # raw JSON input; normalize_custom_fields checks it
    team_id: uuid.UUID | Unchanged | None = UNCHANGED
    add_follower_ids: list[uuid.UUID] = field(default_factory=list)
    remove_follower_ids: list[uuid.UUID] = field(default_factory=list)


async def _followers(session: AsyncSession, ticket_id: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(TicketFollower.user_id)
        .where(TicketFollower.ticket_id == ticket_id)
        .order_by(TicketFollower.user_id)
    )
    return [str(user_id) for user_id in rows.scalars()]


async def _check_followers(session: AsyncSession, user_ids: list[uuid.UUID]) -> None:
    staff = await working_staff(session, user_ids)
    problems = [
        FieldProblem(
            f"addFollowerIds.{index}",
            "Followers are active agents or admins.",
            TicketErrorCode.NOT_FOUND,
        )
        for index, user_id in enumerate(user_ids)
        if user_id not in staff
    ]
    if problems:
        raise ValidationFailed(*problems)


async def update_ticket(tx: MutationTx, ticket_id: uuid.UUID, changes: TicketChanges) -> Ticket:
    ctx = tx.ctx
    principal = require_agent(ctx)
    subject = normalize_subject(changes.subject) if changes.subject is not None else None
    tags = normalize_tags(changes.tags) if changes.tags is not None else None
    custom_fields = (
        normalize_custom_fields(changes.custom_fields)
        if changes.custom_fields is not None
        else None
    )
    now = utcnow()
    session = tx.session
    ticket = await load_ticket_for_update(session, principal, ticket_id, "id")
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationFailed.one(
            "id",
            f"Ticket #{ticket.number} is closed, which is final.",
            TicketErrorCode.INVALID_STATE,
        )
    before = snapshot(ticket)
    before["followers"] = await _followers(session, ticket.id)
    if subject is not None:
        ticket.subject = subject
    if tags is not None:
        ticket.tags = tags
    if custom_fields is not None:
        ticket.custom_fields = custom_fields
    if changes.priority is not None and changes.priority != ticket.priority:
        ticket.priority = changes.priority
        await apply_sla(session, ticket, ticket.created_at)  # targets follow the priority
    if not isinstance(changes.team_id, Unchanged) and changes.team_id != ticket.team_id:
        assignee_id = ticket.assignee_id
        if changes.team_id is not None:
            await load_team(session, changes.team_id, "teamId")
            if (
                assignee_id is not None
                and await session.get(TeamMember, (changes.team_id, assignee_id)) is None
            ):
                assignee_id = None  # not in the new team: the ticket joins its queue
        await set_assignment(tx, ticket, assignee_id, changes.team_id, now)
    if changes.add_follower_ids:
        await _check_followers(session, changes.add_follower_ids)
        await session.execute(
            insert(TicketFollower)
            .values([{"ticket_id": ticket.id, "user_id": u} for u in changes.add_follower_ids])
            .on_conflict_do_nothing()
        )
    if changes.remove_follower_ids:
        await session.execute(
            delete(TicketFollower).where(
                TicketFollower.ticket_id == ticket.id,
                TicketFollower.user_id.in_(changes.remove_follower_ids),
            )
        )
    after = snapshot(ticket)
    after["followers"] = await _followers(session, ticket.id)
    changed = diff(before, after)
    if changed:
        ticket.updated_at = now
    tx.audit("Ticket", ticket.id, changed)
    if changed:
        tx.after_commit(publish_ticket_event, ctx, TicketEventKind.UPDATED, ticket)
    return ticket
