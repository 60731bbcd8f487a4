"""External tools: the registry (admins), runs with approval (staff), the usage report.

Credentials are write-only: a tool shows whether it is connected, never a key or token."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from db.models import Tool as ToolRow
from db.models import ToolConnection as ConnectionRow
from db.models import ToolRun as RunRow
from db.models import ToolVersion as VersionRow
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.tools.oauth_flow import revoke_tool_connection, start_tool_oauth
from resolvers.tools.queries import list_runs, list_tools, run_view, tool_usage, tool_view
from resolvers.tools.registry import (
    register_tool,
    set_tool_api_key,
    set_tool_enabled,
    set_tool_oauth_client,
    update_tool,
)
from resolvers.tools.runs import approve_tool_run, reject_tool_run, run_tool
from schema.errors import ToolError
from schema.ids import decode_id
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin, IsStaff

__all__ = ["ToolsMutation", "ToolsQuery"]

_PLAIN = " Plain text: escape before rendering as HTML."
_JSON = " Its strings are plain text: escape before rendering as HTML."


def _gid(type_name: str, value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(relay.to_base64(type_name, str(value)))


@strawberry.enum(description="Where a tool run is.")
class ToolRunStatus(enum.Enum):
    PENDING_APPROVAL = "pending_approval"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMEOUT = "timeout"
    REJECTED = "rejected"


@strawberry.enum(description="How toolUsage groups runs.")
class ToolUsageGroup(enum.Enum):
    TOOL = "tool"
    DAY = "day"


@strawberry.type(description="One registered version of a tool's manifest (versions are kept).")
class ToolVersion:
    id: strawberry.ID
    version: str = strawberry.field(description="MAJOR.MINOR.PATCH." + _PLAIN)
    manifest: JSON = strawberry.field(description="The validated manifest, as JSON." + _JSON)
    created_at: datetime

    @classmethod
    def from_row(cls, row: VersionRow) -> ToolVersion:
        return cls(
            id=strawberry.ID(relay.to_base64("ToolVersion", str(row.id))),
            version=row.version,
            manifest=cast(JSON, row.manifest),
            created_at=row.created_at,
        )


@strawberry.type(description="An external tool agents (and AI drafts) may run.")
class Tool:
    id: strawberry.ID
    name: str = strawberry.field(description="Unique name." + _PLAIN)
    description: str = strawberry.field(description="What it does." + _PLAIN)
    effect: str = strawberry.field(description="`read`, or `write` (runs need approval)." + _PLAIN)
    enabled: bool
    disabled_reason: str | None = strawberry.field(description="Why it is off." + _PLAIN)
    consecutive_failures: int = strawberry.field(description="Towards the circuit breaker.")
    connected: bool = strawberry.field(
        description="Whether credentials are stored (they are never shown)."
    )
    current_version: ToolVersion
    versions: list[ToolVersion] = strawberry.field(description="Newest first.")

    @classmethod
    def build(
        cls, row: ToolRow, versions: list[VersionRow], connection: ConnectionRow | None
    ) -> Tool:
        current = next(v for v in versions if v.id == row.current_version_id)
        connected = (
            connection is not None
            and connection.revoked_at is None
            and bool(
                connection.api_key_enc
                or connection.access_token_enc
                or connection.client_secret_enc
            )
        )
        return cls(
            id=strawberry.ID(relay.to_base64("Tool", str(row.id))),
            name=row.name,
            description=str(current.manifest.get("description", "")),
            effect=str(current.manifest.get("effect", "read")),
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            consecutive_failures=row.consecutive_failures,
            connected=connected,
            current_version=ToolVersion.from_row(current),
            versions=[ToolVersion.from_row(v) for v in versions],
        )


@strawberry.type(description="One run of a tool, with its outcome.")
class ToolRun:
    id: strawberry.ID
    tool: str = strawberry.field(description="The tool's name." + _PLAIN)
    version: str = strawberry.field(description="The manifest version that ran." + _PLAIN)
    status: ToolRunStatus
    input: JSON = strawberry.field(description="The input, as given." + _JSON)
    output: JSON | None = strawberry.field(description="The checked answer (bounded)." + _JSON)
    error: str | None = strawberry.field(description="Why it failed." + _PLAIN)
    caller_id: strawberry.ID | None
    approver_id: strawberry.ID | None
    ticket_id: strawberry.ID | None
    job_id: strawberry.ID | None
    duration_ms: float | None
    bytes_in: int
    bytes_out: int
    created_at: datetime

    @classmethod
    def build(cls, row: RunRow, tool: str, version: str) -> ToolRun:
        return cls(
            id=strawberry.ID(relay.to_base64("ToolRun", str(row.id))),
            tool=tool,
            version=version,
            status=ToolRunStatus(row.status),
            input=cast(JSON, row.input),
            output=row.output,
            error=row.error,
            caller_id=_gid("User", row.caller_id),
            approver_id=_gid("User", row.approver_id),
            ticket_id=_gid("Ticket", row.ticket_id),
            job_id=_gid("Job", row.job_id),
            duration_ms=row.duration_ms,
            bytes_in=row.bytes_in,
            bytes_out=row.bytes_out,
            created_at=row.created_at,
        )


@strawberry.type(description="Tool runs in a period, for one group.")
class ToolUsage:
    key: str = strawberry.field(description="The tool's name or the day (YYYY-MM-DD)." + _PLAIN)
    runs: int
    failures: int
    timeouts: int
    p50_ms: float | None
    p95_ms: float | None
    bytes_in: int
    bytes_out: int


@strawberry.input(description="Which runs to list.")
class ToolRunsFilter:
    tool_id: strawberry.ID | None = None
    ticket_id: strawberry.ID | None = None
    status: ToolRunStatus | None = None


async def _tool(ctx: RequestContext, tool_id: uuid.UUID) -> Tool:
    ((row, versions, connection),) = await list_tools(ctx, tool_id)
    return Tool.build(row, versions, connection)


@strawberry.type
class ToolsQuery:
    @strawberry.field(description="Registered tools by name (staff).", permission_classes=[IsStaff])
    async def tools(self, info: strawberry.Info[RequestContext]) -> list[Tool]:
        return [Tool.build(*entry) for entry in await list_tools(info.context)]

    @strawberry.field(description="One tool (null when absent).", permission_classes=[IsStaff])
    async def tool(self, info: strawberry.Info[RequestContext], id: strawberry.ID) -> Tool | None:
        found = await list_tools(info.context, decode_id(id, "Tool", "id"))
        return Tool.build(*found[0]) if found else None

    @strawberry.field(
        description="Tool runs, newest first (at most 100).", permission_classes=[IsStaff]
    )
    async def tool_runs(
        self,
        info: strawberry.Info[RequestContext],
        filter: ToolRunsFilter | None = None,
        first: int = 50,
    ) -> list[ToolRun]:
        f = filter or ToolRunsFilter()
        rows = await list_runs(
            info.context,
            tool_id=decode_id(f.tool_id, "Tool", "toolId") if f.tool_id else None,
            ticket_id=decode_id(f.ticket_id, "Ticket", "ticketId") if f.ticket_id else None,
            status=f.status.value if f.status else None,
            first=first,
        )
        return [ToolRun.build(*row) for row in rows]

    @strawberry.field(
        description="Runs, failures, timeouts, p50/p95 duration and bytes of finished runs in "
        "[from, to), by tool or by day.",
        permission_classes=[IsStaff],
    )
    async def tool_usage(
        self,
        info: strawberry.Info[RequestContext],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        group_by: ToolUsageGroup = ToolUsageGroup.TOOL,
    ) -> list[ToolUsage]:
        rows = await tool_usage(info.context, from_, to, group_by.value)
        return [ToolUsage(**{f: getattr(r, f) for f in r.__slots__}) for r in rows]


@strawberry.input(description="A tool manifest (JSON or YAML), see README Tools.")
class RegisterToolInput:
    manifest: str


@strawberry.input(description="A new version of a tool's manifest (same name, higher version).")
class UpdateToolInput:
    tool_id: strawberry.ID
    manifest: str


@strawberry.input(description="The tool to switch off or on.")
class ToolSwitchInput:
    tool_id: strawberry.ID
    reason: str | None = None


@strawberry.input(description="The API key the tool's server expects (stored encrypted).")
class SetToolApiKeyInput:
    tool_id: strawberry.ID
    api_key: str


@strawberry.input(description="The OAuth2 client issued to this installation (stored encrypted).")
class SetToolOAuthClientInput:
    tool_id: strawberry.ID
    client_id: str
    client_secret: str


@strawberry.input(description="The tool whose connection to use.")
class ToolIdInput:
    tool_id: strawberry.ID


@strawberry.input(description="Run a tool, optionally for a ticket.")
class RunToolInput:
    tool: str = strawberry.field(description="The tool's name.")
    input: JSON = strawberry.field(description="Checked against the tool's input schema.")
    ticket_id: strawberry.ID | None = None


@strawberry.input(description="A run waiting for approval.")
class ToolRunDecisionInput:
    run_id: strawberry.ID
    reason: str | None = None


@strawberry.type(description="Result of a tool registry mutation.")
class ToolPayload(MutationPayload[ToolError]):
    tool: Tool | None = None


@strawberry.type(description="Result of startToolOAuth.")
class StartToolOAuthPayload(MutationPayload[ToolError]):
    authorize_url: str | None = strawberry.field(
        default=None,
        description="Send the admin's browser here; it returns to the callback." + _PLAIN,
    )


@strawberry.type(description="Result of a tool run mutation.")
class ToolRunPayload(MutationPayload[ToolError]):
    run: ToolRun | None = None


def _id(value: strawberry.ID, field: str = "toolId") -> uuid.UUID:
    return decode_id(value, "Tool", field)


async def _tool_payload(tx: MutationTx, row: ToolRow) -> ToolPayload:
    return ToolPayload(tool=Tool.build(*await tool_view(tx.session, row)))


async def _run_payload(tx: MutationTx, row: RunRow) -> ToolRunPayload:
    return ToolRunPayload(run=ToolRun.build(*await run_view(tx.session, row)))


def _json_input(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@strawberry.type
class ToolsMutation:
    @mutation(
        description="Register a tool from its manifest (admins).", permission_classes=[IsAdmin]
    )
    async def register_tool(tx: MutationTx, input: RegisterToolInput) -> ToolPayload:
        return await _tool_payload(tx, await register_tool(tx, input.manifest))

    @mutation(description="Register a new manifest version (admins).", permission_classes=[IsAdmin])
    async def update_tool(tx: MutationTx, input: UpdateToolInput) -> ToolPayload:
        return await _tool_payload(tx, await update_tool(tx, _id(input.tool_id), input.manifest))

    @mutation(description="Switch a tool off (admins).", permission_classes=[IsAdmin])
    async def disable_tool(tx: MutationTx, input: ToolSwitchInput) -> ToolPayload:
        row = await set_tool_enabled(tx, _id(input.tool_id), False, input.reason)
        return await _tool_payload(tx, row)

    @mutation(
        description="Switch a tool on again; resets its failure count (admins).",
        permission_classes=[IsAdmin],
    )
    async def enable_tool(tx: MutationTx, input: ToolSwitchInput) -> ToolPayload:
        return await _tool_payload(tx, await set_tool_enabled(tx, _id(input.tool_id), True, None))

    @mutation(
        description="Store the tool's API key, encrypted (admins).", permission_classes=[IsAdmin]
    )
    async def set_tool_api_key(tx: MutationTx, input: SetToolApiKeyInput) -> ToolPayload:
        return await _tool_payload(
            tx, await set_tool_api_key(tx, _id(input.tool_id), input.api_key)
        )

    @mutation(
        description="Store the tool's OAuth2 client id and secret, encrypted (admins).",
        permission_classes=[IsAdmin],
    )
    async def set_tool_o_auth_client(tx: MutationTx, input: SetToolOAuthClientInput) -> ToolPayload:
        row = await set_tool_oauth_client(
            tx, _id(input.tool_id), input.client_id, input.client_secret
        )
        return await _tool_payload(tx, row)

    @mutation(
        description="Start connecting an authorization-code tool: the URL to open (admins).",
        permission_classes=[IsAdmin],
    )
    async def start_tool_o_auth(tx: MutationTx, input: ToolIdInput) -> StartToolOAuthPayload:
        return StartToolOAuthPayload(authorize_url=await start_tool_oauth(tx, _id(input.tool_id)))

    @mutation(
        description="Revoke the tool's grant at its server and forget its credentials (admins).",
        permission_classes=[IsAdmin],
    )
    async def revoke_tool_connection(tx: MutationTx, input: ToolIdInput) -> ToolPayload:
        return await _tool_payload(tx, await revoke_tool_connection(tx, _id(input.tool_id)))

    @mutation(
        description="Run a tool: a reading tool is queued at once, a changing one waits for "
        "approval by another staff member.",
        permission_classes=[IsStaff],
    )
    async def run_tool(tx: MutationTx, input: RunToolInput) -> ToolRunPayload:
        ticket = decode_id(input.ticket_id, "Ticket", "ticketId") if input.ticket_id else None
        row = await run_tool(tx, ticket, input.tool, _json_input(input.input))
        return await _run_payload(tx, row)

    @mutation(
        description="Approve a changing tool's run (not your own request).",
        permission_classes=[IsStaff],
    )
    async def approve_tool_run(tx: MutationTx, input: ToolRunDecisionInput) -> ToolRunPayload:
        row = await approve_tool_run(tx, decode_id(input.run_id, "ToolRun", "runId"))
        return await _run_payload(tx, row)

    @mutation(description="Reject a run waiting for approval.", permission_classes=[IsStaff])
    async def reject_tool_run(tx: MutationTx, input: ToolRunDecisionInput) -> ToolRunPayload:
        row = await reject_tool_run(tx, decode_id(input.run_id, "ToolRun", "runId"), input.reason)
        return await _run_payload(tx, row)
