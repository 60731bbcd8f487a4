"""User administration (admins), one's own profile, and the user directory."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from auth import policy
from auth.passwords import hash_password
from db.base import utcnow
from db.models import User
from db.models.accounts import Role
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.accounts.records import (
    customer_for_email,
    email_taken,
    is_unique_email_violation,
    snapshot,
    unique_email,
)
from resolvers.accounts.sessions import revoke_sessions, signed_in_user_id
from resolvers.accounts.validation import InputCheck
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.context import RequestContext
from resolvers.error_codes import AccountErrorCode
from resolvers.errors import NotFound
from resolvers.search import search_text

__all__ = ["UserFilter", "create_user", "update_profile", "update_user", "users_page"]


async def create_user(tx: MutationTx, *, email: str, name: str, role: Role, password: str) -> User:
    """A ready-to-use account (verified, with a password): for scripts and bootstrapping."""
    ctx = tx.ctx
    ctx.require_admin()
    check = InputCheck()
    email = check.email(email)
    name = check.name(name)
    check.new_password(password)
    check.done()
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        await unique_email(tx.session, email)
        user = User(
            email=email,
            name=name,
            role=role.value,
            password_hash=password_hash,
            email_verified_at=utcnow(),
            customer_id=(
                await customer_for_email(tx.session, email, name) if role is Role.CUSTOMER else None
            ),
        )
        tx.session.add(user)
        await tx.session.flush()
        tx.audit("User", user.id, diff({}, {**snapshot(user), "password_hash": password_hash}))
        record_change(tx, "User", user.id, ChangeKind.CREATED, customer_id=user.customer_id)
    except IntegrityError as exc:
        if is_unique_email_violation(exc):
            raise email_taken() from exc
        raise
    return user


async def update_user(
    tx: MutationTx,
    user_id: uuid.UUID,
    *,
    name: str | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> User:
    """Deactivating ends every session at once. Admins cannot demote or deactivate
    themselves, so there is always an admin left to undo a mistake."""
    ctx = tx.ctx
    principal = ctx.require_admin()
    check = InputCheck()
    if name is not None:
        name = check.name(name)
    user = await tx.session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("id", "user")
    current = Role(user.role)
    if principal.user_id == user.id:
        if role is not None and role is not Role.ADMIN:
            check.fail(
                "role",
                "You cannot change your own role: ask another admin.",
                AccountErrorCode.FORBIDDEN,
            )
        if is_active is False:
            check.fail(
                "isActive",
                "You cannot deactivate yourself: ask another admin.",
                AccountErrorCode.FORBIDDEN,
            )
    if role is not None and (role is Role.CUSTOMER) != (current is Role.CUSTOMER):
        check.fail(
            "role",
            "Staff and customer accounts cannot switch to the other kind.",
            AccountErrorCode.INVALID,
        )
    check.done()
    before = snapshot(user)
    if name is not None:
        user.name = name
    if role is not None:
        user.role = role.value
    ended = 0
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        if not is_active:
            user.sessions_valid_after = utcnow()
            ended = await revoke_sessions(tx.session, user.id, "deactivated")
    tx.audit(
        "User",
        user.id,
        diff({**before, "active_sessions": ended}, {**snapshot(user), "active_sessions": 0}),
    )
    record_change(tx, "User", user.id, ChangeKind.UPDATED, customer_id=user.customer_id)
    tx.after_commit(ctx.loaders.user_by_id.prime, user.id, user, force=True)
    return user


async def update_profile(tx: MutationTx, *, name: str) -> User:
    ctx = tx.ctx
    user_id = signed_in_user_id(ctx.require_principal())
    check = InputCheck()
    name = check.name(name)
    check.done()
    user = await tx.session.get(User, user_id, with_for_update=True)
    assert user is not None  # authenticate() found it; deletes cascade to sessions
    before = snapshot(user)
    user.name = name
    tx.audit("User", user.id, diff(before, snapshot(user)))
    record_change(tx, "User", user.id, ChangeKind.UPDATED, customer_id=user.customer_id)
    tx.after_commit(ctx.loaders.user_by_id.prime, user.id, user, force=True)
    return user


@dataclass(frozen=True, slots=True)
class UserFilter:
    role: Role | None = None
    search: str | None = None
    is_active: bool | None = None


_SORT_KEYS = {
    "name": (User.name_key, lambda row: row.name_key),
    "email": (User.email, lambda row: row.email),
    "created_at": (User.created_at, lambda row: row.created_at),
}


async def users_page(
    ctx: RequestContext,
    filter: UserFilter,
    request: PageRequest,
    *,
    order_by: str = "name",
    descending: bool = False,
) -> Page[User]:
    """Admins see every account; agents and reviewers see the staff directory (whom to
    assign or mention), not customer accounts: those are reached through customers."""
    principal = ctx.require_staff()
    stmt: Select[tuple[User]] = select(User)
    stmt = stmt.where(policy.user_scope(principal))
    if filter.role is not None:
        stmt = stmt.where(User.role == filter.role.value)
    if filter.is_active is not None:
        stmt = stmt.where(User.is_active.is_(filter.is_active))
    search = search_text(filter.search, "filter.search")
    if search:
        pattern = "%" + _escape_like(search.lower()) + "%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    expression, value = _SORT_KEYS[order_by]
    async with ctx.db.sessions() as session:
        page = await fetch_page(
            session,
            stmt,
            SortKey(expression, value, descending),
            User.id,
            request,
            max_size=ctx.settings.max_page_size,
        )
    for row in page.rows:
        ctx.loaders.user_by_id.prime(row.id, row)
    return page


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
