"""Who works a ticket: manual assignment, and round-robin within a team.

Round-robin walks a team's members in a fixed order (when they joined, then user id),
starting after the member who got the previous automatic assignment
(`teams.last_assigned_user_id`), and skips inactive users and anyone whose open tickets
(new/open/pending/on_hold, across all teams) have reached the capacity of that membership.
The team row is locked while picking, so two concurrent picks never take the same turn.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Team, TeamMember, Ticket, User
from db.models.tickets import OPEN_STATUSES, TicketStatus
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import NotFound, ValidationFailed
from resolvers.events import TicketEventKind, publish_ticket_event
from resolvers.notifications import notify_assigned
from resolvers.tickets.common import (
    AGENT_ROLES,
    UNCHANGED,
    Unchanged,
    load_ticket_for_update,
    require_agent,
    snapshot,
    working_staff,
)

__all__ = [
    "assign_ticket",
    "auto_assign_ticket",
    "check_assignee",
    "load_team",
    "pick_round_robin",
    "set_assignment",
]


async def load_team(
    session: AsyncSession, team_id: uuid.UUID, field: str, *, lock: bool = False
) -> Team:
    stmt = select(Team).where(Team.id == team_id)
    if lock:
        stmt = stmt.with_for_update()
    team = (await session.execute(stmt)).scalar_one_or_none()
    if team is None:
        raise NotFound(field, "team")
    return team


async def _is_member(session: AsyncSession, team_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.execute(
        select(TeamMember.user_id).where(
            TeamMember.team_id == team_id, TeamMember.user_id == user_id
        )
    )
    return found.first() is not None


async def check_assignee(
    session: AsyncSession, assignee_id: uuid.UUID, team: Team | None, field: str
) -> User:
    """An assignee is an active agent or admin, and a member of the ticket's team if any."""
    staff = await working_staff(session, [assignee_id])
    user = staff.get(assignee_id)
    if user is None:
        exists = await session.get(User, assignee_id)
        if exists is None:
            raise NotFound(field, "user")
        raise ValidationFailed.one(
            field, "Only active agents and admins can be assigned tickets.", TicketErrorCode.INVALID
        )
    if team is not None and not await _is_member(session, team.id, assignee_id):
        raise ValidationFailed.one(
            field, f"{user.name} is not a member of the team {team.name}.", TicketErrorCode.INVALID
        )
    return user


async def pick_round_robin(session: AsyncSession, team: Team) -> uuid.UUID | None:
    """The next member with spare capacity (None when all are full), taking their turn.

    The caller must have locked `team` (load_team(..., lock=True)).
    """
    members = (
        await session.execute(
            select(TeamMember.user_id, TeamMember.ticket_capacity)
            .join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id == team.id, User.is_active, User.role.in_(AGENT_ROLES))
            .order_by(TeamMember.created_at, TeamMember.user_id)
        )
    ).all()
    if not members:
        return None
    ids = [m.user_id for m in members]
    open_counts = await session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(ids), Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.assignee_id)
    )
    counts: dict[uuid.UUID | None, int] = {user_id: n for user_id, n in open_counts}
    start = ids.index(team.last_assigned_user_id) + 1 if team.last_assigned_user_id in ids else 0
    for offset in range(len(members)):
        member = members[(start + offset) % len(members)]
        if counts.get(member.user_id, 0) < member.ticket_capacity:
            user_id: uuid.UUID = member.user_id
            team.last_assigned_user_id = user_id
            return user_id
    return None


async def set_assignment(
    tx: MutationTx,
    ticket: Ticket,
    assignee_id: uuid.UUID | None,
    team_id: uuid.UUID | None,
    now: datetime,
) -> bool:
    """Every assignment lands here (manual, round-robin, on create, in bulk), inside the
    mutation's transaction, and the one place the new assignee's notification is queued
    (resolvers/notifications.py). Returns whether anything changed."""
    if ticket.assignee_id == assignee_id and ticket.team_id == team_id:
        return False
    previous_assignee_id = ticket.assignee_id
    ticket.assignee_id = assignee_id
    ticket.team_id = team_id
    ticket.updated_at = now
    if assignee_id is not None and assignee_id != previous_assignee_id:
        await notify_assigned(tx, ticket, assignee_id)
    return True


def _refuse_closed(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationFailed.one(
            "ticketId",
            f"Ticket #{ticket.number} is closed and cannot be reassigned.",
            TicketErrorCode.INVALID_STATE,
        )


async def assign_ticket(
    tx: MutationTx,
    ticket_id: uuid.UUID,
    *,
    assignee_id: uuid.UUID | Unchanged | None = UNCHANGED,
    team_id: uuid.UUID | Unchanged | None = UNCHANGED,
) -> Ticket:
    """Manual assignment. A new team keeps the assignee only if they are a member of it."""
    ctx = tx.ctx
    principal = require_agent(ctx)
    session = tx.session
    ticket = await load_ticket_for_update(session, principal, ticket_id, "ticketId")
    _refuse_closed(ticket)
    before = snapshot(ticket)
    new_team_id = ticket.team_id if isinstance(team_id, Unchanged) else team_id
    team = await load_team(session, new_team_id, "teamId") if new_team_id else None
    if isinstance(assignee_id, Unchanged):
        new_assignee = ticket.assignee_id
        if (
            new_assignee is not None
            and team is not None
            and not await _is_member(session, team.id, new_assignee)
        ):
            new_assignee = None  # moved to a team they are not in: back to its queue
    else:
        new_assignee = assignee_id
        if new_assignee is not None:
            await check_assignee(session, new_assignee, team, "assigneeId")
    changed = await set_assignment(tx, ticket, new_assignee, new_team_id, utcnow())
    tx.audit("Ticket", ticket.id, diff(before, snapshot(ticket)))
    if changed:
        tx.after_commit(publish_ticket_event, ctx, TicketEventKind.ASSIGNED, ticket)
    return ticket


async def auto_assign_ticket(
    tx: MutationTx, ticket_id: uuid.UUID, team_id: uuid.UUID | None = None
) -> Ticket:
    """Round-robin within `team_id` (or the ticket's team); refused when nobody has room."""
    ctx = tx.ctx
    principal = require_agent(ctx)
    session = tx.session
    ticket = await load_ticket_for_update(session, principal, ticket_id, "ticketId")
    _refuse_closed(ticket)
    chosen_team_id = team_id or ticket.team_id
    if chosen_team_id is None:
        raise ValidationFailed.one(
            "teamId",
            "This ticket has no team: say which team should take it.",
            TicketErrorCode.REQUIRED,
        )
    team = await load_team(session, chosen_team_id, "teamId", lock=True)
    before = snapshot(ticket)
    assignee = await pick_round_robin(session, team)
    if assignee is None:
        raise ValidationFailed.one(
            "teamId",
            f"Every member of the team {team.name} is at capacity (or it has no members).",
            TicketErrorCode.INVALID_STATE,
        )
    changed = await set_assignment(tx, ticket, assignee, team.id, utcnow())
    tx.audit("Ticket", ticket.id, diff(before, snapshot(ticket)))
    if changed:
        tx.after_commit(publish_ticket_event, ctx, TicketEventKind.ASSIGNED, ticket)
    return ticket
