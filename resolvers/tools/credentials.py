"""A tool's credentials for one run: the API key header or a fresh OAuth2 token (refreshed
and stored again, encrypted, when it was about to expire). Errors never carry a secret."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ai.tools.manifest import ApiKeyAuth, OAuth2Auth, ToolManifest
from ai.tools.oauth import OAuthClient, OAuthConnectionError, TokenSet, fresh_token
from auth.secret_box import SecretBox
from db.models import Tool, ToolConnection
from resolvers.tools.common import egress_policy, secret_box
from settings import Settings

__all__ = [
    "CALLBACK_PATH",
    "auth_headers",
    "oauth_client",
    "python_env",
    "store_token",
    "token_of",
    "tool_secret",
]

CALLBACK_PATH = "/oauth/tools/callback"
_RECONNECT = "The tool is not connected: an admin must connect it (setToolApiKey or OAuth)."


def oauth_client(settings: Settings, auth: OAuth2Auth, connection: ToolConnection) -> OAuthClient:
    box = secret_box(settings)
    return OAuthClient(
        client_id=connection.client_id or "",
        client_secret=box.decrypt(connection.client_secret_enc or ""),
        token_url=auth.token_url,
        authorize_url=auth.authorize_url,
        revoke_url=auth.revoke_url,
        redirect_uri=settings.public_url.rstrip("/") + CALLBACK_PATH,
        scopes=tuple(auth.scopes),
    )


def token_of(connection: ToolConnection, box: SecretBox) -> TokenSet:
    return TokenSet(
        access_token=box.decrypt(connection.access_token_enc)
        if connection.access_token_enc
        else "",
        # No token yet: "expired", so the first run fetches one (client credentials).
        expires_at=connection.expires_at if connection.access_token_enc else 0.0,
        refresh_token=box.decrypt(connection.refresh_token_enc)
        if connection.refresh_token_enc
        else None,
    )


def store_token(connection: ToolConnection, box: SecretBox, token: TokenSet) -> None:
    connection.access_token_enc = box.encrypt(token.access_token)
    connection.refresh_token_enc = box.encrypt(token.refresh_token) if token.refresh_token else None
    connection.expires_at = token.expires_at


async def tool_secret(
    session: AsyncSession, settings: Settings, tool: Tool, manifest: ToolManifest
) -> str | None:
    """The API key or a fresh OAuth2 access token (None for `auth: none`);
    `OAuthConnectionError` says how to fix a missing or broken connection."""
    if not isinstance(manifest.auth, ApiKeyAuth | OAuth2Auth):
        return None
    connection = await session.scalar(
        select(ToolConnection).where(ToolConnection.tool_id == tool.id).with_for_update()
    )
    if connection is None or connection.revoked_at is not None:
        raise OAuthConnectionError(_RECONNECT)
    box = secret_box(settings)
    if isinstance(manifest.auth, ApiKeyAuth):
        if not connection.api_key_enc:
            raise OAuthConnectionError(_RECONNECT)
        return box.decrypt(connection.api_key_enc)
    if not connection.client_id or not connection.client_secret_enc:
        raise OAuthConnectionError(_RECONNECT)
    current = token_of(connection, box)
    if (
        manifest.auth.grant == "authorization_code"
        and current.refresh_token is None
        and not current.access_token
    ):
        raise OAuthConnectionError(_RECONNECT)
    token = await fresh_token(
        oauth_client(settings, manifest.auth, connection), egress_policy(settings), current
    )
    if token is not current:
        store_token(connection, box, token)
    return token.access_token


async def auth_headers(
    session: AsyncSession, settings: Settings, tool: Tool, manifest: ToolManifest
) -> dict[str, str]:
    """Headers that authenticate an `http` run."""
    secret = await tool_secret(session, settings, tool, manifest)
    if secret is None:
        return {}
    if isinstance(manifest.auth, ApiKeyAuth):
        return {manifest.auth.header: manifest.auth.prefix + secret}
    return {"Authorization": f"Bearer {secret}"}


async def python_env(
    session: AsyncSession, settings: Settings, tool: Tool, manifest: ToolManifest
) -> dict[str, str]:
    """A `python` tool's only environment beyond the basics: its own credential."""
    secret = await tool_secret(session, settings, tool, manifest)
    if secret is None:
        return {}
    name = "TOOL_API_KEY" if isinstance(manifest.auth, ApiKeyAuth) else "TOOL_ACCESS_TOKEN"
    return {name: secret}
