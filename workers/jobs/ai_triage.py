"""`ai.triage`: triage one ticket — decide (LLM or offline model, outside any transaction),
then apply the decision through the ticket use cases together with the job's success, and
run their post-commit hooks (events, notifications, jobs) like a mutation does."""

from __future__ import annotations

import uuid

from workers.jobs.kinds import job_kind
from workers.jobs.runner import JobRun

__all__ = ["AI_TRIAGE_JOB", "triage_job"]

AI_TRIAGE_JOB = "ai.triage"


@job_kind(AI_TRIAGE_JOB, time_limit=180.0, max_attempts=3)
async def triage_job(run: JobRun) -> str | None:
    from dataloaders import Loaders
    from resolvers.audit import MutationTx
    from resolvers.context import RequestContext, RequestMeta
    from resolvers.triage.apply import TRIAGE_PRINCIPAL, apply_triage, load_input
    from resolvers.triage.decide import decide
    from workers.jobs.queue import JobQueue

    settings = run.env.settings
    ticket_id = uuid.UUID(str(run.args["ticket_id"]))
    keep = [str(k) for k in run.args.get("keep", ())]
    async with run.db.transaction() as session:
        given = await load_input(session, ticket_id, run.id)
    if given is None:
        async with run.finishing():
            return None
    decision = await decide(run.db, settings, run.env.ai, given)
    ctx = RequestContext(
        db=run.db,
        settings=settings,
        loaders=Loaders(run.db),
        meta=RequestMeta(request_id=f"job-{run.id.hex}"),
        principal=TRIAGE_PRINCIPAL,
        jobs=JobQueue(run.db, settings, run.env.sender),
        publisher=run.env.publisher,
        ai=run.env.ai,
    )
    tx: MutationTx | None = None
    async with run.finishing(f"ticket_triage:{ticket_id}") as session:
        tx = MutationTx(session=session, ctx=ctx, action="aiTriage")
        await apply_triage(tx, given, decision, keep=keep)
        await session.flush()
    await tx.run_after_commit()
    return f"ticket_triage:{ticket_id}"
