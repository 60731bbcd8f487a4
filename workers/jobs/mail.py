"""`deliver_mail`: one run sends every pending outbox row (the outbox stays mail's truth).

`delivery_job` is called inside the transaction that writes outbox rows, so the job is
committed with the mail it must send (the outbox pattern: no crash can leave mail without a
job to send it).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Job
from workers.email import deliver_pending
from workers.jobs.enqueue import enqueue
from workers.jobs.kinds import job_kind
from workers.jobs.runner import JobRun

__all__ = ["DELIVER_MAIL", "deliver_mail", "delivery_job"]

DELIVER_MAIL = "deliver_mail"


async def delivery_job(session: AsyncSession) -> Job | None:
    """Make sure a `deliver_mail` run starts after this transaction commits.

    A run still waiting to start is reused: this transaction locks its row, and a worker's
    claim (an UPDATE of that row) waits for the commit, so the run sees this mail. Otherwise
    a new job row is added; it is returned, to be sent once the transaction has committed.
    """
    waiting = (
        await session.execute(
            select(Job.id)
            .where(Job.kind == DELIVER_MAIL, Job.status == "queued", Job.run_after.is_(None))
            .order_by(Job.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()
    if waiting is not None:
        return None
    return enqueue(session, DELIVER_MAIL)


@job_kind(DELIVER_MAIL, queue="mail", time_limit=600.0)
async def deliver_mail(run: JobRun) -> str | None:
    # deliver_pending records each mail's own failure on its row and locks rows it sends
    # (SKIP LOCKED), so two runs at once cannot send one mail twice.
    sent = await deliver_pending(run.db, run.env.settings)
    return f"sent:{sent}"
