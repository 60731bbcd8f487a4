"""Users: the signed-in viewer, the user directory, and user administration mutations.

Sign-up, login and password mutations live in schema/sessions.py.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from auth import policy
from db.models import User as UserRow
from db.models.accounts import Role as RoleValue
from db.pagination import PageRequest
from resolvers.accounts import invitations, users
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from schema.connections import connection_from_page
from schema.errors import AccountError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.notifications import NOTIFICATION_PREFERENCES_FIELD
from schema.ordering import OrderDirection
from schema.permissions import IsAdmin, IsAuthenticated, IsStaff
from schema.plain_fields import WithContext

__all__ = ["AccountsMutation", "AccountsQuery", "Role", "User", "user_from_row", "visible_user"]


@strawberry.enum(description="What a user may do.")
class Role(enum.Enum):
    ADMIN = "admin"
    AGENT = "agent"
    REVIEWER = "reviewer"
    CUSTOMER = "customer"

    def value_of(self) -> RoleValue:
        return RoleValue(self.value)


@strawberry.type(
    description=(
        "A person who signs in: staff or a customer. Staff and the account holder read every "
        "field. A customer reads other people (the staff on their tickets, the other users "
        "of their organisation) as a public profile: `id` and `name` only, every other field "
        "null."
    )
)
class User(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="Display name (part of the public profile). Plain text: escape before "
        "rendering as HTML."
    )
    row: strawberry.Private[UserRow]
    # How much of the account the caller may read, decided by the policy's read rule
    # where a user is reached from another object (see visible_user); FULL where the
    # caller is the account holder or staff (viewer, own-account and admin mutations).
    view: strawberry.Private[policy.UserView]
    notification_preferences = NOTIFICATION_PREFERENCES_FIELD

    @property
    def _full(self) -> bool:
        return self.view is policy.UserView.FULL

    @strawberry.field(
        description="Sign-in address, lower-cased (null in a public profile). Plain text: escape "
        "before rendering as HTML."
    )
    def email(self) -> str | None:
        return self.row.email if self._full else None

    @strawberry.field(description="What this user may do (null in a public profile).")
    def role(self) -> Role | None:
        return Role(self.row.role) if self._full else None

    @strawberry.field(description="False once deactivated by an admin (null in a public profile).")
    def is_active(self) -> bool | None:
        return self.row.is_active if self._full else None

    @strawberry.field(
        description="True once the address is confirmed (needed to log in); null in a "
        "public profile."
    )
    def email_verified(self) -> bool | None:
        return self.row.email_verified_at is not None if self._full else None

    @strawberry.field(description="When the account was created (null in a public profile).")
    def created_at(self) -> datetime | None:
        return self.row.created_at if self._full else None

    @strawberry.field(description="Last successful login (null in a public profile).")
    def last_login_at(self) -> datetime | None:
        return self.row.last_login_at if self._full else None

    @classmethod
    def from_row(cls, row: UserRow, view: policy.UserView = policy.UserView.FULL) -> User:
        return cls(id=str(row.id), name=row.name, row=row, view=view)

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        """Whoever may see a user at all (auth.policy.can_see_user): the same rule as the
        fields that lead to users (assignee, author …)."""
        ctx = info.context
        principal = ctx.principal
        ids = [uuid_or_none(node_id) for node_id in node_ids]
        rows = await ctx.loaders.user_by_id.load_many([i for i in ids if i is not None])
        found = iter(rows)
        result: list[User | None] = []
        for key in ids:
            row = next(found) if key is not None else None
            view = policy.user_view(principal, row) if row is not None else policy.UserView.NONE
            visible = row is not None and view is not policy.UserView.NONE
            result.append(cls.from_row(row, view) if visible and row is not None else None)
        return result


async def visible_user(info: WithContext, user_id: uuid.UUID | None) -> User | None:
    """A related user (assignee, author, uploader …) as the policy lets the caller see it:
    in full, as a public profile, or null."""
    if user_id is None or info.context.principal is None:
        return None
    row = await info.context.loaders.user_by_id.load(user_id)
    return user_from_row(info, row)


def user_from_row(info: WithContext, row: UserRow | None) -> User | None:
    """An already loaded related user, or null when the caller may not see it."""
    if row is None:
        return None
    view = policy.user_view(info.context.principal, row)
    return None if view is policy.UserView.NONE else User.from_row(row, view)


@strawberry.type(description="A page of users.")
class UserConnection(relay.Connection[User]):
    total_count: int = strawberry.field(description="Users matching the filter, all pages.")


@strawberry.enum(description="What a user list can be sorted by.")
class UserOrderField(enum.Enum):
    NAME = "name"
    EMAIL = "email"
    CREATED_AT = "created_at"


@strawberry.input(description="Sort order of a user list; ties are broken by ID.")
class UserOrder:
    field: UserOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending or descending."
    )


@strawberry.input(description="Narrow a user list; all given conditions must hold.")
class UserFilter:
    role: Role | None = strawberry.field(default=None, description="Only this role.")
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Part of the name or e-mail, case-insensitive, at most 200 characters. "
            "Blank = no search; no letter or digit = BAD_USER_INPUT."
        ),
    )
    is_active: bool | None = strawberry.field(
        default=None, description="Only active (true) or only deactivated (false) users."
    )


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The signed-in user, or null when not signed in (or an API key).")
    async def viewer(self, info: strawberry.Info[RequestContext]) -> User | None:
        principal = info.context.principal
        if principal is None or principal.user_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(principal.user_id)
        return User.from_row(row) if row is not None else None

    @strawberry.field(
        description=(
            "Users by name unless ordered otherwise. Admins see every account; agents and "
            "reviewers see staff only (for assignment); customers may not list users."
        ),
        permission_classes=[IsStaff],
    )
    async def users(
        self,
        info: strawberry.Info[RequestContext],
        filter: UserFilter | None = None,
        order_by: UserOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> UserConnection:
        f = filter or UserFilter()
        order = order_by or UserOrder(field=UserOrderField.NAME)
        page = await users.users_page(
            info.context,
            users.UserFilter(
                role=f.role.value_of() if f.role else None,
                search=f.search,
                is_active=f.is_active,
            ),
            PageRequest(first=first, after=after, last=last, before=before),
            order_by=order.field.value,
            descending=order.direction is OrderDirection.DESC,
        )
        return connection_from_page(UserConnection, page, User.from_row)


# --- mutations ---------------------------------------------------------------------------


@strawberry.input(description="Someone to invite to the support team.")
class InviteUserInput:
    email: str = strawberry.field(description="Where the invitation goes; the sign-in address.")
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    role: Role = strawberry.field(description="ADMIN, AGENT or REVIEWER.")


@strawberry.type(description="The result of inviteUser.")
class InviteUserPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(
        default=None, description="The invited user (no password until they accept)."
    )


@strawberry.input(description="The invitation link's token and the password to set.")
class AcceptInvitationInput:
    token: str = strawberry.field(description="The `token` parameter of the invitation link.")
    password: str = strawberry.field(description="At least 10 characters.")
    name: str | None = strawberry.field(
        default=None, description="Change the display name the admin chose."
    )


@strawberry.type(description="The result of acceptInvitation.")
class AcceptInvitationPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(default=None, description="The account, ready to log in.")


@strawberry.input(description="A ready-to-use account (verified, with a password).")
class CreateUserInput:
    email: str = strawberry.field(description="Sign-in address.")
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    role: Role = strawberry.field(description="What the user may do.")
    password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of createUser.")
class CreateUserPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(default=None, description="The new user.")


@strawberry.input(description="Changes to a user; fields left out stay as they are.")
class UpdateUserInput:
    id: strawberry.ID = strawberry.field(description="The user to change.")
    name: str | None = strawberry.field(default=None, description="New display name.")
    role: Role | None = strawberry.field(
        default=None, description="New role (staff stay staff, customers stay customers)."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="False deactivates the user and ends all their sessions."
    )


@strawberry.type(description="The result of updateUser.")
class UpdateUserPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(default=None, description="The user as changed.")


@strawberry.input(description="Changes to one's own profile.")
class UpdateProfileInput:
    name: str = strawberry.field(description="New display name, 1 to 200 characters.")


@strawberry.type(description="The result of updateProfile.")
class UpdateProfilePayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(default=None, description="The viewer as changed.")


@strawberry.type
class AccountsMutation:
    @mutation(
        description=(
            "Invite a staff member by e-mail (admins only). Inviting someone who has not "
            "accepted yet sends a fresh link."
        ),
        permission_classes=[IsAdmin],
    )
    async def invite_user(tx: MutationTx, input: InviteUserInput) -> InviteUserPayload:
        row = await invitations.invite_user(
            tx, email=input.email, name=input.name, role=input.role.value_of()
        )
        return InviteUserPayload(user=User.from_row(row))

    @mutation(description="Accept an invitation: set a password; the e-mail counts as verified.")
    async def accept_invitation(
        tx: MutationTx, input: AcceptInvitationInput
    ) -> AcceptInvitationPayload:
        row = await invitations.accept_invitation(
            tx, token=input.token, password=input.password, name=input.name
        )
        return AcceptInvitationPayload(user=User.from_row(row))

    @mutation(
        description="Create a verified account with a password (admins only; for scripts).",
        permission_classes=[IsAdmin],
    )
    async def create_user(tx: MutationTx, input: CreateUserInput) -> CreateUserPayload:
        row = await users.create_user(
            tx,
            email=input.email,
            name=input.name,
            role=input.role.value_of(),
            password=input.password,
        )
        return CreateUserPayload(user=User.from_row(row))

    @mutation(
        description=(
            "Change a user's name, role or active flag (admins only). Admins cannot demote "
            "or deactivate themselves."
        ),
        permission_classes=[IsAdmin],
    )
    async def update_user(tx: MutationTx, input: UpdateUserInput) -> UpdateUserPayload:
        row = await users.update_user(
            tx,
            decode_id(input.id, "User", "id"),
            name=input.name,
            role=input.role.value_of() if input.role else None,
            is_active=input.is_active,
        )
        return UpdateUserPayload(user=User.from_row(row))

    @mutation(description="Change your own display name.", permission_classes=[IsAuthenticated])
    async def update_profile(tx: MutationTx, input: UpdateProfileInput) -> UpdateProfilePayload:
        row = await users.update_profile(tx, name=input.name)
        return UpdateProfilePayload(user=User.from_row(row))
