"""Changing a password, and resetting a forgotten one by e-mail."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from auth.passwords import hash_password, verify_password
from db.base import utcnow
from db.models import User
from db.models.accounts import TokenPurpose
from resolvers.accounts.mails import password_reset_mail
from resolvers.accounts.records import snapshot
from resolvers.accounts.sessions import check_rate_limit, revoke_sessions, signed_in_user_id
from resolvers.accounts.tokens import issue_user_token, use_user_token
from resolvers.accounts.validation import InputCheck
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import AccountErrorCode
from resolvers.mail import queue_mail, schedule_delivery

__all__ = ["change_password", "request_password_reset", "reset_password"]


async def change_password(tx: MutationTx, *, current_password: str, new_password: str) -> User:
    """Other sessions end (a thief's copy among them); the session making the change stays."""
    ctx = tx.ctx
    principal = ctx.require_principal()
    user_id = signed_in_user_id(principal)
    await check_rate_limit(ctx, "change_password", str(user_id))
    check = InputCheck()
    check.new_password(new_password, "newPassword")
    if new_password == current_password:
        check.fail(
            "newPassword",
            "Choose a password different from the current one.",
            AccountErrorCode.WEAK_PASSWORD,
        )
    async with ctx.db.sessions() as session:
        stored = await session.scalar(select(User.password_hash).where(User.id == user_id))
    if not await asyncio.to_thread(verify_password, current_password, stored):
        check.fail(
            "currentPassword",
            "The current password is wrong.",
            AccountErrorCode.INVALID_CREDENTIALS,
        )
    check.done()
    new_hash = await asyncio.to_thread(hash_password, new_password)
    user = await tx.session.get(User, user_id, with_for_update=True)
    assert user is not None  # authenticate() found it moments ago; deletes cascade
    old_hash = user.password_hash
    user.password_hash = new_hash
    ended = await revoke_sessions(
        tx.session, user_id, "password_changed", keep=principal.session_id
    )
    tx.audit(
        "User",
        user_id,
        diff(
            {"password_hash": old_hash, "other_sessions": ended},
            {"password_hash": new_hash, "other_sessions": 0},
        ),
    )
    return user


async def request_password_reset(tx: MutationTx, *, email: str) -> None:
    """The same answer for every well-formed address: nobody learns who has an account."""
    ctx = tx.ctx
    check = InputCheck()
    email = check.email(email)
    check.done()
    await check_rate_limit(ctx, "password_reset", email)
    user = await tx.session.scalar(select(User).where(User.email == email, User.is_active))
    if user is not None:
        token = await issue_user_token(
            tx.session,
            user.id,
            TokenPurpose.PASSWORD_RESET,
            timedelta(minutes=ctx.settings.reset_token_minutes),
        )
        name = user.name if user.email_verified_at is not None else None
        subject, body = password_reset_mail(ctx.settings, name, token)
        queue_mail(
            tx.session,
            to=user.email,
            subject=subject,
            body=body,
            kind=TokenPurpose.PASSWORD_RESET.value,
            user_id=user.id,
        )
        tx.audit("User", user.id, {})
        await schedule_delivery(tx)


async def reset_password(tx: MutationTx, *, token: str, new_password: str) -> User:
    """Every session ends and access tokens issued before now stop working."""
    check = InputCheck()
    check.new_password(new_password, "newPassword")
    new_hash = await asyncio.to_thread(hash_password, new_password)
    user = await use_user_token(tx.session, token, TokenPurpose.PASSWORD_RESET)
    check.done()  # a weak password rolls back: the link stays usable
    now = utcnow()
    before = {
        **snapshot(user),
        "password_hash": user.password_hash,
        "sessions_valid_after": user.sessions_valid_after,
    }
    user.password_hash = new_hash
    user.sessions_valid_after = now
    # Following the link proved the address is theirs.
    user.email_verified_at = user.email_verified_at or now
    ended = await revoke_sessions(tx.session, user.id, "password_reset")
    tx.audit(
        "User",
        user.id,
        diff(
            {**before, "active_sessions": ended},
            {
                **snapshot(user),
                "password_hash": new_hash,
                "sessions_valid_after": now,
                "active_sessions": 0,
            },
        ),
        actor_user_id=user.id,
        actor_label=user.email,
    )
    return user
