"""Diagnostic job kinds: check the job pipeline end to end (operators, tests, bench).

`probe.noop` does nothing; `probe.write` waits, then writes one audit entry in the same
transaction that marks the job succeeded — a job run twice still leaves one entry.
"""

from __future__ import annotations

import asyncio

from db.models import AuditEntry
from workers.jobs.kinds import TransientJobError, job_kind
from workers.jobs.runner import JobRun

__all__ = ["PROBE_ACTION", "probe_noop", "probe_write"]

PROBE_ACTION = "job.probe"


@job_kind("probe.noop", time_limit=10.0)
async def probe_noop(run: JobRun) -> str | None:
    return None


@job_kind("probe.write", time_limit=120.0, max_attempts=3)
async def probe_write(run: JobRun) -> str | None:
    """Args: `seconds` to wait (in steps, reporting progress), `fail` = "transient" /
    "permanent" to fail the first attempts (`fail_attempts`, default 1)."""
    seconds = float(run.args.get("seconds", 0))
    steps = max(1, int(seconds * 10))
    for step in range(steps if seconds > 0 else 0):
        await asyncio.sleep(seconds / steps)
        await run.progress((step + 1) / steps, f"step {step + 1} of {steps}")
    fail = run.args.get("fail")
    if fail and run.attempt <= int(run.args.get("fail_attempts", 1)):
        if fail == "transient":
            raise TransientJobError("probe asked for a transient failure")
        raise ValueError("probe asked for a permanent failure")
    async with run.finishing(result_ref=f"audit:{PROBE_ACTION}") as session:
        session.add(
            AuditEntry(
                actor_label=f"job {run.id}",
                action=PROBE_ACTION,
                object_type="job",
                object_id=str(run.id),
                changes={"attempt": run.attempt},
            )
        )
    return None
