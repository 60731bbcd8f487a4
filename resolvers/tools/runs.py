"""runTool / approveToolRun / rejectToolRun: a run is recorded first; a reading tool is
queued as a `tools.run` job at once, a changing one waits for another staff member."""

from __future__ import annotations

import uuid
from typing import Any

from limits import parse as parse_rate

from ai.tools.manifest import ManifestError, check_io
from auth import policy
from db.base import utcnow
from db.models import Ticket, ToolRun, ToolVersion
from resolvers.audit import MutationTx
from resolvers.error_codes import ToolErrorCode
from resolvers.errors import Forbidden, NotFound, ValidationFailed
from resolvers.tools.common import load_tool, manifest_of
from workers.jobs import enqueue
from workers.jobs.tool_run import RUN_TOOL_JOB

__all__ = ["approve_tool_run", "reject_tool_run", "run_tool"]

_MAX_INPUT_BYTES = 64 * 1024


def _queue(tx: MutationTx, record: ToolRun) -> None:
    job = enqueue(
        tx.session, RUN_TOOL_JOB, {"run_id": str(record.id)}, requested_by=record.caller_id
    )
    record.job_id = job.id
    record.status = "queued"
    if tx.ctx.jobs is not None:
        tx.after_commit(tx.ctx.jobs.send_pending, [job])


async def _rate_limit(tx: MutationTx, name: str, rate: str | None) -> None:
    """The manifest's `rate_limit`, for the whole installation (the tool's server's limit)."""
    limiter = tx.ctx.rate_limiter
    if rate is None or limiter is None:
        return
    if not await limiter.hit(parse_rate(rate), "tool", name):
        raise ValidationFailed.one(
            "tool",
            f"The tool's rate limit ({rate}) is used up: try again later.",
            ToolErrorCode.RATE_LIMITED,
        )


async def run_tool(
    tx: MutationTx, ticket_id: uuid.UUID | None, tool_name: str, payload: Any
) -> ToolRun:
    principal = tx.ctx.require_staff()
    tool, version = await load_tool(tx.session, name=tool_name, field="tool")
    manifest = manifest_of(version)
    if not policy.may_run_tool(principal, manifest.roles):
        raise Forbidden(f"Your role may not run the tool {tool.name}.")
    if not tool.enabled:
        raise ValidationFailed.one(
            "tool", f"The tool is disabled: {tool.disabled_reason}", ToolErrorCode.DISABLED
        )
    if ticket_id is not None and await tx.session.get(Ticket, ticket_id) is None:
        raise NotFound("ticketId", "ticket")
    if not isinstance(payload, dict) or len(str(payload)) > _MAX_INPUT_BYTES:
        raise ValidationFailed.one(
            "input",
            "The input must be a JSON object of at most 64 KiB.",
            ToolErrorCode.INVALID_INPUT,
        )
    try:
        check_io(manifest.input_schema, payload, "input")
    except ManifestError as exc:
        raise ValidationFailed.one("input", str(exc), ToolErrorCode.INVALID_INPUT) from exc
    await _rate_limit(tx, tool.name, manifest.rate_limit)
    record = ToolRun(
        id=uuid.uuid4(),
        tool_id=tool.id,
        tool_version_id=version.id,
        caller_id=principal.user_id,
        ticket_id=ticket_id,
        input=payload,
        status="pending_approval",
    )
    tx.session.add(record)
    if not manifest.needs_approval:
        _queue(tx, record)
    await tx.session.flush()
    tx.audit(
        "ToolRun",
        record.id,
        {"tool": tool.name, "version": version.version, "status": record.status},
    )
    return record


async def _pending(tx: MutationTx, run_id: uuid.UUID) -> tuple[ToolRun, list[str]]:
    tx.ctx.require_staff()
    record = await tx.session.get(ToolRun, run_id, with_for_update=True)
    if record is None:
        raise NotFound("runId", "tool run")
    version = await tx.session.get(ToolVersion, record.tool_version_id)
    assert version is not None
    if record.status != "pending_approval":
        raise ValidationFailed.one(
            "runId",
            f"This run is {record.status}, not waiting for approval.",
            ToolErrorCode.INVALID_STATE,
        )
    return record, manifest_of(version).roles


async def approve_tool_run(tx: MutationTx, run_id: uuid.UUID) -> ToolRun:
    record, roles = await _pending(tx, run_id)
    principal = tx.ctx.principal
    if principal is not None and principal.user_id == record.caller_id:
        raise ValidationFailed.one(
            "runId",
            "Someone other than the requester must approve this run.",
            ToolErrorCode.SELF_APPROVAL,
        )
    if not policy.may_approve_tool_run(principal, roles, record.caller_id):
        raise Forbidden("Your role may not approve runs of this tool.")
    assert principal is not None
    record.approver_id = principal.user_id
    _queue(tx, record)
    tx.audit("ToolRun", record.id, {"status": {"before": "pending_approval", "after": "queued"}})
    return record


async def reject_tool_run(tx: MutationTx, run_id: uuid.UUID, reason: str | None) -> ToolRun:
    record, roles = await _pending(tx, run_id)
    principal = tx.ctx.principal
    if not policy.may_run_tool(principal, roles):
        raise Forbidden("Your role may not decide on runs of this tool.")
    assert principal is not None
    record.approver_id = principal.user_id
    record.status = "rejected"
    record.error = (reason or "Rejected.")[:2000]
    record.finished_at = utcnow()
    tx.audit("ToolRun", record.id, {"status": {"before": "pending_approval", "after": "rejected"}})
    return record
