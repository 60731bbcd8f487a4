"""Teams of agents: admin CRUD, membership with a per-member open-ticket capacity, reads."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from db.customer_search import escape_like
from db.models import Team, TeamMember
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.context import RequestContext
from resolvers.error_codes import TeamErrorCode
from resolvers.errors import NotFound, ValidationFailed
from resolvers.search import search_text
from resolvers.tickets.assignment import check_assignee, load_team

__all__ = [
    "DEFAULT_CAPACITY",
    "add_team_member",
    "create_team",
    "delete_team",
    "remove_team_member",
    "teams_page",
    "update_team",
    "visible_teams",
]

DEFAULT_CAPACITY = 20
MAX_CAPACITY = 10_000
MAX_NAME = 100
MAX_DESCRIPTION = 2000


def _team_state(team: Team) -> dict[str, Any]:
    return {"name": team.name, "description": team.description}


def _clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationFailed.one("name", "Give the team a name.", TeamErrorCode.REQUIRED)
    if len(name) > MAX_NAME:
        raise ValidationFailed.one(
            "name", f"A name has at most {MAX_NAME} characters.", TeamErrorCode.TOO_LONG
        )
    return name


def _clean_description(value: str) -> str:
    description = value.strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed.one(
            "description",
            f"A description has at most {MAX_DESCRIPTION} characters.",
            TeamErrorCode.TOO_LONG,
        )
    return description


async def _ensure_unique(session: AsyncSession, name: str, own_id: uuid.UUID | None) -> None:
    clash = (
        await session.execute(
            select(Team.id).where(func.lower(Team.name) == name.lower(), Team.id != own_id)
            if own_id
            else select(Team.id).where(func.lower(Team.name) == name.lower())
        )
    ).first()
    if clash is not None:
        raise ValidationFailed.one(
            "name", f"A team called {name} already exists.", TeamErrorCode.UNIQUE
        )


async def create_team(tx: MutationTx, name: str, description: str = "") -> Team:
    ctx = tx.ctx
    ctx.require_admin()
    clean_name, clean_description = _clean_name(name), _clean_description(description)
    await _ensure_unique(tx.session, clean_name, None)
    team = Team(id=uuid.uuid4(), name=clean_name, description=clean_description)
    tx.session.add(team)
    await tx.session.flush()
    tx.audit("Team", team.id, diff({}, _team_state(team)))
    record_change(tx, "Team", team.id, ChangeKind.CREATED)
    return team


async def update_team(
    tx: MutationTx, team_id: uuid.UUID, name: str | None, description: str | None
) -> Team:
    ctx = tx.ctx
    ctx.require_admin()
    clean_name = _clean_name(name) if name is not None else None
    clean_description = _clean_description(description) if description is not None else None
    team = await load_team(tx.session, team_id, "id", lock=True)
    before = _team_state(team)
    if clean_name is not None:
        await _ensure_unique(tx.session, clean_name, team.id)
        team.name = clean_name
    if clean_description is not None:
        team.description = clean_description
    tx.audit("Team", team.id, diff(before, _team_state(team)))
    record_change(tx, "Team", team.id, ChangeKind.UPDATED)
    return team


async def delete_team(tx: MutationTx, team_id: uuid.UUID) -> uuid.UUID:
    """Its tickets keep their assignee and lose the team (the foreign key sets NULL)."""
    ctx = tx.ctx
    ctx.require_admin()
    team = await load_team(tx.session, team_id, "id", lock=True)
    tx.audit("Team", team.id, diff(_team_state(team), {}))
    await tx.session.delete(team)
    record_change(tx, "Team", team_id, ChangeKind.DELETED)
    return team_id


async def add_team_member(
    tx: MutationTx, team_id: uuid.UUID, user_id: uuid.UUID, capacity: int | None
) -> Team:
    """Adds an agent or admin, or changes the capacity of an existing member."""
    ctx = tx.ctx
    ctx.require_admin()
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed.one(
            "ticketCapacity",
            f"Capacity is between 0 and {MAX_CAPACITY} open tickets.",
            TeamErrorCode.INVALID,
        )
    session = tx.session
    team = await load_team(session, team_id, "teamId", lock=True)
    await check_assignee(session, user_id, None, "userId")
    existing = await session.get(TeamMember, (team.id, user_id))
    before = {"ticket_capacity": existing.ticket_capacity} if existing else {}
    new_capacity = (
        capacity
        if capacity is not None
        else (existing.ticket_capacity if existing else DEFAULT_CAPACITY)
    )
    await session.execute(
        insert(TeamMember)
        .values(team_id=team.id, user_id=user_id, ticket_capacity=new_capacity)
        .on_conflict_do_update(
            index_elements=[TeamMember.team_id, TeamMember.user_id],
            set_={"ticket_capacity": new_capacity},
        )
    )
    tx.audit(
        "Team",
        team.id,
        {"member": {"before": None, "after": str(user_id)}}
        | diff(before, {"ticket_capacity": new_capacity}),
    )
    record_change(tx, "Team", team.id, ChangeKind.UPDATED)
    return team


async def remove_team_member(tx: MutationTx, team_id: uuid.UUID, user_id: uuid.UUID) -> Team:
    """Their tickets stay assigned to them; round-robin stops picking them."""
    ctx = tx.ctx
    ctx.require_admin()
    session = tx.session
    team = await load_team(session, team_id, "teamId", lock=True)
    member = await session.get(TeamMember, (team.id, user_id))
    if member is None:
        raise NotFound("userId", "member of this team")
    await session.delete(member)
    if team.last_assigned_user_id == user_id:
        team.last_assigned_user_id = None
    tx.audit("Team", team.id, {"member": {"before": str(user_id), "after": None}})
    record_change(tx, "Team", team.id, ChangeKind.UPDATED)
    return team


_BY_NAME = SortKey(func.lower(Team.name), lambda row: row.name.lower())


async def teams_page(ctx: RequestContext, search: str | None, page: PageRequest) -> Page[Team]:
    ctx.require_staff()
    stmt = select(Team)
    search = search_text(search, "search")
    if search:
        pattern = f"%{escape_like(search.lower())}%"
        stmt = stmt.where(func.lower(Team.name).like(pattern, escape="\\"))
    async with ctx.db.sessions() as session:
        result: Page[Team] = await fetch_page(
            session, stmt, _BY_NAME, Team.id, page, max_size=ctx.settings.max_page_size
        )
    for row in result.rows:
        ctx.loaders.team_by_id.prime(row.id, row)
    return result


async def visible_teams(ctx: RequestContext, ids: list[uuid.UUID | None]) -> list[Team | None]:
    """Teams by id for staff; nothing for anyone else (auth.policy.can_see_team)."""
    keys = [key for key in ids if key is not None]
    if not ctx.allows(policy.can_see_team) or not keys:
        return [None] * len(ids)
    rows = await ctx.loaders.team_by_id.load_many(keys)
    by_id = {row.id: row for row in rows if row is not None}
    return [by_id.get(key) if key is not None else None for key in ids]
