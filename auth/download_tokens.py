"""Signed, short-lived download links: a browser can follow `<a href>` without sending an
Authorization header, and the link works only for one attachment, for the user (or API
key) it was made for, and only while that user's sign-in is still valid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select

from auth.principal import Principal
from auth.tokens import TokenError
from db.engine import Database
from db.models.accounts import ApiKey, AuthSession, Role, User

__all__ = [
    "DownloadClaims",
    "decode_download_token",
    "issue_download_token",
    "principal_for_download",
]

_ALGORITHM = "HS256"
# Its own audience: a download link is never accepted as an access token, nor the reverse.
_AUDIENCE = "autocrm:download"


@dataclass(frozen=True, slots=True)
class DownloadClaims:
    attachment_id: uuid.UUID
    user_id: uuid.UUID | None
    session_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    issued_at: datetime


def issue_download_token(
    *,
    attachment_id: uuid.UUID,
    principal: Principal,
    key: str,
    minutes: int,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "att": str(attachment_id),
        "iat": int(issued.timestamp()),
        "exp": issued + timedelta(minutes=minutes),
        "aud": _AUDIENCE,
    }
    if principal.user_id is not None:
        claims["sub"] = str(principal.user_id)
        if principal.session_id is not None:
            claims["sid"] = str(principal.session_id)
    elif principal.api_key_id is not None:
        claims["kid"] = str(principal.api_key_id)
    return jwt.encode(claims, key, algorithm=_ALGORITHM)


def decode_download_token(token: str, *, key: str) -> DownloadClaims:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["att", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError(
            "This download link has expired: fetch the file's downloadUrl again."
        ) from exc
    except jwt.PyJWTError as exc:
        raise TokenError("This download link is not valid.") from exc
    try:
        return DownloadClaims(
            attachment_id=uuid.UUID(claims["att"]),
            user_id=uuid.UUID(claims["sub"]) if "sub" in claims else None,
            session_id=uuid.UUID(claims["sid"]) if "sid" in claims else None,
            api_key_id=uuid.UUID(claims["kid"]) if "kid" in claims else None,
            issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
        )
    except (ValueError, TypeError) as exc:
        raise TokenError("This download link is not valid.") from exc


async def principal_for_download(db: Database, claims: DownloadClaims) -> Principal:
    """Who the link was made for, if they still exist and may still sign in."""
    async with db.sessions() as session:
        if claims.user_id is not None:
            user = await session.get(User, claims.user_id)
            if user is None or not user.is_active:
                raise TokenError("This download link is not valid any more.")
            if claims.issued_at < user.sessions_valid_after.replace(microsecond=0):
                raise TokenError("This download link is not valid any more.")
            if claims.session_id is not None:
                revoked = (
                    await session.execute(
                        select(AuthSession.revoked_at).where(AuthSession.id == claims.session_id)
                    )
                ).one_or_none()
                if revoked is None or revoked[0] is not None:
                    raise TokenError("This download link is not valid any more.")
            return Principal(
                role=Role(user.role),
                label=user.email,
                user_id=user.id,
                session_id=claims.session_id,
                customer_id=user.customer_id,
            )
        if claims.api_key_id is not None:
            api_key = await session.get(ApiKey, claims.api_key_id)
            if api_key is None or api_key.revoked_at is not None:
                raise TokenError("This download link is not valid any more.")
            return Principal(
                role=Role(api_key.role), label=f"api-key:{api_key.name}", api_key_id=api_key.id
            )
    raise TokenError("This download link is not valid.")
