"""bulkUpdateTickets: one change applied to up to 100 tickets, all or nothing.

Every ticket is checked first (it exists, the move is legal, the assignee fits its team);
a single problem refuses the whole request with `ids.N` naming the ticket at fault.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from db.base import utcnow
from db.models import TeamMember, Ticket
from db.models.tickets import TicketStatus
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import FieldProblem, ValidationFailed
from resolvers.events import TicketEventKind, publish_ticket_event
from resolvers.notifications import notify_solved
from resolvers.tickets.assignment import check_assignee, set_assignment
from resolvers.tickets.common import (
    MAX_TAGS,
    UNCHANGED,
    Unchanged,
    load_tickets_for_update,
    require_agent,
    snapshot,
    tag_problems,
)
from resolvers.tickets.sla import policy_minutes, set_due_times
from resolvers.tickets.transitions import apply_status, check_transition

__all__ = ["MAX_BULK", "BulkChanges", "bulk_update_tickets"]

MAX_BULK = 100


@dataclass(slots=True)
class BulkChanges:
    status: str | None = None
    priority: str | None = None
    assignee_id: uuid.UUID | Unchanged | None = UNCHANGED
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)


def _check_size(ids: list[uuid.UUID]) -> None:
    if not ids:
        raise ValidationFailed.one("ids", "Name at least one ticket.", TicketErrorCode.REQUIRED)
    if len(ids) > MAX_BULK:
        raise ValidationFailed.one(
            "ids", f"At most {MAX_BULK} tickets can be changed at once.", TicketErrorCode.INVALID
        )


async def bulk_update_tickets(
    tx: MutationTx, ids: list[uuid.UUID], changes: BulkChanges
) -> list[Ticket]:
    """The changed tickets, in the order of `ids`."""
    ctx = tx.ctx
    principal = require_agent(ctx)
    _check_size(ids)
    add_tags, add_problems = tag_problems(changes.add_tags, "addTags")
    remove_tags, remove_problems = tag_problems(changes.remove_tags, "removeTags")
    if add_problems or remove_problems:
        raise ValidationFailed(*add_problems, *remove_problems)
    session = tx.session
    rows = await load_tickets_for_update(session, ids)
    assignee_id = changes.assignee_id
    members: set[tuple[uuid.UUID, uuid.UUID]] = set()
    if isinstance(assignee_id, uuid.UUID):
        await check_assignee(session, assignee_id, None, "assigneeId")
        team_rows = await session.execute(
            select(TeamMember.team_id, TeamMember.user_id).where(TeamMember.user_id == assignee_id)
        )
        members = {(row.team_id, row.user_id) for row in team_rows}
    problems: list[FieldProblem] = []
    for index, ticket_id in enumerate(ids):
        where = f"ids.{index}"
        ticket = rows.get(ticket_id)
        if ticket is None:
            problems.append(
                FieldProblem(where, "No ticket with this ID.", TicketErrorCode.NOT_FOUND)
            )
            continue
        if ticket.status == TicketStatus.CLOSED:
            problems.append(
                FieldProblem(
                    where, f"Ticket #{ticket.number} is closed.", TicketErrorCode.INVALID_STATE
                )
            )
            continue
        if changes.status is not None:
            try:
                check_transition(ticket, changes.status, principal, where)
            except ValidationFailed as exc:
                problems.extend(exc.problems)
        if (
            isinstance(assignee_id, uuid.UUID)
            and ticket.team_id is not None
            and (ticket.team_id, assignee_id) not in members
        ):
            problems.append(
                FieldProblem(
                    where,
                    f"The assignee is not a member of ticket #{ticket.number}'s team.",
                    TicketErrorCode.INVALID,
                )
            )
        tags = [t for t in ticket.tags if t not in remove_tags]
        if len(tags + [t for t in add_tags if t not in tags]) > MAX_TAGS:
            problems.append(
                FieldProblem(
                    where, f"A ticket has at most {MAX_TAGS} tags.", TicketErrorCode.INVALID
                )
            )
    if problems:
        raise ValidationFailed(*problems)

    now = utcnow()
    minutes = await policy_minutes(session, changes.priority) if changes.priority else None
    changed: list[Ticket] = []
    events: list[tuple[TicketEventKind, Ticket]] = []
    for ticket_id in dict.fromkeys(ids):
        ticket = rows[ticket_id]
        before = snapshot(ticket)
        if changes.status is not None:
            apply_status(ticket, changes.status, now)
        if minutes is not None and changes.priority != ticket.priority:
            ticket.priority = str(changes.priority)
            set_due_times(ticket, ticket.created_at, minutes)
        if not isinstance(assignee_id, Unchanged):
            await set_assignment(tx, ticket, assignee_id, ticket.team_id, now)
        if add_tags or remove_tags:
            tags = [t for t in ticket.tags if t not in remove_tags]
            ticket.tags = tags + [t for t in add_tags if t not in tags]
        after = snapshot(ticket)
        if after != before:
            ticket.updated_at = now
            events.append((_event_kind(before, after), ticket))
        if before["status"] != after["status"]:
            await notify_solved(tx, ticket)
        tx.audit("Ticket", ticket.id, diff(before, after))
        changed.append(ticket)
    for kind, ticket in events:
        tx.after_commit(publish_ticket_event, ctx, kind, ticket)
    return changed


def _event_kind(before: dict[str, object], after: dict[str, object]) -> TicketEventKind:
    if before["status"] != after["status"]:
        return TicketEventKind.STATUS_CHANGED
    if before["assignee_id"] != after["assignee_id"]:
        return TicketEventKind.ASSIGNED
    return TicketEventKind.UPDATED
