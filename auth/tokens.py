"""Signed access tokens (JWT) and opaque random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

__all__ = [
    "AccessClaims",
    "TokenError",
    "decode_access_token",
    "hash_token",
    "issue_access_token",
    "new_opaque_token",
]

_ALGORITHM = "HS256"
_AUDIENCE = "autocrm"


class TokenError(Exception):
    """The token is missing, malformed, expired or revoked; the message says which."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    role: str
    issued_at: datetime


def issue_access_token(
    *, user_id: uuid.UUID, session_id: uuid.UUID, role: str, key: str, minutes: int
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + timedelta(minutes=minutes)
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "role": role,
        "iat": int(now.timestamp()),
        "exp": expires,
        "aud": _AUDIENCE,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=_ALGORITHM), expires


# Tokens already verified (signature, audience, claims): a client sends the same token
# with every request until it expires, and verifying it again was a tenth of a page's
# authentication. Keyed by key and token; each hit re-checks the expiry.
_VERIFIED: OrderedDict[tuple[str, str], tuple[AccessClaims, float]] = OrderedDict()
_VERIFIED_MAX = 4096


def decode_access_token(token: str, *, key: str) -> AccessClaims:
    found = _VERIFIED.get((key, token))
    if found is not None:
        claims, expires = found
        if time.time() < expires:
            _VERIFIED.move_to_end((key, token))
            return claims
        del _VERIFIED[(key, token)]
    claims, expires = _verify(token, key)
    _VERIFIED[(key, token)] = (claims, expires)
    if len(_VERIFIED) > _VERIFIED_MAX:
        _VERIFIED.popitem(last=False)
    return claims


def _verify(token: str, key: str) -> tuple[AccessClaims, float]:
    """The claims and the expiry (epoch seconds) of a token PyJWT verifies."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["sub", "sid", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("Access token expired: call refreshSession for a new one.") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("Access token is invalid: log in again.") from exc
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            role=str(claims.get("role", "")),
            issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
        ), float(claims["exp"])
    except (ValueError, TypeError) as exc:
        raise TokenError("Access token is invalid: log in again.") from exc


def new_opaque_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 is enough here: these tokens carry 256 random bits, unlike passwords."""
    return hashlib.sha256(token.encode()).hexdigest()
