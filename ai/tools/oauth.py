"""OAuth2 connections for tools, through authlib's httpx client and our egress checks.

Grants: client credentials (a machine account at the team's system) and authorization
code with PKCE (an admin connects the tool once in a browser). Tokens are refreshed
before they expire; a revoked or expired grant becomes one clear error that says to
reconnect the tool. Secrets live only in `OAuthClient` and `TokenSet`, never in the
messages of the errors raised here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError as AuthlibOAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.integrations.httpx_client._compat import httpx2
from authlib.oauth2.rfc6749.errors import OAuth2Error

from ai.tools.egress import EgressPolicy, checked_transport

__all__ = [
    "AuthorizationRequest",
    "OAuthClient",
    "OAuthConnectionError",
    "TokenSet",
    "authorization_request",
    "client_credentials_token",
    "exchange_code",
    "fresh_token",
    "revoke",
]

# Refresh this many seconds before the access token expires.
REFRESH_MARGIN_SECONDS = 60


class OAuthConnectionError(Exception):
    """The tool's OAuth connection does not work; the message says what to do."""


@dataclass(frozen=True, slots=True)
class OAuthClient:
    client_id: str
    client_secret: str = field(repr=False)
    token_url: str
    authorize_url: str | None = None
    revoke_url: str | None = None
    redirect_uri: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str = field(repr=False)
    expires_at: float | None = None
    refresh_token: str | None = field(default=None, repr=False)
    scope: str | None = None

    def expires_soon(self, now: float | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (now or time.time()) >= self.expires_at - REFRESH_MARGIN_SECONDS

    @classmethod
    def from_response(cls, token: dict[str, Any], previous: TokenSet | None = None) -> TokenSet:
        expires_at = token.get("expires_at")
        if expires_at is None and token.get("expires_in") is not None:
            expires_at = time.time() + float(token["expires_in"])
        return cls(
            access_token=str(token["access_token"]),
            expires_at=float(expires_at) if expires_at is not None else None,
            # A refresh answer may omit the refresh token: the old one stays valid.
            refresh_token=token.get("refresh_token")
            or (previous.refresh_token if previous else None),
            scope=token.get("scope"),
        )


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    url: str  # where the admin's browser goes
    state: str  # echoed to the callback; check it
    code_verifier: str = field(repr=False)  # PKCE: keep server-side until the callback


def _session(client: OAuthClient, policy: EgressPolicy, **extra: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=client.client_id,
        client_secret=client.client_secret,
        scope=" ".join(client.scopes) or None,
        redirect_uri=client.redirect_uri,
        code_challenge_method="S256",
        transport=checked_transport(policy, httpx2),
        follow_redirects=False,
        trust_env=False,
        timeout=10.0,
        **extra,
    )


def _explain(exc: Exception, action: str) -> OAuthConnectionError:
    code = getattr(exc, "error", None) or type(exc).__name__
    if code in {"invalid_grant", "invalid_token"}:
        return OAuthConnectionError(
            f"The tool's authorization was revoked or has expired ({code}) while {action}; "
            "an admin must reconnect the tool."
        )
    if code == "invalid_client":
        return OAuthConnectionError(
            f"The authorization server refused the tool's client id or secret while {action}; "
            "check the connection's client credentials."
        )
    return OAuthConnectionError(f"OAuth2 failed while {action}: {code}.")


async def client_credentials_token(client: OAuthClient, policy: EgressPolicy) -> TokenSet:
    async with _session(client, policy) as session:
        try:
            token = await session.fetch_token(client.token_url, grant_type="client_credentials")
        except (OAuth2Error, AuthlibOAuthError) as exc:
            raise _explain(exc, "fetching a token") from exc
    return TokenSet.from_response(dict(token))


def authorization_request(client: OAuthClient, policy: EgressPolicy) -> AuthorizationRequest:
    """The URL to send an admin to (authorization code + PKCE S256), with its state."""
    if not client.authorize_url or not client.redirect_uri:
        raise OAuthConnectionError("The tool has no authorize URL or callback configured.")
    verifier = generate_token(64)
    session = _session(client, policy)
    url, state = session.create_authorization_url(client.authorize_url, code_verifier=verifier)
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier)


async def exchange_code(
    client: OAuthClient, policy: EgressPolicy, code: str, code_verifier: str
) -> TokenSet:
    async with _session(client, policy) as session:
        try:
            token = await session.fetch_token(
                client.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except (OAuth2Error, AuthlibOAuthError) as exc:
            raise _explain(exc, "exchanging the authorization code") from exc
    return TokenSet.from_response(dict(token))


async def fresh_token(client: OAuthClient, policy: EgressPolicy, token: TokenSet) -> TokenSet:
    """`token` itself while it is good; otherwise a refreshed (or, for client credentials,
    newly fetched) one. The caller stores the result when it differs."""
    if not token.expires_soon():
        return token
    if token.refresh_token is None:
        return await client_credentials_token(client, policy)
    async with _session(client, policy) as session:
        try:
            refreshed = await session.refresh_token(
                client.token_url, refresh_token=token.refresh_token
            )
        except (OAuth2Error, AuthlibOAuthError) as exc:
            raise _explain(exc, "refreshing the token") from exc
    return TokenSet.from_response(dict(refreshed), previous=token)


async def revoke(client: OAuthClient, policy: EgressPolicy, token: TokenSet) -> None:
    """Tell the authorization server to revoke the grant (RFC 7009), if it offers that."""
    if not client.revoke_url:
        return
    async with _session(client, policy) as session:
        target = token.refresh_token or token.access_token
        hint = "refresh_token" if token.refresh_token else "access_token"
        response = await session.revoke_token(client.revoke_url, token=target, token_type_hint=hint)
        if response.status_code >= 400:
            raise OAuthConnectionError(
                f"The authorization server refused the revocation ({response.status_code})."
            )
