"""Turns request credentials (JWT or API key) into a Principal, checking revocation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError

from auth.principal import Principal
from auth.tokens import TokenError, decode_access_token, hash_token
from db.base import utcnow
from db.engine import Database
from db.models.accounts import ApiKey, AuthSession, Role, User

__all__ = ["API_KEY_PREFIX", "authenticate", "credentials_from_header"]

API_KEY_PREFIX = "acrm_"
# last_used_at is informative; writing it on every request would turn reads into writes.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


# Columns, not the User entity: this runs on every request, and the ORM hydration of a
# full user row cost more than the statement. Built once, with the ids bound per request:
# building and cache-keying it anew cost as much again as running it.
_SESSION_CHECK = (
    select(
        User.role,
        User.email,
        User.customer_id,
        User.is_active,
        User.sessions_valid_after,
        AuthSession.revoked_at,
    )
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id", type_=User.id.type),
        AuthSession.id == bindparam("session_id", type_=AuthSession.id.type),
    )
)


def credentials_from_header(authorization: str | None, api_key: str | None = None) -> str | None:
    if api_key:
        return api_key.strip()
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise TokenError("Send credentials as 'Authorization: Bearer <token>'.")
    return value.strip()


async def authenticate(db: Database, secret_key: str, credentials: str) -> Principal:
    """Raises TokenError with a message that says what to do."""
    if credentials.startswith(API_KEY_PREFIX):
        return await _api_key_principal(db, credentials)
    claims = decode_access_token(credentials, key=secret_key)
    params = {"user_id": claims.user_id, "session_id": claims.session_id}
    try:
        async with db.reads() as session:
            row = (await session.execute(_SESSION_CHECK, params)).one_or_none()
    except DBAPIError as exc:
        # Pooled connections are pinged only after sitting idle (db.engine): one the
        # database dropped meanwhile fails here, the first statement of most requests, and
        # invalidates the pool. The read is safe to repeat on a new connection.
        if not exc.connection_invalidated:
            raise
        async with db.reads() as session:
            row = (await session.execute(_SESSION_CHECK, params)).one_or_none()
    if row is None:
        raise TokenError("Access token is invalid: log in again.")
    if row.revoked_at is not None or not row.is_active:
        raise TokenError("This session has ended: log in again.")
    if claims.issued_at < row.sessions_valid_after.replace(microsecond=0):
        raise TokenError("This session has ended: log in again.")
    return Principal(
        role=Role(row.role),
        label=row.email,
        user_id=claims.user_id,
        session_id=claims.session_id,
        customer_id=row.customer_id,
    )


async def _api_key_principal(db: Database, key: str) -> Principal:
    async with db.sessions() as session:
        api_key = (
            await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_token(key)))
        ).scalar_one_or_none()
        if api_key is None or api_key.revoked_at is not None:
            raise TokenError("API key is unknown or revoked: ask an admin for a new one.")
        now = utcnow()
        if api_key.last_used_at is None or now - api_key.last_used_at > _LAST_USED_RESOLUTION:
            await session.execute(
                update(ApiKey).where(ApiKey.id == api_key.id).values(last_used_at=now)
            )
            await session.commit()
    return Principal(
        role=Role(api_key.role), label=f"api-key:{api_key.name}", api_key_id=api_key.id
    )
