"""Admins register tools (validated manifests, versions kept), switch them on and off,
and store their credentials: encrypted with the SecretBox, never echoed back."""

from __future__ import annotations

from sqlalchemy import select

from ai.tools.manifest import OAuth2Auth, ToolManifest
from auth import policy
from db.base import utcnow
from db.models import Tool, ToolConnection, ToolVersion
from resolvers.audit import MutationTx
from resolvers.error_codes import ToolErrorCode
from resolvers.errors import ValidationFailed
from resolvers.tools.common import load_tool, secret_box, validated_manifest

__all__ = [
    "connection_for",
    "register_tool",
    "set_tool_api_key",
    "set_tool_enabled",
    "set_tool_oauth_client",
    "update_tool",
]


def _admin(tx: MutationTx) -> None:
    tx.ctx.require(policy.may_manage_tools, "Only an admin may manage tools.")


def _version(tx: MutationTx, tool: Tool, manifest: ToolManifest) -> ToolVersion:
    principal = tx.ctx.principal
    version = ToolVersion(
        tool_id=tool.id,
        version=manifest.version,
        manifest=manifest.model_dump(mode="json"),
        registered_by_id=principal.user_id if principal else None,
    )
    tx.session.add(version)
    return version


async def register_tool(tx: MutationTx, document: str) -> Tool:
    _admin(tx)
    manifest = validated_manifest(tx.ctx.settings, document)
    taken = await tx.session.scalar(select(Tool.id).where(Tool.name == manifest.name))
    if taken is not None:
        raise ValidationFailed.one(
            "manifest.name",
            f"A tool named {manifest.name} exists: use updateTool.",
            ToolErrorCode.UNIQUE,
        )
    tool = Tool(name=manifest.name)
    tx.session.add(tool)
    await tx.session.flush()
    version = _version(tx, tool, manifest)
    await tx.session.flush()
    tool.current_version_id = version.id
    tx.audit("Tool", tool.id, {"name": manifest.name, "version": manifest.version})
    return tool


async def update_tool(tx: MutationTx, tool_id: object, document: str) -> Tool:
    _admin(tx)
    manifest = validated_manifest(tx.ctx.settings, document)
    tool, current = await load_tool(tx.session, tool_id=tool_id, for_update=True)  # type: ignore[arg-type]
    if manifest.name != tool.name:
        raise ValidationFailed.one(
            "manifest.name", "A new version cannot rename the tool.", ToolErrorCode.INVALID
        )
    known = await tx.session.scalar(
        select(ToolVersion.id).where(
            ToolVersion.tool_id == tool.id, ToolVersion.version == manifest.version
        )
    )
    if known is not None:
        raise ValidationFailed.one(
            "manifest.version",
            f"Version {manifest.version} is registered already: raise the version.",
            ToolErrorCode.UNIQUE,
        )
    version = _version(tx, tool, manifest)
    await tx.session.flush()
    tool.current_version_id = version.id
    tx.audit("Tool", tool.id, {"version": {"before": current.version, "after": manifest.version}})
    return tool


async def set_tool_enabled(
    tx: MutationTx, tool_id: object, enabled: bool, reason: str | None
) -> Tool:
    _admin(tx)
    tool, _ = await load_tool(tx.session, tool_id=tool_id, for_update=True)  # type: ignore[arg-type]
    before = tool.enabled
    tool.enabled = enabled
    tool.disabled_reason = None if enabled else (reason or "Disabled by an admin.")
    if enabled:
        tool.consecutive_failures = 0
    tx.audit("Tool", tool.id, {"enabled": {"before": before, "after": enabled}})
    return tool


async def connection_for(tx: MutationTx, tool: Tool, kind: str) -> ToolConnection:
    connection = await tx.session.scalar(
        select(ToolConnection).where(ToolConnection.tool_id == tool.id).with_for_update()
    )
    if connection is None:
        connection = ToolConnection(tool_id=tool.id, kind=kind)
        tx.session.add(connection)
    connection.kind = kind
    principal = tx.ctx.principal
    connection.connected_by_id = principal.user_id if principal else None
    connection.revoked_at = None
    return connection


async def set_tool_api_key(tx: MutationTx, tool_id: object, api_key: str) -> Tool:
    _admin(tx)
    tool, version = await load_tool(tx.session, tool_id=tool_id, for_update=True)  # type: ignore[arg-type]
    if version.manifest.get("auth", {}).get("kind") != "api_key":
        raise ValidationFailed.one(
            "apiKey", "This tool's manifest does not use an API key.", ToolErrorCode.INVALID
        )
    if not api_key.strip():
        raise ValidationFailed.one("apiKey", "Enter the API key.", ToolErrorCode.REQUIRED)
    connection = await connection_for(tx, tool, "api_key")
    connection.api_key_enc = secret_box(tx.ctx.settings).encrypt(api_key.strip())
    tx.audit("Tool", tool.id, {"connection": "api_key", "key": "set"})
    return tool


async def set_tool_oauth_client(
    tx: MutationTx, tool_id: object, client_id: str, client_secret: str
) -> Tool:
    """The OAuth2 client the tool's authorization server issued to this installation."""
    _admin(tx)
    tool, version = await load_tool(tx.session, tool_id=tool_id, for_update=True)  # type: ignore[arg-type]
    from resolvers.tools.common import manifest_of

    if not isinstance(manifest_of(version).auth, OAuth2Auth):
        raise ValidationFailed.one(
            "clientId", "This tool's manifest does not use OAuth2.", ToolErrorCode.INVALID
        )
    if not client_id.strip() or not client_secret.strip():
        raise ValidationFailed.one(
            "clientId", "Enter the client id and the client secret.", ToolErrorCode.REQUIRED
        )
    box = secret_box(tx.ctx.settings)
    connection = await connection_for(tx, tool, "oauth2")
    connection.client_id = client_id.strip()
    connection.client_secret_enc = box.encrypt(client_secret.strip())
    connection.access_token_enc = connection.refresh_token_enc = None
    connection.expires_at = None
    tx.audit("Tool", tool.id, {"connection": "oauth2", "client_id": client_id.strip()})
    return tool


def revoked_now(connection: ToolConnection) -> None:
    connection.access_token_enc = connection.refresh_token_enc = None
    connection.oauth_state = connection.code_verifier_enc = None
    connection.api_key_enc = None
    connection.expires_at = None
    connection.revoked_at = utcnow()
