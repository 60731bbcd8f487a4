"""What the tool use cases share: the egress policy and secret box from settings, and
loading a tool with its current manifest."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ai.tools.egress import EgressPolicy
from ai.tools.manifest import ManifestError, ToolManifest, parse_manifest
from auth.secret_box import SecretBox
from db.models import Tool, ToolVersion
from resolvers.error_codes import ToolErrorCode
from resolvers.errors import FieldProblem, NotFound, ValidationFailed
from settings import Settings

__all__ = [
    "CREDENTIALS_PURPOSE",
    "egress_policy",
    "load_tool",
    "manifest_of",
    "manifest_problem",
    "secret_box",
    "validated_manifest",
]

CREDENTIALS_PURPOSE = "tool-credentials"


def egress_policy(settings: Settings) -> EgressPolicy:
    return EgressPolicy(allowed_hosts=tuple(settings.tool_egress_allowlist))


def secret_box(settings: Settings) -> SecretBox:
    keys = [settings.resolved_secret_key()]
    keys += [k.get_secret_value() for k in settings.previous_secret_keys]
    return SecretBox(keys, CREDENTIALS_PURPOSE)


def manifest_problem(exc: ManifestError, field: str = "manifest") -> ValidationFailed:
    return ValidationFailed(
        *(
            FieldProblem(
                f"{field}.{name}" if name else field, message, ToolErrorCode.INVALID_MANIFEST
            )
            for name, message in exc.problems
        )
    )


def validated_manifest(settings: Settings, document: str) -> ToolManifest:
    try:
        return parse_manifest(
            document,
            egress=egress_policy(settings),
            max_timeout_seconds=settings.tool_max_timeout_seconds,
        )
    except ManifestError as exc:
        raise manifest_problem(exc) from exc


def manifest_of(version: ToolVersion) -> ToolManifest:
    """A stored manifest (validated when it was registered)."""
    return ToolManifest.model_validate(version.manifest)


async def load_tool(
    session: AsyncSession,
    *,
    tool_id: uuid.UUID | None = None,
    name: str | None = None,
    field: str = "toolId",
    for_update: bool = False,
) -> tuple[Tool, ToolVersion]:
    query = select(Tool, ToolVersion).join(ToolVersion, ToolVersion.id == Tool.current_version_id)
    query = (
        query.where(Tool.id == tool_id) if tool_id is not None else query.where(Tool.name == name)
    )
    if for_update:
        query = query.with_for_update(of=Tool)
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(field, "tool")
    return row[0], row[1]
