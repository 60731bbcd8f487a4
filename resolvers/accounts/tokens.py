"""Single-use, expiring tokens sent by e-mail (verification, reset, invitation).

Only a SHA-256 of each token is stored: a database leak does not hand out working links.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.tokens import hash_token, new_opaque_token
from db.base import utcnow
from db.models import User, UserToken
from db.models.accounts import TokenPurpose
from resolvers.error_codes import AccountErrorCode
from resolvers.errors import ValidationFailed

__all__ = ["issue_user_token", "use_user_token"]


async def issue_user_token(
    session: AsyncSession, user_id: object, purpose: TokenPurpose, lifetime: timedelta
) -> str:
    """A new token for `purpose`; earlier unused ones for the same purpose stop working."""
    await session.execute(
        delete(UserToken).where(
            UserToken.user_id == user_id,
            UserToken.purpose == purpose.value,
            UserToken.used_at.is_(None),
        )
    )
    raw = new_opaque_token()
    session.add(
        UserToken(
            user_id=user_id,
            purpose=purpose.value,
            token_hash=hash_token(raw),
            expires_at=utcnow() + lifetime,
        )
    )
    return raw


async def use_user_token(
    session: AsyncSession, raw: str, purpose: TokenPurpose, field: str = "token"
) -> User:
    """Mark the token used and return its (active) user, or refuse with `invalid_token`.

    The row lock makes two concurrent uses of one token succeed at most once.
    """
    row = (
        await session.execute(
            select(UserToken, User)
            .join(User, User.id == UserToken.user_id)
            .where(UserToken.token_hash == hash_token(raw), UserToken.purpose == purpose.value)
            .with_for_update(of=UserToken)
        )
    ).one_or_none()
    now = utcnow()
    usable = (
        row is not None and row[0].used_at is None and row[0].expires_at > now and row[1].is_active
    )
    if not usable or row is None:
        raise ValidationFailed.one(
            field,
            "This link is invalid, used or expired: ask for a new one.",
            AccountErrorCode.INVALID_TOKEN,
        )
    token, user = row
    token.used_at = now
    return user
