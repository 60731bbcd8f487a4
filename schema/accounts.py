"""Users, the signed-in viewer, and the account mutations."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from db.models import User as UserRow
from resolvers.context import RequestContext

__all__ = ["AccountsQuery", "Role", "User"]


@strawberry.enum(description="What a user may do.")
class Role(enum.Enum):
    ADMIN = "admin"
    AGENT = "agent"
    REVIEWER = "reviewer"
    CUSTOMER = "customer"


@strawberry.type(description="A person who signs in: staff or a customer.")
class User(relay.Node):
    id: relay.NodeID[str]
    email: str = strawberry.field(description="Sign-in address, lower-cased.")
    name: str = strawberry.field(description="Display name.")
    role: Role = strawberry.field(description="What this user may do.")
    is_active: bool = strawberry.field(description="False once deactivated by an admin.")
    created_at: datetime = strawberry.field(description="When the account was created.")
    last_login_at: datetime | None = strawberry.field(description="Last successful login.")
    customer_row_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(
            id=str(row.id),
            email=row.email,
            name=row.name,
            role=Role(row.role),
            is_active=row.is_active,
            created_at=row.created_at,
            last_login_at=row.last_login_at,
            customer_row_id=row.customer_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        ctx = info.context
        principal = ctx.principal
        ids = [_uuid_or_none(node_id) for node_id in node_ids]
        rows = await ctx.loaders.user_by_id.load_many([i for i in ids if i is not None])
        found = iter(rows)
        users: list[User | None] = []
        for key in ids:
            row = next(found) if key is not None else None
            visible = row is not None and principal is not None and (
                principal.is_staff or row.id == principal.user_id
            )
            users.append(cls.from_row(row) if visible and row is not None else None)
        return users


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The signed-in user, or null when not signed in.")
    async def viewer(self, info: strawberry.Info[RequestContext]) -> User | None:
        principal = info.context.principal
        if principal is None or principal.user_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(principal.user_id)
        return User.from_row(row) if row is not None else None
