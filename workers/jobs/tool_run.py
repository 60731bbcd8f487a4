"""`tools.run`: run one recorded tool run (ai/tools/runtime.py does the running, the
recording and the circuit breaker).

Tools may change things, so a run is attempted once: a failure is recorded on the run
and fails the job with the same reason (no retry).
"""

from __future__ import annotations

import uuid

from ai.tools.manifest import ToolManifest
from ai.tools.runtime import RunOutcome, execute, finish_run
from db.models import Tool, ToolRun, ToolVersion
from workers.jobs.kinds import job_kind
from workers.jobs.runner import JobRun

__all__ = ["RUN_TOOL_JOB", "ToolRunFailed", "run_tool_job"]

RUN_TOOL_JOB = "tools.run"


class ToolRunFailed(Exception):
    """The run ended in failure or timeout (recorded on the run); fails the job."""


@job_kind(RUN_TOOL_JOB, time_limit=120.0, max_attempts=1)
async def run_tool_job(run: JobRun) -> str | None:
    run_id = uuid.UUID(str(run.args["run_id"]))
    async with run.db.transaction() as session:
        record = await session.get(ToolRun, run_id, with_for_update=True)
        if record is None or record.status != "queued":
            return None
        record.status = "running"
        tool = await session.get(Tool, record.tool_id)
        version = await session.get(ToolVersion, record.tool_version_id)
        assert tool is not None
        assert version is not None
        payload = dict(record.input)
    manifest = ToolManifest.model_validate(version.manifest)
    settings = run.env.settings
    if not tool.enabled:
        outcome = RunOutcome("failed", error=f"The tool is disabled: {tool.disabled_reason}")
    else:
        outcome = await execute(run.db, settings, tool, manifest, payload)
    await finish_run(run.db, settings, run_id, tool, outcome, sender=run.env.sender)
    if outcome.status != "succeeded":
        raise ToolRunFailed(f"{outcome.status}: {outcome.error}")
    return f"tool_run:{run_id}"
