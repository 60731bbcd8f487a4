"""Teams of agents: the Team type, the `team` / `teams` queries and the admin mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from db.models import Team as TeamRow
from db.models import TeamMember as TeamMemberRow
from db.pagination import PageRequest
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.teams import (
    add_team_member,
    create_team,
    delete_team,
    remove_team_member,
    teams_page,
    update_team,
    visible_teams,
)
from schema.accounts import User, visible_user
from schema.connections import connection_from_page
from schema.errors import TeamError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin, IsStaff

__all__ = ["Team", "TeamConnection", "TeamsMutation", "TeamsQuery"]


@strawberry.type(description="An agent in a team, with how many open tickets they may hold.")
class TeamMembership:
    ticket_capacity: int = strawberry.field(
        description="Round-robin skips the member once they have this many open tickets."
    )
    joined_at: datetime = strawberry.field(description="When they joined the team.")
    user_row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The agent.")
    async def user(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.user_row_id)

    @classmethod
    def from_row(cls, row: TeamMemberRow) -> TeamMembership:
        return cls(
            ticket_capacity=row.ticket_capacity, joined_at=row.created_at, user_row_id=row.user_id
        )


@strawberry.type(description="A group of agents sharing a ticket queue, e.g. Billing.")
class Team(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="Unique name. Plain text: escape before rendering as HTML."
    )
    description: str = strawberry.field(
        description="What the team handles. Plain text: escape before rendering as HTML."
    )
    created_at: datetime = strawberry.field(description="When the team was created.")
    row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="Members in round-robin order (staff only).", permission_classes=[IsStaff]
    )
    async def members(self, info: strawberry.Info[RequestContext]) -> list[TeamMembership]:
        rows = await info.context.loaders.members_by_team_id.load(self.row_id)
        return [TeamMembership.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: TeamRow) -> Team:
        return cls(
            id=str(row.id),
            name=row.name,
            description=row.description,
            created_at=row.created_at,
            row_id=row.id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_teams(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]


@strawberry.type(description="A page of teams, by name.")
class TeamConnection(relay.Connection[Team]):
    total_count: int = strawberry.field(description="Teams matching the search, all pages.")


@strawberry.type
class TeamsQuery:
    @strawberry.field(
        description="Teams (staff only), sorted by name.", permission_classes=[IsStaff]
    )
    async def teams(
        self,
        info: strawberry.Info[RequestContext],
        search: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "Part of the name, any case, at most 200 characters. "
                    "Blank = no search; no letter or digit = BAD_USER_INPUT."
                )
            ),
        ] = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TeamConnection:
        page = await teams_page(
            info.context, search, PageRequest(first=first, after=after, last=last, before=before)
        )
        return connection_from_page(TeamConnection, page, Team.from_row)


@strawberry.input(description="A new team.")
class CreateTeamInput:
    name: str = strawberry.field(description="Unique name (at most 100 characters).")
    description: str = strawberry.field(default="", description="What the team handles.")


@strawberry.input(description="Changes to a team; only the fields given change.")
class UpdateTeamInput:
    id: strawberry.ID = strawberry.field(description="The team.")
    name: str | None = strawberry.field(default=None, description="New unique name.")
    description: str | None = strawberry.field(default=None, description="New description.")


@strawberry.input(description="The team to delete.")
class DeleteTeamInput:
    id: strawberry.ID = strawberry.field(description="The team.")


@strawberry.input(description="Add an agent to a team, or change their capacity.")
class AddTeamMemberInput:
    team_id: strawberry.ID = strawberry.field(description="The team.")
    user_id: strawberry.ID = strawberry.field(description="An active agent or admin.")
    ticket_capacity: int | None = strawberry.field(
        default=None,
        description="Most open tickets round-robin gives them (default 20, or unchanged).",
    )


@strawberry.input(description="Take an agent out of a team.")
class RemoveTeamMemberInput:
    team_id: strawberry.ID = strawberry.field(description="The team.")
    user_id: strawberry.ID = strawberry.field(description="The member.")


@strawberry.type(description="Result of a team mutation.")
class TeamPayload(MutationPayload[TeamError]):
    team: Team | None = strawberry.field(default=None, description="The team as it is now.")


@strawberry.type(description="Result of deleteTeam.")
class DeleteTeamPayload(MutationPayload[TeamError]):
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global ID of the deleted team."
    )


def _team_id(value: str, field: str) -> uuid.UUID:
    return decode_id(value, "Team", field)


@strawberry.type
class TeamsMutation:
    @mutation(description="Create a team (admins).", permission_classes=[IsAdmin])
    async def create_team(tx: MutationTx, input: CreateTeamInput) -> TeamPayload:
        row = await create_team(tx, input.name, input.description)
        return TeamPayload(team=Team.from_row(row))

    @mutation(description="Rename or describe a team (admins).", permission_classes=[IsAdmin])
    async def update_team(tx: MutationTx, input: UpdateTeamInput) -> TeamPayload:
        row = await update_team(tx, _team_id(input.id, "id"), input.name, input.description)
        return TeamPayload(team=Team.from_row(row))

    @mutation(
        description="Delete a team (admins); its tickets keep their assignee and lose the team.",
        permission_classes=[IsAdmin],
    )
    async def delete_team(tx: MutationTx, input: DeleteTeamInput) -> DeleteTeamPayload:
        await delete_team(tx, _team_id(input.id, "id"))
        return DeleteTeamPayload(deleted_id=strawberry.ID(input.id))

    @mutation(
        description="Add an agent or admin to a team with an open-ticket capacity, or change "
        "an existing member's capacity (admins).",
        permission_classes=[IsAdmin],
    )
    async def add_team_member(tx: MutationTx, input: AddTeamMemberInput) -> TeamPayload:
        row = await add_team_member(
            tx,
            _team_id(input.team_id, "teamId"),
            decode_id(input.user_id, "User", "userId"),
            input.ticket_capacity,
        )
        return TeamPayload(team=Team.from_row(row))

    @mutation(
        description="Remove a member from a team (admins); their tickets stay theirs.",
        permission_classes=[IsAdmin],
    )
    async def remove_team_member(tx: MutationTx, input: RemoveTeamMemberInput) -> TeamPayload:
        row = await remove_team_member(
            tx,
            _team_id(input.team_id, "teamId"),
            decode_id(input.user_id, "User", "userId"),
        )
        return TeamPayload(team=Team.from_row(row))
