"""Loaders for tickets, teams, team members and ticket followers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import Team, TeamMember, Ticket, TicketFollower

__all__ = [
    "load_followers_by_ticket_id",
    "load_members_by_team_id",
    "load_teams_by_id",
    "load_tickets_by_id",
]


async def load_tickets_by_id(db: Database, keys: Sequence[uuid.UUID]) -> list[Ticket | None]:
    return await by_key(db, Ticket, Ticket.id, keys)


async def load_teams_by_id(db: Database, keys: Sequence[uuid.UUID]) -> list[Team | None]:
    return await by_key(db, Team, Team.id, keys)


async def load_members_by_team_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[TeamMember]]:
    # Same order as round-robin assignment walks the members.
    return await lists_by_key(
        db, TeamMember, TeamMember.team_id, keys, TeamMember.created_at, TeamMember.user_id
    )


async def load_followers_by_ticket_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[TicketFollower]]:
    return await lists_by_key(
        db,
        TicketFollower,
        TicketFollower.ticket_id,
        keys,
        TicketFollower.created_at,
        TicketFollower.user_id,
    )
