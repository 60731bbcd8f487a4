"""Customer self sign-up and e-mail verification."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import hash_password
from db.base import utcnow
from db.models import User
from db.models.accounts import Role, TokenPurpose
from resolvers.accounts.mails import verification_mail
from resolvers.accounts.records import (
    customer_for_email,
    email_taken,
    is_unique_email_violation,
    snapshot,
    unique_email,
)
from resolvers.accounts.sessions import check_rate_limit
from resolvers.accounts.tokens import issue_user_token, use_user_token
from resolvers.accounts.validation import InputCheck
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.mail import kick_mail, queue_mail

__all__ = ["resend_email_verification", "sign_up", "verify_email"]


async def sign_up(tx: MutationTx, *, email: str, name: str, password: str) -> User:
    ctx = tx.ctx
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
            role=Role.CUSTOMER.value,
            password_hash=password_hash,
            customer_id=await customer_for_email(tx.session, email, name),
            email_verified_at=None,
        )
        tx.session.add(user)
        await tx.session.flush()
        await _queue_verification(ctx, tx.session, user)
        tx.audit(
            "User",
            user.id,
            diff({}, snapshot(user)),
            actor_user_id=user.id,
            actor_label=user.email,
        )
    except IntegrityError as exc:  # a concurrent sign-up with the same address won
        if is_unique_email_violation(exc):
            raise email_taken() from exc
        raise
    tx.after_commit(kick_mail, ctx)
    return user


async def verify_email(tx: MutationTx, *, token: str) -> User:
    user = await use_user_token(tx.session, token, TokenPurpose.EMAIL_VERIFICATION)
    before = snapshot(user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    tx.audit(
        "User",
        user.id,
        diff(before, snapshot(user)),
        actor_user_id=user.id,
        actor_label=user.email,
    )
    return user


async def resend_email_verification(tx: MutationTx, *, email: str) -> None:
    """Same answer whether or not the address has an unverified account (no enumeration)."""
    ctx = tx.ctx
    check = InputCheck()
    email = check.email(email)
    check.done()
    await check_rate_limit(ctx, "resend_verification", email)
    user = await tx.session.scalar(
        select(User).where(User.email == email, User.is_active, User.email_verified_at.is_(None))
    )
    if user is not None and user.password_hash is not None:
        await _queue_verification(ctx, tx.session, user)
        tx.audit("User", user.id, {})
        tx.after_commit(kick_mail, ctx)


async def _queue_verification(ctx: RequestContext, session: AsyncSession, user: User) -> None:
    token = await issue_user_token(
        session,
        user.id,
        TokenPurpose.EMAIL_VERIFICATION,
        timedelta(hours=ctx.settings.verify_token_hours),
    )
    subject, body = verification_mail(ctx.settings, user.name, token)
    queue_mail(
        session,
        to=user.email,
        subject=subject,
        body=body,
        kind=TokenPurpose.EMAIL_VERIFICATION.value,
        user_id=user.id,
    )
