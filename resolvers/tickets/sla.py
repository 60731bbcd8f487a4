"""SLA targets: due times from the policy for a priority, and whether a ticket breached them.

The clock does not pause while a ticket is pending or on hold (a deliberate simplification:
breaches are measured in calendar time from creation).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from db.models import SlaPolicy, Ticket

__all__ = [
    "DEFAULT_SLA_MINUTES",
    "apply_sla",
    "is_breached",
    "policy_minutes",
    "sla_breached_clause",
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
    first, resolution = await policy_minutes(session, ticket.priority)
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
