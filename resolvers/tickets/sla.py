"""SLA targets: due times from the policy for a priority, and whether a ticket breached them.

The clock does not pause while a ticket is pending or on hold (a deliberate simplification:
breaches are measured in calendar time from creation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from db.base import utcnow
from db.models import SlaPolicy, Ticket
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = [
    "DEFAULT_SLA_MINUTES",
    "SlaTargets",
    "apply_sla",
    "is_breached",
    "list_sla_policies",
    "policy_minutes",
    "set_due_times",
    "sla_breached_clause",
    "update_sla_policy",
]

# Used when a priority has no row (the same defaults migration 0002 seeds).
DEFAULT_SLA_MINUTES: dict[str, tuple[int, int]] = {
    "urgent": (60, 4 * 60),
    "high": (4 * 60, 24 * 60),
    "normal": (8 * 60, 3 * 24 * 60),
    "low": (24 * 60, 7 * 24 * 60),
}


async def policy_minutes(session: AsyncSession, priority: str) -> tuple[int, int]:
    """(first response, resolution) minutes for `priority`."""
    row = (
        await session.execute(select(SlaPolicy).where(SlaPolicy.priority == priority))
    ).scalar_one_or_none()
    if row is not None:
        return row.first_response_minutes, row.resolution_minutes
    return DEFAULT_SLA_MINUTES[priority]


async def apply_sla(session: AsyncSession, ticket: Ticket, start: datetime) -> None:
    """Set both due times for the ticket's priority, counted from `start` (its creation)."""
    set_due_times(ticket, start, await policy_minutes(session, ticket.priority))


def set_due_times(ticket: Ticket, start: datetime, minutes: tuple[int, int]) -> None:
    first, resolution = minutes
    ticket.first_response_due_at = start + timedelta(minutes=first)
    ticket.resolution_due_at = start + timedelta(minutes=resolution)


def is_breached(ticket: Ticket, now: datetime) -> bool:
    """A target was missed: the response or resolution came (or is still missing) too late."""
    responded = ticket.first_responded_at or ticket.solved_at or ticket.closed_at or now
    resolved = ticket.solved_at or ticket.closed_at or now
    return bool(
        (ticket.first_response_due_at is not None and ticket.first_response_due_at < responded)
        or (ticket.resolution_due_at is not None and ticket.resolution_due_at < resolved)
    )


def sla_breached_clause(now: datetime) -> ColumnElement[Any]:
    """SQL twin of `is_breached` (never NULL, so it can be negated)."""
    responded = func.coalesce(Ticket.first_responded_at, Ticket.solved_at, Ticket.closed_at, now)
    resolved = func.coalesce(Ticket.solved_at, Ticket.closed_at, now)
    return func.coalesce(
        or_(Ticket.first_response_due_at < responded, Ticket.resolution_due_at < resolved),
        false(),
    )


@dataclass(frozen=True, slots=True)
class SlaTargets:
    priority: str
    first_response_minutes: int
    resolution_minutes: int
    updated_at: datetime | None = None


MAX_MINUTES = 366 * 24 * 60


async def list_sla_policies(ctx: RequestContext) -> list[SlaTargets]:
    """Every priority's targets, most urgent first (defaults where no row was stored)."""
    ctx.require_staff()
    async with ctx.db.sessions() as session:
        rows = {row.priority: row for row in (await session.execute(select(SlaPolicy))).scalars()}
    targets = []
    for priority, (first, resolution) in DEFAULT_SLA_MINUTES.items():
        row = rows.get(priority)
        targets.append(
            SlaTargets(priority, row.first_response_minutes, row.resolution_minutes, row.updated_at)
            if row is not None
            else SlaTargets(priority, first, resolution)
        )
    return targets


async def update_sla_policy(
    tx: MutationTx, priority: str, first_response_minutes: int, resolution_minutes: int
) -> SlaTargets:
    """New targets apply to tickets created (or re-prioritised) from now on."""
    ctx = tx.ctx
    ctx.require_admin()
    problems = [
        FieldProblem(
            name, f"Give a number of minutes between 1 and {MAX_MINUTES}.", TicketErrorCode.INVALID
        )
        for name, value in (
            ("firstResponseMinutes", first_response_minutes),
            ("resolutionMinutes", resolution_minutes),
        )
        if not 1 <= value <= MAX_MINUTES
    ]
    if not problems and first_response_minutes > resolution_minutes:
        problems.append(
            FieldProblem(
                "firstResponseMinutes",
                "The first response cannot be due after the resolution.",
                TicketErrorCode.INVALID,
            )
        )
    if problems:
        raise ValidationFailed(*problems)
    session = tx.session
    before_first, before_resolution = await policy_minutes(session, priority)
    now = utcnow()
    await session.execute(
        insert(SlaPolicy)
        .values(
            priority=priority,
            first_response_minutes=first_response_minutes,
            resolution_minutes=resolution_minutes,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=[SlaPolicy.priority],
            set_={
                "first_response_minutes": first_response_minutes,
                "resolution_minutes": resolution_minutes,
                "updated_at": now,
            },
        )
    )
    tx.audit(
        "SlaPolicy",
        priority,
        diff(
            {"first_response_minutes": before_first, "resolution_minutes": before_resolution},
            {
                "first_response_minutes": first_response_minutes,
                "resolution_minutes": resolution_minutes,
            },
        ),
    )
    return SlaTargets(priority, first_response_minutes, resolution_minutes, now)
