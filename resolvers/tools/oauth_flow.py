"""Connect a tool by OAuth2 authorization code + PKCE: the start URL (state and verifier kept
server-side, the verifier encrypted), the callback that exchanges the code, and revocation."""

from __future__ import annotations

import contextlib

from sqlalchemy import select

from ai.tools.manifest import OAuth2Auth
from ai.tools.oauth import OAuthConnectionError, authorization_request, exchange_code, revoke
from db.engine import Database
from db.models import Tool, ToolConnection
from resolvers.audit import MutationTx
from resolvers.error_codes import ToolErrorCode
from resolvers.errors import ValidationFailed
from resolvers.tools.common import egress_policy, load_tool, manifest_of, secret_box
from resolvers.tools.credentials import oauth_client, store_token, token_of
from resolvers.tools.registry import _admin, revoked_now
from settings import Settings

__all__ = ["finish_tool_oauth", "revoke_tool_connection", "start_tool_oauth"]


async def _connection(tx: MutationTx, tool: Tool, field: str) -> ToolConnection:
    connection = await tx.session.scalar(
        select(ToolConnection).where(ToolConnection.tool_id == tool.id).with_for_update()
    )
    if connection is None:
        raise ValidationFailed.one(
            field, "The tool has no connection yet.", ToolErrorCode.NOT_CONNECTED
        )
    return connection


async def start_tool_oauth(tx: MutationTx, tool_id: object) -> str:
    _admin(tx)
    tool, version = await load_tool(tx.session, tool_id=tool_id)  # type: ignore[arg-type]
    auth = manifest_of(version).auth
    if not isinstance(auth, OAuth2Auth) or auth.grant != "authorization_code":
        raise ValidationFailed.one(
            "toolId",
            "This tool does not use the OAuth2 authorization-code grant.",
            ToolErrorCode.INVALID,
        )
    connection = await _connection(tx, tool, "toolId")
    if not connection.client_id:
        raise ValidationFailed.one(
            "toolId",
            "Set the tool's OAuth client first (setToolOAuthClient).",
            ToolErrorCode.NOT_CONNECTED,
        )
    settings = tx.ctx.settings
    request = authorization_request(
        oauth_client(settings, auth, connection), egress_policy(settings)
    )
    connection.oauth_state = request.state
    connection.code_verifier_enc = secret_box(settings).encrypt(request.code_verifier)
    tx.audit("Tool", tool.id, {"connection": "oauth2", "authorization": "started"})
    return request.url


async def finish_tool_oauth(db: Database, settings: Settings, state: str, code: str) -> str:
    """The callback: exchange `code` for tokens; returns the tool's name."""
    async with db.transaction() as session:
        connection = await session.scalar(
            select(ToolConnection).where(ToolConnection.oauth_state == state).with_for_update()
        )
        if connection is None or not state:
            raise OAuthConnectionError("Unknown or used authorization state: start again.")
        tool, version = await load_tool(session, tool_id=connection.tool_id)
        auth = manifest_of(version).auth
        assert isinstance(auth, OAuth2Auth)
        box = secret_box(settings)
        verifier = box.decrypt(connection.code_verifier_enc or "")
        connection.oauth_state = connection.code_verifier_enc = None
        token = await exchange_code(
            oauth_client(settings, auth, connection), egress_policy(settings), code, verifier
        )
        store_token(connection, box, token)
        connection.revoked_at = None
        return tool.name


async def revoke_tool_connection(tx: MutationTx, tool_id: object) -> Tool:
    _admin(tx)
    tool, version = await load_tool(tx.session, tool_id=tool_id, for_update=True)  # type: ignore[arg-type]
    connection = await _connection(tx, tool, "toolId")
    auth = manifest_of(version).auth
    settings = tx.ctx.settings
    if (
        isinstance(auth, OAuth2Auth)
        and connection.access_token_enc
        and connection.client_secret_enc
    ):
        # Best effort at the server; locally the grant is gone either way.
        with contextlib.suppress(OAuthConnectionError, OSError):
            await revoke(
                oauth_client(settings, auth, connection),
                egress_policy(settings),
                token_of(connection, secret_box(settings)),
            )
    revoked_now(connection)
    tx.audit("Tool", tool.id, {"connection": "revoked"})
    return tool
