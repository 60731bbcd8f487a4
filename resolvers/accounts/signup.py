"""Customer self sign-up and e-mail verification.

Sign-up answers the same whether or not the address already has an account (as login and
password reset do): a taken address gets a notice mailed to its owner instead of a new
account, and the caller sees the same payload. Mails to an address nobody has verified yet
carry no text the caller chose (the name), so sign-up cannot send anyone a phishing text.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.passwords import hash_password
from db.base import utcnow
from db.models import User
from db.models.accounts import Role, TokenPurpose
from resolvers.accounts.mails import sign_up_attempt_mail, verification_mail
from resolvers.accounts.records import customer_for_email, is_unique_email_violation, snapshot
from resolvers.accounts.sessions import check_rate_limit
from resolvers.accounts.tokens import issue_user_token, use_user_token
from resolvers.accounts.validation import InputCheck
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.context import RequestContext
from resolvers.mail import queue_mail, schedule_delivery

__all__ = ["resend_email_verification", "sign_up", "verify_email"]


async def sign_up(tx: MutationTx, *, email: str, name: str, password: str) -> User:
    """The new account, or — when the address is taken — an unsaved look-alike of one, so
    the answer does not tell whether the address has an account."""
    ctx = tx.ctx
    check = InputCheck()
    email = check.email(email)
    name = check.name(name)
    check.new_password(password)
    check.done()
    await check_rate_limit(ctx, "sign_up", email)
    # Hashed either way, so a taken address answers as slowly as a free one.
    password_hash = await asyncio.to_thread(hash_password, password)
    owner = await tx.session.scalar(select(User).where(User.email == email))
    if owner is not None:
        subject, body = sign_up_attempt_mail(ctx.settings)
        queue_mail(tx.session, to=owner.email, subject=subject, body=body, kind="sign_up_attempt")
        tx.audit("User", owner.id, {})
        await schedule_delivery(tx)
        return _look_alike(email, name)
    user = User(
        email=email,
        name=name,
        role=Role.CUSTOMER.value,
        password_hash=password_hash,
        customer_id=await customer_for_email(tx.session, email, name),
        email_verified_at=None,
    )
    try:
        async with tx.session.begin_nested():
            tx.session.add(user)
            await tx.session.flush()
    except IntegrityError as exc:
        if is_unique_email_violation(exc):  # a concurrent sign-up with the address won
            return _look_alike(email, name)
        raise
    await _queue_verification(ctx, tx.session, user)
    tx.audit(
        "User",
        user.id,
        diff({}, snapshot(user)),
        actor_user_id=user.id,
        actor_label=user.email,
    )
    await schedule_delivery(tx)
    record_change(tx, "User", user.id, ChangeKind.CREATED, customer_id=user.customer_id)
    return user


def _look_alike(email: str, name: str) -> User:
    """What a fresh sign-up returns, never stored (nobody can look it up by its ID)."""
    return User(
        id=uuid.uuid4(),
        email=email,
        name=name,
        role=Role.CUSTOMER.value,
        is_active=True,
        created_at=utcnow(),
        email_verified_at=None,
    )


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
    record_change(tx, "User", user.id, ChangeKind.UPDATED, customer_id=user.customer_id)
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
        await schedule_delivery(tx)


async def _queue_verification(ctx: RequestContext, session: AsyncSession, user: User) -> None:
    token = await issue_user_token(
        session,
        user.id,
        TokenPurpose.EMAIL_VERIFICATION,
        timedelta(hours=ctx.settings.verify_token_hours),
    )
    subject, body = verification_mail(ctx.settings, token)
    queue_mail(
        session,
        to=user.email,
        subject=subject,
        body=body,
        kind=TokenPurpose.EMAIL_VERIFICATION.value,
        user_id=user.id,
    )
