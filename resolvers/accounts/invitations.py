"""Staff invitations: an admin invites by e-mail, the invitee chooses a password."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth import policy
from auth.passwords import hash_password
from db.base import utcnow
from db.models import User
from db.models.accounts import Role, TokenPurpose
from resolvers.accounts.mails import invitation_mail
from resolvers.accounts.records import email_taken, is_unique_email_violation, snapshot
from resolvers.accounts.tokens import issue_user_token, use_user_token
from resolvers.accounts.validation import InputCheck
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.error_codes import AccountErrorCode
from resolvers.mail import queue_mail, schedule_delivery

__all__ = ["STAFF_ROLES", "accept_invitation", "invite_user"]

STAFF_ROLES = policy.STAFF_ROLES


async def invite_user(tx: MutationTx, *, email: str, name: str, role: Role) -> User:
    """Invite a new staff member; inviting someone who has not accepted yet sends a fresh
    link (the old one stops working) with the new name and role."""
    ctx = tx.ctx
    principal = ctx.require_admin()
    check = InputCheck()
    email = check.email(email)
    name = check.name(name)
    if role not in STAFF_ROLES:
        check.fail(
            "role",
            "Invite staff only (admin, agent or reviewer): customers sign up.",
            AccountErrorCode.INVALID,
        )
    check.done()
    inviter = principal.label
    if principal.user_id is not None:
        inviter_row = await ctx.loaders.user_by_id.load(principal.user_id)
        inviter = inviter_row.name if inviter_row is not None else inviter
    try:
        user = await tx.session.scalar(select(User).where(User.email == email).with_for_update())
        if user is None:
            before: dict[str, object] = {}
            user = User(email=email, name=name, role=role.value, password_hash=None)
            tx.session.add(user)
            await tx.session.flush()
        elif _pending_invitee(user):
            before = snapshot(user)
            user.name, user.role = name, role.value
        else:
            raise email_taken()
        token = await issue_user_token(
            tx.session,
            user.id,
            TokenPurpose.INVITATION,
            timedelta(days=ctx.settings.invite_token_days),
        )
        subject, body = invitation_mail(ctx.settings, name, inviter, role.value, token)
        queue_mail(
            tx.session,
            to=email,
            subject=subject,
            body=body,
            kind=TokenPurpose.INVITATION.value,
            user_id=user.id,
        )
        tx.audit("User", user.id, diff(before, snapshot(user)))
        kind = ChangeKind.UPDATED if before else ChangeKind.CREATED
        record_change(tx, "User", user.id, kind)
    except IntegrityError as exc:
        if is_unique_email_violation(exc):
            raise email_taken() from exc
        raise
    tx.after_commit(ctx.loaders.user_by_id.prime, user.id, user, force=True)
    await schedule_delivery(tx)
    return user


def _pending_invitee(user: User) -> bool:
    return (
        user.role != Role.CUSTOMER.value
        and user.password_hash is None
        and user.email_verified_at is None
    )


async def accept_invitation(
    tx: MutationTx, *, token: str, password: str, name: str | None = None
) -> User:
    check = InputCheck()
    check.new_password(password)
    if name is not None:
        name = check.name(name)
    password_hash = await asyncio.to_thread(hash_password, password)
    user = await use_user_token(tx.session, token, TokenPurpose.INVITATION)
    check.done()  # a weak password rolls back: the invitation stays usable
    before = {**snapshot(user), "password_hash": user.password_hash}
    user.password_hash = password_hash
    user.email_verified_at = user.email_verified_at or utcnow()
    if name:
        user.name = name
    tx.audit(
        "User",
        user.id,
        diff(before, {**snapshot(user), "password_hash": password_hash}),
        actor_user_id=user.id,
        actor_label=user.email,
    )
    record_change(tx, "User", user.id, ChangeKind.UPDATED, customer_id=user.customer_id)
    return user
