"""Login, refresh-token rotation and logout.

A login is an AuthSession; its refresh tokens rotate on every use. Presenting a token that
was already rotated means it was copied: the whole session is revoked.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import parse
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import verify_password
from auth.principal import Principal
from auth.tokens import hash_token, issue_access_token, new_opaque_token
from db.base import utcnow
from db.models import AuthSession, RefreshToken, User
from resolvers.accounts.validation import normalise_email
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.error_codes import AccountErrorCode
from resolvers.errors import Forbidden, RefusedAfterCommit, ValidationFailed

__all__ = [
    "IssuedSession",
    "active_session_count",
    "check_rate_limit",
    "login",
    "logout",
    "refresh_session",
    "revoke_sessions",
    "signed_in_user_id",
]

_USER_AGENT_MAX = 400


@dataclass(frozen=True, slots=True)
class IssuedSession:
    user: User
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime


def signed_in_user_id(principal: Principal) -> uuid.UUID:
    """The user behind the request; API keys are not users and are refused."""
    if principal.user_id is None:
        raise Forbidden("API keys have no user account: sign in as a user for this.")
    return principal.user_id


async def check_rate_limit(ctx: RequestContext, scope: str, *keys: str) -> None:
    """settings.login_rate_limit per (client address, keys) for credential-guessing targets."""
    if ctx.rate_limiter is None:
        return
    limit = parse(ctx.settings.login_rate_limit)
    if not await ctx.rate_limiter.hit(limit, scope, ctx.meta.ip or "-", *keys):
        raise ValidationFailed.one(
            None,
            f"Too many attempts (limit {ctx.settings.login_rate_limit}): wait a minute and retry.",
            AccountErrorCode.RATE_LIMITED,
        )


async def login(tx: MutationTx, *, email: str, password: str) -> IssuedSession:
    ctx = tx.ctx
    address = normalise_email(email) or email.strip().lower()
    await check_rate_limit(ctx, "login", address)
    async with ctx.db.sessions() as session:
        user = await session.scalar(select(User).where(User.email == address))
    # Always run argon2, so an unknown address takes as long as a wrong password.
    password_ok = await asyncio.to_thread(
        verify_password, password, user.password_hash if user is not None else None
    )
    if user is None or not password_ok or not user.is_active:
        raise ValidationFailed.one(
            None, "Wrong e-mail or password.", AccountErrorCode.INVALID_CREDENTIALS
        )
    if user.email_verified_at is None:
        raise ValidationFailed.one(
            "email",
            "Confirm your e-mail address first: follow the link in the mail we sent.",
            AccountErrorCode.EMAIL_NOT_VERIFIED,
        )
    now = utcnow()
    auth_session = AuthSession(
        user_id=user.id,
        ip=ctx.meta.ip,
        user_agent=(ctx.meta.user_agent or "")[:_USER_AGENT_MAX] or None,
        last_used_at=now,
    )
    tx.session.add(auth_session)
    await tx.session.flush()
    refresh, refresh_expires = _new_refresh_token(ctx, tx.session, auth_session.id)
    await tx.session.execute(update(User).where(User.id == user.id).values(last_login_at=now))
    tx.audit(
        "AuthSession",
        auth_session.id,
        diff({}, {"user_id": user.id, "ip": auth_session.ip}),
        actor_user_id=user.id,
        actor_label=user.email,
    )
    user.last_login_at = now
    access, access_expires = _access_token(ctx, user, auth_session.id)
    return IssuedSession(user, access, access_expires, refresh, refresh_expires)


async def refresh_session(tx: MutationTx, *, refresh_token: str) -> IssuedSession:
    ctx = tx.ctx
    invalid = ValidationFailed.one(
        "refreshToken",
        "This refresh token is not valid any more: log in again.",
        AccountErrorCode.INVALID_TOKEN,
    )
    now = utcnow()
    row = (
        await tx.session.execute(
            select(RefreshToken, AuthSession, User)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .join(User, User.id == AuthSession.user_id)
            .where(RefreshToken.token_hash == hash_token(refresh_token))
            .with_for_update(of=[RefreshToken, AuthSession])
        )
    ).one_or_none()
    if row is None:
        raise invalid
    token, auth_session, user = row
    if auth_session.revoked_at is not None or not user.is_active:
        raise invalid
    if token.used_at is not None:
        # A rotated token came back: someone holds a copy. End the whole family.
        auth_session.revoked_at = now
        auth_session.revoked_reason = "refresh_token_reuse"
        tx.audit(
            "AuthSession",
            auth_session.id,
            diff({"revoked_reason": None}, {"revoked_reason": "refresh_token_reuse"}),
            actor_user_id=user.id,
            actor_label=user.email,
        )
        # Committed, then refused: the revocation must stick.
        raise RefusedAfterCommit(*invalid.problems)
    elif token.expires_at <= now:
        raise invalid
    else:
        token.used_at = now
        auth_session.last_used_at = now
        refresh, refresh_expires = _new_refresh_token(ctx, tx.session, auth_session.id)
        tx.audit(
            "AuthSession",
            auth_session.id,
            diff({"refresh_token": "previous"}, {"refresh_token": "next"}),
            actor_user_id=user.id,
            actor_label=user.email,
        )
    access, access_expires = _access_token(ctx, user, auth_session.id)
    return IssuedSession(user, access, access_expires, refresh, refresh_expires)


async def logout(tx: MutationTx, *, everywhere: bool = False) -> User | None:
    ctx = tx.ctx
    principal = ctx.require_principal()
    user_id = signed_in_user_id(principal)
    if everywhere:
        ended = await revoke_sessions(tx.session, user_id, "logout")
        tx.audit("User", user_id, diff({"active_sessions": ended}, {"active_sessions": 0}))
    else:
        await tx.session.execute(
            update(AuthSession)
            .where(AuthSession.id == principal.session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason="logout")
        )
        tx.audit(
            "AuthSession",
            principal.session_id,
            diff({"revoked_reason": None}, {"revoked_reason": "logout"}),
        )
    return await ctx.loaders.user_by_id.load(user_id)


async def revoke_sessions(
    session: AsyncSession, user_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None
) -> int:
    """End the user's live sessions (but `keep`); returns how many were ended."""
    stmt = (
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .returning(AuthSession.id)
    )
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    return len((await session.execute(stmt)).all())


async def active_session_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    return int((await session.execute(stmt)).scalar_one())


def _new_refresh_token(
    ctx: RequestContext, session: AsyncSession, session_id: uuid.UUID
) -> tuple[str, datetime]:
    raw = new_opaque_token()
    expires = utcnow() + timedelta(days=ctx.settings.refresh_token_days)
    session.add(RefreshToken(session_id=session_id, token_hash=hash_token(raw), expires_at=expires))
    return raw, expires


def _access_token(ctx: RequestContext, user: User, session_id: uuid.UUID) -> tuple[str, datetime]:
    if not ctx.secret_key:
        raise RuntimeError("RequestContext.secret_key is not set: access tokens cannot be signed")
    return issue_access_token(
        user_id=user.id,
        session_id=session_id,
        role=user.role,
        key=ctx.secret_key,
        minutes=ctx.settings.access_token_minutes,
    )
